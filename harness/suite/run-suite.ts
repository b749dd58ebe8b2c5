/**
 * Running a suite: the entries of one shard, one after another or `parallel` at a time, each as its
 * own `faultline run` process (entry.ts), into one folder:
 *
 * ```
 * results/suite-<time>/
 *   summary.json   every entry and where it stands (rewritten after each entry)
 *   junit.xml      one testcase per entry
 *   index.html     the entries, linking to each run's report
 *   runs/<NNN>-<entry>/       the run folder of each entry (docs/formats.md)
 *   runs/<NNN>-<entry>.log    what the run printed
 * ```
 *
 * SIGINT and SIGTERM stop the running entries, mark them as not finished and write the summary; a
 * SIGKILL leaves the summary of the last finished entry, whose `pending`/`running` entries are the
 * ones without a result (the runs themselves stop when their stdin closes, see child.ts).
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Suite, SuiteEntry } from './spec.js';
import { selectShard, type Shard } from './shard.js';
import { runPool, startRun } from './entry.js';
import { pendingResult, refresh, settle, writeSummary, SUMMARY_FORMAT, type EntryResult, type SuiteSummary } from './summary.js';
import { renderJunit } from './junit.js';
import { renderIndexHtml } from './html.js';
import { writeFileAtomic } from '../run/folder.js';

/** Largest number of entries run at once. */
export const PARALLEL_MAX = 32;

/** Options of one suite run. */
export interface SuiteRunOptions {
  suite: Suite;
  /** The folder to write (created). */
  outDir: string;
  shard: Shard | null;
  /** Entries run at once, 1..PARALLEL_MAX. */
  parallel: number;
  /** The suite file as the user named it, for the summary. */
  suiteFileArg: string;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

/** The UTC time as `YYYYMMDDTHHMMSSmmm`, the stamp run folders use. */
export function timeStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
}

/** A file-name-safe form of an entry id. */
export function slug(id: string): string {
  return id.replace(/[/#]/g, '-').replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 150);
}

/** The run folder of an entry, relative to the suite folder. */
export function entryRunDir(e: SuiteEntry): string {
  return `runs/${String(e.index + 1).padStart(3, '0')}-${slug(e.id)}`;
}

/** A path as the user most easily reads it: relative to the working folder when inside it. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
}

/**
 * Writes junit.xml, index.html and summary.json for a summary, each atomically. summary.json comes
 * last: a reader (or a suite killed at any moment) that sees a state in it finds the other two
 * files at that state or later, never earlier.
 */
export function writeSuiteFiles(dir: string, s: SuiteSummary): void {
  writeFileAtomic(join(dir, 'junit.xml'), renderJunit(s));
  writeFileAtomic(join(dir, 'index.html'), renderIndexHtml(s));
  writeSummary(dir, s);
}

/** Runs a suite (or one shard of it) and returns its final summary. */
export async function runSuite(opts: SuiteRunOptions): Promise<SuiteSummary> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const outDir = resolve(opts.outDir);
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const entries = selectShard(opts.suite.entries, opts.shard);
  const now = new Date().toISOString();
  let summary: SuiteSummary = refresh({
    format: SUMMARY_FORMAT,
    name: opts.suite.name,
    suiteFile: opts.suiteFileArg,
    state: 'running',
    shard: opts.shard,
    suiteEntries: opts.suite.entries.length,
    createdAt: now,
    updatedAt: now,
    counts: { total: 0, pending: 0, running: 0, passed: 0, failed: 0, error: 0 },
    ok: false,
    entries: entries.map((e) => pendingResult(e, entryRunDir(e))),
  });
  const save = () => {
    summary = refresh(summary);
    writeSuiteFiles(outDir, summary);
  };
  const update = (i: number, r: EntryResult) => {
    summary.entries[i] = r;
    save();
  };
  save();
  log(`faultline suite ${opts.suite.name}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count} of ${opts.suite.entries.length})` : ''}, writing ${displayPath(outDir)}`);

  let done = 0;
  const interrupted = await runPool({
    count: entries.length,
    parallel: Math.min(opts.parallel, PARALLEL_MAX),
    start: (i) => {
      const e = entries[i]!;
      const runDir = join(outDir, entryRunDir(e));
      const run = startRun({ spec: e, runDir, logFile: `${runDir}.log`, timeoutMs: e.entryTimeoutS * 1000 });
      update(i, { ...summary.entries[i]!, status: 'running', startedAt: new Date().toISOString(), pid: run.pid ?? null });
      return run;
    },
    finished: (i, outcome) => {
      const e = entries[i]!;
      let r = settle(summary.entries[i]!, outcome);
      if (outcome.interrupted) {
        // Stopped by the user: no result, and it says so.
        r = { ...r, status: 'running', message: 'did not finish: the suite was interrupted' };
      }
      update(i, r);
      done++;
      const secs = (outcome.durationMs / 1000).toFixed(1);
      const label = outcome.interrupted ? 'stopped' : r.status;
      log(`[${done}/${entries.length}] ${label.padEnd(7)} ${e.id} (expect ${e.expect}, ${secs} s)${r.status === 'passed' ? '' : `: ${r.message ?? ''}`}`);
    },
    interrupted: (sig, n) => log(`faultline suite: ${sig}: stopping ${n} running entr${n === 1 ? 'y' : 'ies'}`),
  });
  summary.state = interrupted ? 'interrupted' : 'finished';
  save();
  return summary;
}

/** The closing lines printed after a suite or a merge: counts, each unmet entry and how to repeat it. */
export function closingLines(s: SuiteSummary, dir: string): string[] {
  const c = s.counts;
  const lines = [
    `${s.ok ? 'PASS' : 'FAIL'}: ${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.pending + c.running} did not run, of ${c.total}`,
  ];
  for (const e of s.entries) {
    if (e.status === 'passed') continue;
    lines.push(`  ${e.status === 'pending' ? 'not run' : e.status === 'running' ? 'not finished' : e.status}: ${e.id}${e.message ? `: ${e.message}` : ''}`);
    if (e.status !== 'pending' && e.status !== 'running') lines.push(`    report: ${join(dir, e.runDir, 'report.html')}`);
    if (e.command) lines.push(`    repro:  ${e.command.replace(/ --run-dir \S+$/, '')}`);
  }
  if (s.merged && s.merged.missingShards.length > 0) lines.push(`  shards missing: ${s.merged.missingShards.join(', ')}`);
  lines.push(`summary: ${join(dir, 'summary.json')}  junit: ${join(dir, 'junit.xml')}  index: ${join(dir, 'index.html')}`);
  return lines;
}
