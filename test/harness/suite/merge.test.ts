/**
 * Merging shard folders: one summary, JUnit file and index, entries in suite order with links
 * rewritten relative to the merged folder; missing shards, duplicates and foreign suites detected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeSuites } from '../../../harness/suite/merge.js';
import { writeSuiteFiles, entryRunDir } from '../../../harness/suite/run-suite.js';
import { loadSuite } from '../../../harness/suite/spec.js';
import { selectShard } from '../../../harness/suite/shard.js';
import { pendingResult, readSummary, refresh, SUMMARY_FORMAT, type SuiteSummary } from '../../../harness/suite/summary.js';
import { parseXmlStrict } from '../../support/xml.js';
import { systemsDir, tempDir, write } from './helpers.js';

const systems = systemsDir();
const suiteFile = write(join(tempDir(), 'm.json'), JSON.stringify({ name: 'm', matrix: [{ system: 'kv', variant: 'all', seed: [1, 2, 3, 4, 5] }] }));
const suite = loadSuite(suiteFile, { systemsDir: systems });

/** Writes the folder a finished shard would leave, every entry passed except `failIds`. */
function shardDir(root: string, index: number, count: number, failIds: string[] = [], name = suite.name): string {
  const dir = join(root, `shard-${index}`);
  const entries = selectShard(suite.entries, { index, count }).map((e) => {
    const r = pendingResult(e, entryRunDir(e));
    const failed = failIds.includes(e.id);
    return { ...r, status: failed ? ('failed' as const) : ('passed' as const), valid: !failed, exitCode: failed ? 1 : 0, durationMs: 1000 };
  });
  const s: SuiteSummary = refresh({
    format: SUMMARY_FORMAT, name, suiteFile, state: 'finished', shard: { index, count }, suiteEntries: suite.entries.length,
    createdAt: `2026-11-24T05:0${index}:00.000Z`, updatedAt: '', ok: false,
    counts: { total: 0, pending: 0, running: 0, passed: 0, failed: 0, error: 0 }, entries,
  });
  write(join(dir, 'x'), '');
  writeSuiteFiles(dir, s);
  return dir;
}

describe('mergeSuites', () => {
  it('merges all shards into one summary in suite order, with relative links', () => {
    const root = tempDir();
    const dirs = [3, 1, 2].map((i) => shardDir(root, i, 3));
    const out = join(root, 'merged');
    const merged = mergeSuites(dirs, out);
    expect(merged.ok).toBe(true);
    expect(merged.counts).toMatchObject({ total: 10, passed: 10 });
    expect(merged.entries.map((e) => e.id)).toEqual(suite.entries.map((e) => e.id));
    expect(merged.entries[0]!.runDir).toBe(`../shard-1/${entryRunDir(suite.entries[0]!)}`);
    expect(merged.entries[1]!.runDir).toBe(`../shard-2/${entryRunDir(suite.entries[1]!)}`);
    expect(merged.merged).toEqual({ from: ['../shard-3', '../shard-1', '../shard-2'], missingShards: [] });
    expect(merged.createdAt).toBe('2026-11-24T05:01:00.000Z');
    // The three files are there and consistent.
    expect(readSummary(out).entries).toHaveLength(10);
    const junit = parseXmlStrict(readFileSync(join(out, 'junit.xml'), 'utf8'));
    expect(junit.children[0]!.children.filter((c) => c.name === 'testcase')).toHaveLength(10);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`href="../shard-1/${entryRunDir(suite.entries[0]!)}/report.html"`);
  });

  it('is not ok when an entry failed or a shard is missing', () => {
    const root = tempDir();
    const failing = suite.entries[4]!.id;
    const merged = mergeSuites([shardDir(root, 1, 3), shardDir(root, 2, 3, [failing]), shardDir(root, 3, 3)], join(root, 'out'));
    expect(merged.ok).toBe(false);
    expect(merged.counts.failed).toBe(1);
    const partial = mergeSuites([shardDir(tempDir(), 1, 3), shardDir(tempDir(), 3, 3)], join(root, 'out2'));
    expect(partial.ok).toBe(false);
    expect(partial.merged!.missingShards).toEqual([2]);
    expect(readFileSync(join(root, 'out2', 'index.html'), 'utf8')).toContain('Shards missing from this merge: 2.');
  });

  it('refuses duplicates, foreign suites and folders without a summary', () => {
    const root = tempDir();
    const one = shardDir(root, 1, 2);
    expect(() => mergeSuites([one, one], join(root, 'o'))).toThrow(/is in both .* merge each shard once/);
    const other = shardDir(tempDir(), 2, 2, [], 'other');
    expect(() => mergeSuites([one, other], join(root, 'o'))).toThrow(/suite "other" .* cannot be merged with suite "m"/);
    expect(() => mergeSuites([one, root], join(root, 'o'))).toThrow(/summary.json: not found/);
    expect(existsSync(join(root, 'o'))).toBe(false);
  });
});
