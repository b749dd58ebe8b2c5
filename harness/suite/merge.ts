/**
 * `faultline suite merge <dirs...>`: the results of a suite's shards (each a folder written by
 * `faultline suite --shard i/n`) merged into one summary, one JUnit file and one index.
 *
 * Entries are ordered by their position in the suite and keep links to their run folders, rewritten
 * relative to the merged folder. Merging checks that the folders come from the same suite, that no
 * entry appears twice, and names the shards that are missing: a merge with a missing shard is not ok.
 */
import { makeFlagDir } from '../run/folder.js';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../cli/exit.js';
import { readSummary, refresh, SUMMARY_FORMAT, type EntryResult, type SuiteSummary } from './summary.js';
import { writeSuiteFiles } from './run-suite.js';

/** Merges shard folders into `outDir` (made once they all read well) and returns the merged summary. */
export function mergeSuites(dirs: string[], outDir: string, outFlag: string = outDir): SuiteSummary {
  if (dirs.length === 0) throw new UsageError('suite merge: name at least one suite results folder');
  const out = resolve(outDir);
  const parts = dirs.map((d) => ({ dir: resolve(d), summary: readSummary(d) }));
  const first = parts[0]!.summary;
  for (const p of parts) {
    if (p.summary.name !== first.name || p.summary.suiteEntries !== first.suiteEntries) {
      throw new UsageError(
        `${p.dir}: suite "${p.summary.name}" with ${p.summary.suiteEntries} entries cannot be merged with suite "${first.name}" with ${first.suiteEntries} entries from ${parts[0]!.dir}`,
      );
    }
  }
  const byId = new Map<string, { dir: string; entry: EntryResult }>();
  for (const p of parts) {
    for (const e of p.summary.entries) {
      const prior = byId.get(e.id);
      if (prior) throw new UsageError(`entry ${e.id} is in both ${prior.dir} and ${p.dir}: merge each shard once`);
      byId.set(e.id, { dir: p.dir, entry: { ...e, runDir: relative(out, join(p.dir, e.runDir)) || '.' } });
    }
  }
  // Shards: a merge of sharded folders should hold each of 1..count once.
  const counts = new Set(parts.map((p) => p.summary.shard?.count ?? 1));
  const shardCount = counts.size === 1 ? [...counts][0]! : Math.max(...counts);
  const have = new Set(parts.map((p) => p.summary.shard?.index ?? 1));
  const missingShards: number[] = [];
  if (parts.every((p) => p.summary.shard !== null) && counts.size === 1) {
    for (let i = 1; i <= shardCount; i++) if (!have.has(i)) missingShards.push(i);
  }
  const entries = [...byId.values()].map((v) => v.entry).sort((a, b) => a.index - b.index);
  const states = parts.map((p) => p.summary.state);
  const createdAt = parts.map((p) => p.summary.createdAt).sort()[0]!;
  makeFlagDir('--out', outFlag, out);
  const merged = refresh({
    format: SUMMARY_FORMAT,
    name: first.name,
    suiteFile: first.suiteFile,
    state: states.every((s) => s === 'finished') ? 'finished' : states.includes('interrupted') ? 'interrupted' : 'running',
    shard: null,
    merged: { from: parts.map((p) => relative(out, p.dir) || '.'), missingShards },
    suiteEntries: first.suiteEntries,
    createdAt,
    updatedAt: createdAt,
    counts: { total: 0, pending: 0, running: 0, passed: 0, failed: 0, error: 0 },
    ok: false,
    entries,
  });
  writeSuiteFiles(out, merged);
  return merged;
}
