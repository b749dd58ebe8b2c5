/**
 * Running one `faultline run` as a child process and reading what it left: the part shared by
 * `faultline suite` and `faultline compare`.
 *
 * Each run is its own process (child.ts, which is the CLI plus a watch on its stdin), writing into a
 * run folder chosen by the caller (`--run-dir`). Isolation is the point: a run that crashes, hangs
 * or is killed cannot take the others with it, and the results of finished runs stay on disk. The
 * verdict is read back from the run folder's results.json (docs/formats.md), never from the child's
 * output. Every run has a wall-clock limit past which it is stopped (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from '../report/index.js';
import { runArgv, shellQuote } from '../run/config.js';
import { runResultsSchema, type RunResults } from '../run/results.js';

export type { RunResults };

/** The options of one run, as `faultline run` flags. */
export interface RunSpec extends RunTuning {
  system: string;
  variant?: string;
  workload?: string;
  /** Fault names; empty for none. */
  nemesis: string[];
  seed: number;
  timeLimitS: number;
  /** The workload's own options (run's `workloadOptions`). */
  workloadOptions?: Record<string, unknown>;
  /** Further flags, passed as they are. */
  args?: string[];
}

/** Run options that keep `faultline run`'s defaults when left out. */
export interface RunTuning {
  nodes?: number;
  concurrency?: number;
  rateOpsPerSec?: number;
  nemesisIntervalS?: number;
  opTimeoutMs?: number;
  /** The verdict's thresholds (README, "Verdicts"). */
  minOkPerF?: number;
  minObservedReads?: number;
  minEffectiveFaults?: number;
}

/** The run options set in `o`, and only those (a spec must not carry `undefined` fields). */
export function pickTuning(o: RunTuning): RunTuning {
  const t: RunTuning = {};
  if (o.nodes !== undefined) t.nodes = o.nodes;
  if (o.concurrency !== undefined) t.concurrency = o.concurrency;
  if (o.rateOpsPerSec !== undefined) t.rateOpsPerSec = o.rateOpsPerSec;
  if (o.nemesisIntervalS !== undefined) t.nemesisIntervalS = o.nemesisIntervalS;
  if (o.opTimeoutMs !== undefined) t.opTimeoutMs = o.opTimeoutMs;
  if (o.minOkPerF !== undefined) t.minOkPerF = o.minOkPerF;
  if (o.minObservedReads !== undefined) t.minObservedReads = o.minObservedReads;
  if (o.minEffectiveFaults !== undefined) t.minEffectiveFaults = o.minEffectiveFaults;
  return t;
}

/** What became of one run. */
export interface RunOutcome {
  /** The child's exit code; null when it ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the child, if any. */
  signal: string | null;
  /** True when the run passed its wall-clock limit and was stopped. */
  timedOut: boolean;
  /** True when the caller stopped the run (the suite was interrupted). */
  interrupted: boolean;
  durationMs: number;
  /** results.json, when the run wrote a readable one. */
  results: RunResults | null;
  /** Why results.json could not be read, when it could not. */
  resultsError: string | null;
  /** The last lines of the child's stderr, to explain a crash. */
  stderrTail: string;
  /** The command line that repeats this run. */
  command: string;
}

/** How much of a run's stderr is kept in memory for the outcome; the whole of it goes to the log file. */
const STDERR_TAIL_BYTES = 4000;
/** Time between SIGTERM and SIGKILL when a run is stopped. */
const KILL_GRACE_MS = 10_000;

/** The built child entry point (dist/harness/suite/child.js). */
export function childScript(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'child.js');
}

/** A run in progress: its pid, a way to stop it, and its outcome. */
export interface RunningRun {
  pid: number | undefined;
  /** Stops the run (SIGTERM, then SIGKILL after a grace period); the outcome is marked interrupted. */
  stop(): void;
  outcome: Promise<RunOutcome>;
}

/**
 * Starts `faultline run` for a spec in its own process, writing into `runDir`; its stdout and stderr
 * go to `logFile`. The outcome resolves when the child has exited, never rejects.
 */
export function startRun(opts: { spec: RunSpec; runDir: string; logFile: string; timeoutMs: number; cwd?: string }): RunningRun {
  const { spec, ...rest } = opts;
  return startRunArgs({ ...rest, args: ['run', ...runArgv({ ...spec, runDir: resolve(opts.runDir) })] });
}

/**
 * Starts a child run with its own arguments (`args`, from the sub-command on, which must write
 * into `runDir`): as `startRun`, for runs a RunSpec does not describe (a `run --schedule` replay).
 */
export function startRunArgs(opts: { args: readonly string[]; runDir: string; logFile: string; timeoutMs: number; cwd?: string }): RunningRun {
  const runDir = resolve(opts.runDir);
  mkdirSync(dirname(runDir), { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const args = [...opts.args];
  const command = ['faultline', ...args].map(shellQuote).join(' ');
  const log = openSync(opts.logFile, 'a');
  writeSync(log, `$ ${command}\n`);
  const started = Date.now();
  let child: ChildProcess;
  let stderrTail = '';
  let timedOut = false;
  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;

  const terminate = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  };

  child = spawn(process.execPath, [childScript(), ...args], {
    cwd: opts.cwd ?? process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  child.stdout!.on('data', (b: Buffer) => writeSync(log, b));
  child.stderr!.on('data', (b: Buffer) => {
    writeSync(log, b);
    stderrTail = (stderrTail + b.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  // A child that cannot read its stdin pipe any more sees the suite as gone; keep errors quiet here.
  child.stdin!.on('error', () => {});
  const deadline = setTimeout(() => {
    timedOut = true;
    terminate();
  }, opts.timeoutMs);

  const outcome = new Promise<RunOutcome>((resolveOutcome) => {
    let spawnError: Error | null = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      ensureReport(runDir, log);
      closeSync(log);
      const { results, error } = readResults(runDir);
      resolveOutcome({
        exitCode: code,
        signal: signal ?? null,
        timedOut,
        interrupted,
        durationMs: Date.now() - started,
        results,
        resultsError: spawnError ? `could not start: ${spawnError.message}` : error,
        stderrTail: stderrTail.trim(),
        command,
      });
    });
  });

  return {
    pid: child.pid,
    stop: () => {
      interrupted = true;
      terminate();
    },
    outcome,
  };
}

/** What `runPool` needs from its caller. */
export interface PoolJobs {
  /** How many jobs there are; they start in order 0, 1, 2... */
  count: number;
  /** Jobs run at once (at least 1). */
  parallel: number;
  /** Starts job `i` as a child run. */
  start(i: number): RunningRun;
  /** Job `i` ended (stopped ones too: see `outcome.interrupted`). */
  finished(i: number, outcome: RunOutcome): void;
  /** Called once on the first SIGINT or SIGTERM, before the running jobs are stopped. */
  interrupted?(signal: NodeJS.Signals, running: number): void;
  /** No further job starts once this says true (the caller stops the running ones itself). */
  stopped?(): boolean;
}

/**
 * Runs child runs, at most `parallel` at once: the loop shared by `faultline suite` and
 * `faultline compare`. SIGINT or SIGTERM stops the running ones (each heals and stops its nodes)
 * and starts no more. Resolves, once every started run has ended, to whether it was interrupted.
 */
export async function runPool(jobs: PoolJobs): Promise<boolean> {
  const running = new Set<RunningRun>();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    jobs.interrupted?.(sig, running.size);
    for (const r of running) r.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let next = 0;
  const slot = async () => {
    while (!interrupted && next < jobs.count && jobs.stopped?.() !== true) {
      const i = next++;
      const run = jobs.start(i);
      running.add(run);
      const outcome = await run.outcome;
      running.delete(run);
      jobs.finished(i, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs.parallel, jobs.count)) }, slot));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return interrupted;
}

/**
 * Writes the run's report.html when the run left a history but no report (it was killed, or
 * crashed before the end), so every link of the suite's index and the compare page leads somewhere.
 * A report that cannot be written is noted in the run's log and does not fail the entry.
 */
function ensureReport(runDir: string, log: number): void {
  if (existsSync(join(runDir, 'report.html')) || !existsSync(join(runDir, 'history.jsonl'))) return;
  try {
    writeReport(runDir);
  } catch (err) {
    writeSync(log, `faultline: could not write ${join(runDir, 'report.html')}: ${(err as Error).message}\n`);
  }
}

/** Reads and validates `<runDir>/results.json`. */
export function readResults(runDir: string): { results: RunResults | null; error: string | null } {
  const path = join(runDir, 'results.json');
  if (!existsSync(path)) return { results: null, error: `${path} was not written` };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { results: null, error: `${path}: not valid JSON: ${(err as Error).message}` };
  }
  const r = runResultsSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { results: null, error: `${path}: ${issue.path.join('.') || '(top level)'}: ${issue.message}` };
  }
  return { results: r.data, error: null };
}

/**
 * One sentence naming what the checkers found, for JUnit failure messages and the index: each
 * failing checker with its own explanation (or anomaly types), and the first anomalous op.
 */
export function describeAnomaly(results: RunResults): string {
  const summary = typeof results.firstAnomaly?.summary === 'string' ? results.firstAnomaly.summary : null;
  const parts: string[] = [];
  for (const [name, c] of Object.entries(results.checkers)) {
    if (c.valid === true) continue;
    const verdict = c.valid === false ? 'not valid' : 'unknown';
    // With the first anomaly's own sentence at hand, the checker's first line (its verdict) is enough.
    const why = checkerExplanation(c, summary ? 1 : 3).replace(/\.$/, '');
    parts.push(`${name} ${verdict}${why ? `: ${why}` : ''}`);
  }
  if (results.firstAnomaly) {
    const t = results.firstAnomaly.timeNs;
    const at = `first anomaly at history index ${results.firstAnomaly.index}${t === null ? '' : ` (${(t / 1e9).toFixed(3)} s)`}`;
    parts.push(summary ? `${at}: ${summary.length > 500 ? `${summary.slice(0, 497)}...` : summary}` : at);
  }
  // A run that could not have shown an anomaly says why, as its checkers found nothing to say.
  if (results.valid === 'unknown' && typeof results.unknownReason === 'string') parts.push(`unknown: ${results.unknownReason}`);
  if (parts.length === 0) return results.valid === true ? 'valid' : `verdict ${String(results.valid)}`;
  return parts.join('; ');
}

function checkerExplanation(c: Record<string, unknown>, lineCount: number): string {
  const limit = (t: string) => (t.length > 500 ? `${t.slice(0, 497)}...` : t);
  if (typeof c.explanation === 'string' && c.explanation) {
    // The first lines of a checker's explanation state the anomaly (the verdict, then the op or
    // cycle); the rest is the witness, which stays in the report and in `checkerDetails`.
    const lines = c.explanation.split('\n').map((l) => l.trim()).filter(Boolean);
    return limit(lines.slice(0, lineCount).join(' '));
  }
  for (const k of ['anomalyTypes', 'anomaly-types', 'anomalies']) {
    const v = c[k];
    if (Array.isArray(v) && v.length > 0) return limit(`anomalies ${v.map(String).join(', ')}`);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length > 0) return limit(`anomalies ${keys.join(', ')}`);
    }
  }
  if (typeof c.error === 'string') return limit(c.error);
  return '';
}

/** Longest text kept of the checkers' full explanations in a suite summary. */
const DETAILS_CHARS_MAX = 8000;

/** The full explanations of the checkers that did not find the history valid, for JUnit failure bodies. */
export function checkerDetails(results: RunResults): string | null {
  const parts: string[] = [];
  for (const [name, c] of Object.entries(results.checkers)) {
    if (c.valid === true) continue;
    if (typeof c.explanation === 'string' && c.explanation) parts.push(`${name}:\n${c.explanation}`);
  }
  if (parts.length === 0) return null;
  const text = parts.join('\n\n');
  return text.length > DETAILS_CHARS_MAX ? `${text.slice(0, DETAILS_CHARS_MAX - 3)}...` : text;
}
