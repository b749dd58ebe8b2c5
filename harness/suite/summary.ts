/**
 * The suite summary (`summary.json`): the one file from which the JUnit report, the index page and
 * the merge of shards are all built.
 *
 * It is written at the start of a suite (every entry `pending`) and rewritten after each entry
 * finishes (atomically: a temporary file renamed over the old one), so a suite killed at any moment
 * leaves a summary whose `pending` and `running` entries are exactly the ones that did not finish.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../cli/exit.js';
import { writeJson } from '../run/folder.js';
import { parseJsonWithSchema } from '../source-text.js';
import type { Expectation, SuiteEntry } from './spec.js';
import { checkerDetails, describeAnomaly, type RunOutcome } from './entry.js';

/** Format tag of summary.json; bumped when a field changes meaning. */
export const SUMMARY_FORMAT = 'faultline-suite/1';

/**
 * Where an entry stands:
 * - `pending`: not started; `running`: started, not finished (when read after a kill: did not finish);
 * - `passed`: finished and met its expectation; `failed`: finished with a verdict against it;
 * - `error`: no verdict (crash, bad arguments, timeout, stopped).
 */
export type EntryStatus = 'pending' | 'running' | 'passed' | 'failed' | 'error';

/** One entry of the summary. */
export interface EntryResult {
  id: string;
  index: number;
  system: string;
  variant: string;
  workload: string;
  nemesis: string[];
  seed: number;
  timeLimitS: number;
  expect: Expectation;
  status: EntryStatus;
  /** The run folder, relative to the suite folder. */
  runDir: string;
  /** The verdict of the run, when it reached one. */
  valid: boolean | 'unknown' | null;
  exitCode: number | null;
  /** One sentence: the anomaly the checkers named, or why there is no verdict. */
  message: string | null;
  /** The checkers' full explanations when the verdict was not valid (bounded), else null. */
  details?: string | null;
  firstAnomaly: { index: number; timeNs: number | null } | null;
  durationMs: number | null;
  startedAt: string | null;
  /** The command that repeats this entry's run. */
  command: string | null;
  /** The process id of the run while it is running (to find a run a killed suite left behind). */
  pid: number | null;
}

/** The whole summary.json. */
export interface SuiteSummary {
  format: typeof SUMMARY_FORMAT;
  name: string;
  /** The suite file as given. */
  suiteFile: string;
  /** `running` while the suite runs (and forever, when it was killed), `finished`, or `interrupted` (SIGINT/SIGTERM). */
  state: 'running' | 'finished' | 'interrupted';
  /** The shard this folder holds, `{ index: 1, count: 3 }`, or null for a whole suite. */
  shard: { index: number; count: number } | null;
  /** For a merged summary: the shards merged, and the shards of the suite not found among them. */
  merged?: { from: string[]; missingShards: number[] };
  /** Number of entries of the whole suite (before sharding). */
  suiteEntries: number;
  createdAt: string;
  updatedAt: string;
  counts: Record<EntryStatus, number> & { total: number };
  /** True when every entry finished and met its expectation. */
  ok: boolean;
  entries: EntryResult[];
}

/** A fresh entry result for an entry about to run. */
export function pendingResult(e: SuiteEntry, runDir: string): EntryResult {
  return {
    id: e.id,
    index: e.index,
    system: e.systemName,
    variant: e.variant,
    workload: e.workload,
    nemesis: e.nemesis,
    seed: e.seed,
    timeLimitS: e.timeLimitS,
    expect: e.expect,
    status: 'pending',
    runDir,
    valid: null,
    exitCode: null,
    message: null,
    details: null,
    firstAnomaly: null,
    durationMs: null,
    startedAt: null,
    command: null,
    pid: null,
  };
}

/** Whether a verdict meets an expectation. */
export function meets(expect: Expectation, valid: boolean | 'unknown'): boolean {
  if (expect === 'any') return true;
  if (expect === 'valid') return valid === true;
  return valid === false;
}

/** Folds a finished run into its entry result. */
export function settle(r: EntryResult, o: RunOutcome): EntryResult {
  const out: EntryResult = { ...r, exitCode: o.exitCode, durationMs: o.durationMs, command: o.command, pid: null };
  const results = o.results;
  // A verdict counts only when the run ended by itself with a verdict exit code; a results.json
  // left by a run that then crashed or was stopped is not trusted.
  const verdictExit = o.exitCode === 0 || o.exitCode === 1 || o.exitCode === 2;
  if (o.timedOut) {
    return { ...out, status: 'error', message: `stopped after ${Math.round(o.durationMs / 1000)} s, past the entry's time limit` };
  }
  if (o.interrupted) {
    return { ...out, status: 'error', message: 'stopped: the suite was interrupted' };
  }
  if (!verdictExit || !results) {
    const why = o.signal ? `ended by ${o.signal}` : `exit code ${String(o.exitCode)}`;
    const detail = lastLine(o.stderrTail) ?? o.resultsError ?? '';
    return { ...out, status: 'error', message: `no verdict (${why})${detail ? `: ${detail}` : ''}` };
  }
  out.valid = results.valid;
  out.firstAnomaly = results.firstAnomaly ? { index: results.firstAnomaly.index, timeNs: results.firstAnomaly.timeNs } : null;
  const met = meets(r.expect, results.valid);
  out.status = met ? 'passed' : 'failed';
  if (results.valid === true) {
    out.message = met ? 'valid' : 'valid, but an anomaly was expected: the fault did not expose the broken variant';
  } else {
    out.message = describeAnomaly(results);
    out.details = checkerDetails(results);
  }
  return out;
}

function lastLine(s: string): string | null {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  const l = lines[lines.length - 1];
  return l ? (l.length > 500 ? `${l.slice(0, 497)}...` : l) : null;
}

/** Counts entries by status. */
export function countEntries(entries: EntryResult[]): SuiteSummary['counts'] {
  const counts = { total: entries.length, pending: 0, running: 0, passed: 0, failed: 0, error: 0 };
  for (const e of entries) counts[e.status]++;
  return counts;
}

/** Recomputes the derived fields (counts, ok, updatedAt) of a summary. */
export function refresh(s: SuiteSummary): SuiteSummary {
  const counts = countEntries(s.entries);
  const complete = !s.merged || s.merged.missingShards.length === 0;
  return { ...s, counts, ok: complete && counts.total > 0 && counts.passed === counts.total, updatedAt: new Date().toISOString() };
}

/** Writes summary.json atomically into `dir`. */
export function writeSummary(dir: string, s: SuiteSummary): void {
  writeJson(join(dir, 'summary.json'), s);
}

const entrySchema = z
  .object({
    id: z.string(),
    index: z.number().int(),
    system: z.string(),
    variant: z.string(),
    workload: z.string(),
    nemesis: z.array(z.string()),
    seed: z.number(),
    timeLimitS: z.number(),
    expect: z.enum(['valid', 'invalid', 'any']),
    status: z.enum(['pending', 'running', 'passed', 'failed', 'error']),
    runDir: z.string(),
    valid: z.union([z.boolean(), z.literal('unknown')]).nullable(),
    exitCode: z.number().nullable(),
    message: z.string().nullable(),
    details: z.string().nullable().optional(),
    firstAnomaly: z.object({ index: z.number(), timeNs: z.number().nullable() }).nullable(),
    durationMs: z.number().nullable(),
    startedAt: z.string().nullable(),
    command: z.string().nullable(),
    pid: z.number().nullable(),
  })
  .passthrough();

const summarySchema = z
  .object({
    format: z.literal(SUMMARY_FORMAT),
    name: z.string(),
    suiteFile: z.string(),
    state: z.enum(['running', 'finished', 'interrupted']),
    shard: z.object({ index: z.number().int(), count: z.number().int() }).nullable(),
    merged: z.object({ from: z.array(z.string()), missingShards: z.array(z.number()) }).optional(),
    suiteEntries: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    counts: z.record(z.number()),
    ok: z.boolean(),
    entries: z.array(entrySchema),
  })
  .passthrough();

/** Reads and validates `<dir>/summary.json`; a missing or malformed file is a `UsageError`. */
export function readSummary(dir: string): SuiteSummary {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) throw new UsageError(`${path}: not found (is ${dir} a suite results folder?)`);
  return parseJsonWithSchema(readFileSync(path, 'utf8'), path, summarySchema) as unknown as SuiteSummary;
}
