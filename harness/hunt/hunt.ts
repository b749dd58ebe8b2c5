/**
 * `faultline hunt`: short seeded runs of one system and variant, back to back, until the first
 * anomaly or the end of a time budget; then the failing run's schedule is shrunk.
 *
 *   1. search: runs of `timeLimitS`, `parallel` at a time, each with its own seed (derived from the
 *      hunt's) and fault mix (mix.ts), until one is invalid or the budget is spent; the others
 *      then running are stopped. The time to catch is from the hunt's start to the end of that run.
 *   2. shrink: the failing run's schedule.json is replayed (`run --schedule`) with fewer faults and
 *      a shorter time limit (shrink.ts: ddmin over its faults, each candidate's limit cut to just
 *      after its last fault event and the anomaly), each candidate up to `tries` times, since a
 *      replay does not reproduce the interleaving; the smallest schedule that still failed is
 *      printed with its repro command and report.
 *
 * Every run is a child process (suite/entry.ts: `startRun`, `runPool`), in its own folder
 * `<out>/attempt-NNN/` with its log beside it (`attempt-NNN.log`); a candidate's schedule file
 * is `<out>/candidate-NNN.json` (the schedule names the workload, so a replay needs no flag). hunt.json in `<out>` is rewritten after every run: attempts,
 * seeds, verdicts, times and shrink steps. SIGINT or SIGTERM stops the running children (each
 * heals and stops its nodes); a hunt killed outright leaves none either, as each child ends its
 * run when its stdin pipe from the hunt closes.
 */
import { join } from 'node:path';
import type { SystemManifest } from '../cluster/manifest.js';
import { writeJson } from '../run/folder.js';
import { defaultEntryTimeoutS } from '../suite/spec.js';
import { displayPath } from '../suite/run-suite.js';
import { describeAnomaly, runPool, startRun, startRunArgs, type RunOutcome, type RunningRun } from '../suite/entry.js';
import { deriveSeed } from '../random.js';
import { DEFAULT_FAULT_KINDS, describeFault, usableFaults } from '../nemesis/schedule.js';
import { readSchedule, replaySteps, scheduledFaults, type ScheduleFile } from '../nemesis/replay.js';
import { shellQuote } from '../run/config.js';
import { describeMix, drawMix, type FaultMix } from './mix.js';
import { cutTimeLimitS, shrinkIndexes } from './shrink.js';

/** The most runs one search starts (a bound, far above what a budget of hours runs). */
const SEARCH_RUNS_MAX = 100_000;
/** The most candidates one shrink tries. */
const CANDIDATES_MAX = 200;

/** What a hunt is asked to do. */
export interface HuntOptions {
  /** The system as the user named it (a name, or a manifest path), for child runs and repro lines. */
  systemArg: string;
  manifest: SystemManifest;
  variant: string;
  /** The workload, when not the manifest's default. */
  workload?: string;
  nodes: number;
  seed: number;
  /** Seconds of each run's main phase. */
  timeLimitS: number;
  budgetMs: number;
  parallel: number;
  tries: number;
  /** False: stop at the first anomaly. */
  shrink: boolean;
  shrinkBudgetMs: number;
  /** The hunt's folder (created by the caller, empty). */
  outDir: string;
  log(line: string): void;
}

/** How one run ended, in a word. */
export type AttemptVerdict = 'valid' | 'invalid' | 'unknown' | 'error' | 'stopped';

/** One run of a hunt, as hunt.json keeps it. */
export interface HuntAttempt {
  attempt: number;
  phase: 'search' | 'shrink';
  dir: string;
  seed: number;
  /** The fault mix of a search run. */
  mix?: string;
  /** The candidate a shrink run tried. */
  candidate?: number;
  command: string;
  verdict: AttemptVerdict;
  exitCode: number | null;
  durationMs: number;
  /** Seconds from the run's start to its first anomalous op. */
  firstAnomalyS: number | null;
  /** Faults the run started. */
  faults: number | null;
  /** One sentence of what the checkers found, or why the run has no verdict. */
  note?: string;
}

/** A schedule's size: its faults and the seconds of its run. */
export interface ScheduleSize {
  faults: number;
  seconds: number;
  attempt: number;
  dir: string;
}

/** One candidate of the shrink. */
export interface ShrinkRecord {
  candidate: number;
  file: string;
  /** The original schedule's faults it keeps (by their order of start). */
  kept: number[];
  timeLimitS: number;
  failed: boolean | null;
  attempts: number[];
}

/** hunt.json. */
export interface HuntRecord {
  format: 'faultline-hunt/1';
  system: string;
  variant: string;
  workload: string | null;
  nodes: number;
  seed: number;
  timeLimitS: number;
  budgetS: number;
  parallel: number;
  tries: number;
  startedAt: string;
  outcome: 'running' | 'found' | 'nothing-found' | 'interrupted';
  /** Seconds from the hunt's start to the end of the run that found the anomaly. */
  caughtAfterS: number | null;
  found: { attempt: number; seed: number; mix: string; firstAnomalyS: number | null; anomaly: string } | null;
  shrink: {
    original: ScheduleSize;
    shrunk: ScheduleSize;
    /** False when the shrink budget ran out (or the hunt was stopped) before ddmin was done. */
    complete: boolean;
    /** Why the schedule could not be shrunk at all, when it could not. */
    skipped?: string;
    candidates: ShrinkRecord[];
  } | null;
  /** The command that replays the smallest failing schedule (or the failing run, unshrunk). */
  repro: string | null;
  report: string | null;
  attempts: HuntAttempt[];
}

/** What `hunt` hands back to the CLI. */
export interface HuntResult {
  record: HuntRecord;
  /** The signal that stopped the hunt, if one did. */
  signal: NodeJS.Signals | null;
  lines: string[];
}

const pad = (n: number) => String(n).padStart(3, '0');
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** A run with results.json of its own end is taken at its word, even when it was stopped as it ended. */
function verdictOf(o: RunOutcome): AttemptVerdict {
  if (o.results === null || o.results.error !== undefined) return o.interrupted ? 'stopped' : 'error';
  return o.results.valid === true ? 'valid' : o.results.valid === false ? 'invalid' : 'unknown';
}

/** Runs a hunt to its end; never throws for what a run does. */
export async function hunt(opts: HuntOptions): Promise<HuntResult> {
  const startedMs = Date.now();
  const usable = usableFaults(DEFAULT_FAULT_KINDS, opts.nodes, opts.manifest.messageTypes ?? [], opts.manifest);
  const timeoutMs = defaultEntryTimeoutS(opts.timeLimitS) * 1000;
  const record: HuntRecord = {
    format: 'faultline-hunt/1',
    system: opts.manifest.name,
    variant: opts.variant,
    workload: opts.workload ?? null,
    nodes: opts.nodes,
    seed: opts.seed,
    timeLimitS: opts.timeLimitS,
    budgetS: opts.budgetMs / 1000,
    parallel: opts.parallel,
    tries: opts.tries,
    startedAt: new Date(startedMs).toISOString(),
    outcome: 'running',
    caughtAfterS: null,
    found: null,
    shrink: null,
    repro: null,
    report: null,
    attempts: [],
  };
  const save = () => writeJson(join(opts.outDir, 'hunt.json'), record);
  save();

  // The hunt's own watch on signals: the pools stop their runs, and this one ends the hunt.
  const running = new Set<RunningRun>();
  let signal: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signal !== null) return;
    signal = sig;
    opts.log(`faultline: hunt interrupted by ${sig}; stopping ${running.size} run(s)`);
    for (const r of running) r.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let attemptCount = 0;
  /** Starts one child run in the next attempt folder, recording it when it ends. */
  const launch = (meta: Omit<HuntAttempt, 'attempt' | 'dir' | 'command' | 'verdict' | 'exitCode' | 'durationMs' | 'firstAnomalyS' | 'faults'>, start: (dir: string) => RunningRun, ended: (a: HuntAttempt, o: RunOutcome) => void): RunningRun => {
    const attempt = ++attemptCount;
    const dir = join(opts.outDir, `attempt-${pad(attempt)}`);
    const run = start(dir);
    running.add(run);
    void run.outcome.then((o) => {
      running.delete(run);
      const verdict = verdictOf(o);
      const a: HuntAttempt = {
        attempt,
        ...meta,
        dir,
        command: o.command,
        verdict,
        exitCode: o.exitCode,
        durationMs: o.durationMs,
        firstAnomalyS: o.results?.firstAnomaly?.timeNs != null ? seconds(o.results.firstAnomaly.timeNs / 1e6) : null,
        faults: o.results ? o.results.faults.length : null,
      };
      if (verdict === 'invalid' || verdict === 'unknown') a.note = describeAnomaly(o.results!);
      else if (verdict === 'error') a.note = o.results?.error ?? o.resultsError ?? o.stderrTail.split('\n').slice(-1)[0] ?? 'no results';
      record.attempts.push(a);
      record.attempts.sort((x, y) => x.attempt - y.attempt);
      save();
      ended(a, o);
    });
    return run;
  };

  try {
    // 1. Search.
    let found: { attempt: HuntAttempt; results: NonNullable<RunOutcome['results']>; mix: FaultMix } | null = null;
    let expired = false;
    const budgetTimer = setTimeout(() => {
      expired = true;
      for (const r of running) r.stop();
    }, opts.budgetMs);
    opts.log(`faultline: hunting ${opts.manifest.name} (${opts.variant}) for ${seconds(opts.budgetMs)} s, runs of ${opts.timeLimitS} s, ${opts.parallel} at a time, seed ${opts.seed}, in ${displayPath(opts.outDir)}`);
    await runPool({
      count: SEARCH_RUNS_MAX,
      parallel: opts.parallel,
      stopped: () => found !== null || expired || signal !== null,
      finished: () => {},
      start: (i) => {
        const mix = drawMix(opts.seed, i, usable);
        const seed = deriveSeed(opts.seed, `run-${i}`);
        let done: (o: RunOutcome) => void = () => {};
        const outcome = new Promise<RunOutcome>((r) => (done = r));
        const run = launch(
          { phase: 'search', seed, mix: describeMix(mix) },
          (dir) =>
            startRun({
              spec: { system: opts.systemArg, variant: opts.variant, ...(opts.workload !== undefined ? { workload: opts.workload } : {}), nodes: opts.nodes, seed, timeLimitS: opts.timeLimitS, ...mix },
              runDir: dir,
              logFile: `${dir}.log`,
              timeoutMs,
            }),
          (a, o) => {
            opts.log(`  attempt ${pad(a.attempt)}  seed ${seed}  ${describeMix(mix)}: ${a.verdict}${a.firstAnomalyS !== null && a.verdict === 'invalid' ? ` (first anomaly at ${a.firstAnomalyS} s)` : ''}`);
            if (a.verdict === 'invalid' && found === null && !expired && signal === null) {
              found = { attempt: a, results: o.results!, mix };
              record.caughtAfterS = seconds(Date.now() - startedMs);
              for (const r of running) r.stop();
            }
            done(o);
          },
        );
        // The pool waits for the outcome once the attempt is recorded, so that `stopped` sees it.
        return { ...run, outcome };
      },
    });
    clearTimeout(budgetTimer);
    if (signal !== null) return finish('interrupted');
    if (found === null) {
      record.outcome = 'nothing-found';
      const ran = record.attempts.filter((a) => a.verdict !== 'stopped');
      const lines = [`no anomaly found in ${ran.length} runs of ${opts.timeLimitS} s within the budget of ${seconds(opts.budgetMs)} s (${countBy(ran)})`, `hunt: ${displayPath(join(opts.outDir, 'hunt.json'))}`];
      return finish('nothing-found', lines);
    }
    const f = found as { attempt: HuntAttempt; results: NonNullable<RunOutcome['results']>; mix: FaultMix };
    record.found = { attempt: f.attempt.attempt, seed: f.attempt.seed, mix: describeMix(f.mix), firstAnomalyS: f.attempt.firstAnomalyS, anomaly: describeAnomaly(f.results) };
    record.outcome = 'found';
    const lines = [
      `caught after ${record.caughtAfterS} s (attempt ${f.attempt.attempt} of ${attemptCount}, seed ${f.attempt.seed}, faults ${describeMix(f.mix)}): ${record.found.anomaly}`,
    ];
    record.repro = `faultline run --schedule ${shellQuote(displayPath(f.attempt.dir))}`;
    record.report = join(f.attempt.dir, 'report.html');
    save();
    if (opts.shrink) {
      await shrinkFound(f.attempt, f.results);
      if (signal !== null) return finish('interrupted');
      const s = record.shrink!;
      if (s.skipped) lines.push(`not shrunk: ${s.skipped}`);
      else {
        const runs = s.candidates.reduce((n, c) => n + c.attempts.length, 0);
        lines.push(`shrunk in ${s.candidates.length} candidates (${runs} runs, up to ${opts.tries} tries each${s.complete ? '' : '; the shrink budget ran out first'}): ${s.original.faults} faults, ${s.original.seconds} s -> ${s.shrunk.faults} faults, ${s.shrunk.seconds} s`);
        for (const line of keptFaultLines(s.shrunk.dir)) lines.push(`  ${line}`);
      }
    }
    lines.push(`repro: ${record.repro}`, `report: ${displayPath(record.report)}`, `hunt: ${displayPath(join(opts.outDir, 'hunt.json'))}`);
    return finish('found', lines);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  function finish(outcome: HuntRecord['outcome'], lines: string[] = []): HuntResult {
    record.outcome = signal !== null ? 'interrupted' : outcome;
    save();
    if (signal !== null) lines = [`hunt interrupted by ${signal} after ${record.attempts.length} runs; hunt: ${displayPath(join(opts.outDir, 'hunt.json'))}`];
    return { record, signal, lines };
  }

  /** 2. Shrink: ddmin over the failing run's faults, replayed. */
  async function shrinkFound(failing: HuntAttempt, results: NonNullable<RunOutcome['results']>): Promise<void> {
    let original: { path: string; schedule: ScheduleFile };
    try {
      original = readSchedule(failing.dir);
    } catch (err) {
      const size = { faults: failing.faults ?? 0, seconds: opts.timeLimitS, attempt: failing.attempt, dir: failing.dir };
      record.shrink = { original: size, shrunk: size, complete: false, skipped: (err as Error).message, candidates: [] };
      save();
      return;
    }
    const schedule = original.schedule;
    const steps = replaySteps(schedule);
    const faults = scheduledFaults(steps);
    const originalSize: ScheduleSize = { faults: faults.length, seconds: schedule.timeLimitS, attempt: failing.attempt, dir: failing.dir };
    record.shrink = { original: originalSize, shrunk: originalSize, complete: false, candidates: [] };
    save();
    let anomalyMs = results.firstAnomaly?.timeNs != null ? results.firstAnomaly.timeNs / 1e6 : null;
    const deadlineMs = Date.now() + opts.shrinkBudgetMs;
    opts.log(`faultline: shrinking ${faults.length} faults over ${schedule.timeLimitS} s, up to ${opts.tries} tries a candidate, for at most ${seconds(opts.shrinkBudgetMs)} s`);
    const result = await shrinkIndexes(
      faults.length,
      async (kept) => {
        if (signal !== null || Date.now() >= deadlineMs) return null;
        const candidate = record.shrink!.candidates.length + 1;
        const stepIndexes = kept.flatMap((k) => [faults[k]!.start, faults[k]!.stop].filter((i): i is number => i !== null)).sort((a, b) => a - b);
        const keptSteps = stepIndexes.map((i) => schedule.steps[i]!);
        const lastEventMs = keptSteps.length ? keptSteps[keptSteps.length - 1]!.atMs : 0;
        const timeLimitS = cutTimeLimitS(lastEventMs, anomalyMs, schedule.timeLimitS);
        const file = join(opts.outDir, `candidate-${pad(candidate)}.json`);
        writeJson(file, { ...schedule, timeLimitS, replayOf: null, steps: keptSteps });
        const rec: ShrinkRecord = { candidate, file, kept: [...kept], timeLimitS, failed: null, attempts: [] };
        record.shrink!.candidates.push(rec);
        save();
        let failedRun: { attempt: HuntAttempt; results: NonNullable<RunOutcome['results']> } | null = null;
        const pending = new Set<RunningRun>();
        const timer = setTimeout(() => {
          for (const r of pending) r.stop();
        }, Math.max(0, deadlineMs - Date.now()));
        await runPool({
          count: opts.tries,
          parallel: opts.parallel,
          stopped: () => failedRun !== null || signal !== null || Date.now() >= deadlineMs,
          finished: () => {},
          start: (t) => {
            let done: (o: RunOutcome) => void = () => {};
            const outcome = new Promise<RunOutcome>((r) => (done = r));
            const run = launch(
              { phase: 'shrink', seed: schedule.seed, candidate },
              (dir) => startRunArgs({ args: ['run', '--schedule', file, '--run-dir', dir], runDir: dir, logFile: `${dir}.log`, timeoutMs }),
              (a, o) => {
                rec.attempts.push(a.attempt);
                opts.log(`  candidate ${pad(candidate)} (${kept.length} faults, ${timeLimitS} s), try ${t + 1}: ${a.verdict}`);
                if (a.verdict === 'invalid' && failedRun === null) {
                  failedRun = { attempt: a, results: o.results! };
                  for (const r of pending) if (r !== run) r.stop();
                }
                pending.delete(run);
                done(o);
              },
            );
            pending.add(run);
            return { ...run, outcome };
          },
        });
        clearTimeout(timer);
        // Set by the runs' callbacks, which the compiler's narrowing does not see.
        const fr = failedRun as { attempt: HuntAttempt; results: NonNullable<RunOutcome['results']> } | null;
        if (fr === null && (signal !== null || Date.now() >= deadlineMs) && rec.attempts.length < opts.tries) {
          save();
          return null;
        }
        rec.failed = fr !== null;
        if (fr !== null) {
          record.shrink!.shrunk = { faults: kept.length, seconds: timeLimitS, attempt: fr.attempt.attempt, dir: fr.attempt.dir };
          record.repro = `faultline run --schedule ${shellQuote(displayPath(fr.attempt.dir))}`;
          record.report = join(fr.attempt.dir, 'report.html');
          if (fr.results.firstAnomaly?.timeNs != null) anomalyMs = fr.results.firstAnomaly.timeNs / 1e6;
        }
        save();
        return rec.failed;
      },
      CANDIDATES_MAX,
    );
    record.shrink!.complete = result.complete;
    save();
  }
}

/** The faults of a run's schedule.json, one line each, for the closing lines. */
function keptFaultLines(dir: string): string[] {
  try {
    const { schedule } = readSchedule(dir);
    const steps = replaySteps(schedule);
    return scheduledFaults(steps).map((f) => {
      const start = steps[f.start]!;
      const stop = f.stop === null ? 'the heal' : `${seconds(steps[f.stop]!.atMs)} s`;
      return `${describeFault(start.spec)}: ${seconds(start.atMs)} s to ${stop}`;
    });
  } catch {
    return [];
  }
}

/** "3 valid, 1 unknown" of some attempts. */
function countBy(attempts: readonly HuntAttempt[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(a.verdict, (counts.get(a.verdict) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ') || 'none ran';
}
