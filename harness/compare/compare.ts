/**
 * `faultline compare`: the same workload, faults and seeds against each variant of a system, side
 * by side. This is how the project shows what each pattern buys: the correct variant stays valid
 * while a variant without the pattern is caught, and the cost shows in throughput, latency and the
 * share of ops that succeed while faults are active.
 *
 * Each run is a `faultline run` child process (the suite's entry runner, harness/suite/entry.ts)
 * writing into `<out>/runs/<variant>-seed-<seed>/`. Runs are ordered seed by seed (every variant
 * with seed s, then s+1...), so a comparison stopped early still compares like with like.
 * `compare.json` is rewritten after each run; `compare.html` is rendered from it.
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pickTuning, runPool, startRun, type RunOutcome, type RunSpec, type RunTuning } from '../suite/entry.js';
import { defaultEntryTimeoutS } from '../suite/spec.js';
import { PARALLEL_MAX } from '../suite/run-suite.js';
import { renderCompareHtml, type CompareJson, type CompareRun, type CompareSummary } from '../report/compare.js';
import { writeFileAtomic } from '../run/folder.js';

export type { CompareJson, CompareRun, CompareSummary };

/** Options of a comparison. */
export interface CompareOptions extends RunTuning {
  /** The system as `faultline run --system` takes it (a name or a manifest path). */
  system: string;
  /** The system's name, for compare.json (defaults to `system`). */
  systemName?: string;
  variants: string[];
  workload: string;
  /** The workload's own options, for every run. */
  workloadOptions?: Record<string, unknown>;
  nemesis: string[];
  runs: number;
  timeLimitS: number;
  seedBase: number;
  parallel: number;
  outDir: string;
  /** Further flags shared by every run, passed as they are. */
  args?: string[];
  log?: (line: string) => void;
}

/** Median of the non-null numbers, or null when there are none. */
export function median(xs: Array<number | null | undefined>): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The row of one finished run, from its outcome and results.json. */
export function compareRun(seed: number, runDir: string, o: RunOutcome): CompareRun {
  const r = o.results;
  const verdictExit = o.exitCode === 0 || o.exitCode === 1 || o.exitCode === 2;
  if (!r || !verdictExit) {
    return {
      seed, runDir, valid: 'unknown', exitCode: o.exitCode ?? 255,
      firstAnomalyS: null, okRateInFaults: null, okRateOutsideFaults: null, answeredRateOutsideFaults: null, opsPerSec: null, p50Ms: null, p99Ms: null,
    };
  }
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return {
    seed,
    runDir,
    valid: r.valid,
    exitCode: o.exitCode ?? 255,
    firstAnomalyS: r.firstAnomaly && r.firstAnomaly.timeNs !== null ? r.firstAnomaly.timeNs / 1e9 : null,
    okRateInFaults: num(r.stats.okRateInFaults),
    okRateOutsideFaults: num(r.stats.okRateOutsideFaults),
    answeredRateOutsideFaults: num(r.stats.answeredRateOutsideFaults),
    opsPerSec: num(r.stats.opsPerSec),
    p50Ms: num(r.stats.latencyMs?.p50),
    p99Ms: num(r.stats.latencyMs?.p99),
  };
}

/** The aggregate row of a variant: counts, and medians over its runs. */
export function summarize(runs: CompareRun[]): CompareSummary {
  const detecting = runs.filter((r) => r.valid === false);
  return {
    runs: runs.length,
    detected: detecting.length,
    medianTimeToFirstAnomalyS: median(detecting.map((r) => r.firstAnomalyS)),
    okRateInFaults: median(runs.map((r) => r.okRateInFaults)),
    okRateOutsideFaults: median(runs.map((r) => r.okRateOutsideFaults)),
    answeredRateOutsideFaults: median(runs.map((r) => r.answeredRateOutsideFaults)),
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}

/** Runs a comparison; returns compare.json's data and the outcomes of runs that reached no verdict. */
export async function runCompare(opts: CompareOptions): Promise<{ compare: CompareJson; noVerdict: Array<{ variant: string; seed: number; outcome: RunOutcome }>; interrupted: boolean }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const outDir = resolve(opts.outDir);
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const seeds = Array.from({ length: opts.runs }, (_, i) => opts.seedBase + i);
  const compare: CompareJson = {
    system: opts.systemName ?? opts.system,
    workload: opts.workload,
    ...(opts.workloadOptions !== undefined ? { workloadOptions: opts.workloadOptions } : {}),
    nemesis: opts.nemesis,
    runsPerVariant: opts.runs,
    timeLimitS: opts.timeLimitS,
    seeds,
    createdAt: new Date().toISOString(),
    variants: opts.variants.map((variant) => ({ variant, runs: [], summary: summarize([]) })),
  };
  const save = () => {
    for (const v of compare.variants) {
      v.runs.sort((a, b) => a.seed - b.seed);
      v.summary = summarize(v.runs);
    }
    writeFileAtomic(join(outDir, 'compare.json'), `${JSON.stringify(compare, null, 2)}\n`);
    writeFileAtomic(join(outDir, 'compare.html'), renderCompareHtml(compare, { baseDir: outDir }));
  };
  save();

  const jobs = seeds.flatMap((seed) => opts.variants.map((variant) => ({ seed, variant })));
  const noVerdict: Array<{ variant: string; seed: number; outcome: RunOutcome }> = [];
  let done = 0;
  const runDirOf = (job: { seed: number; variant: string }) => join(outDir, `runs/${job.variant}-seed-${job.seed}`);
  const interrupted = await runPool({
    count: jobs.length,
    parallel: Math.min(opts.parallel, PARALLEL_MAX),
    start: (i) => {
      const { seed, variant } = jobs[i]!;
      const runDir = runDirOf(jobs[i]!);
      const spec: RunSpec = {
        system: opts.system, variant, workload: opts.workload, nemesis: opts.nemesis, seed, timeLimitS: opts.timeLimitS,
        args: opts.args ?? [], ...pickTuning(opts),
        ...(opts.workloadOptions !== undefined ? { workloadOptions: opts.workloadOptions } : {}),
      };
      return startRun({ spec, runDir, logFile: `${runDir}.log`, timeoutMs: defaultEntryTimeoutS(opts.timeLimitS) * 1000 });
    },
    finished: (i, outcome) => {
      const { seed, variant } = jobs[i]!;
      done++;
      if (outcome.interrupted) return;
      const row = compareRun(seed, relative(outDir, runDirOf(jobs[i]!)), outcome);
      compare.variants.find((v) => v.variant === variant)!.runs.push(row);
      save();
      const verdict = row.exitCode === 0 || row.exitCode === 1 || row.exitCode === 2 ? `valid=${String(row.valid)}` : 'no verdict';
      if (!(outcome.exitCode === 0 || outcome.exitCode === 1 || outcome.exitCode === 2) || !outcome.results) {
        noVerdict.push({ variant, seed, outcome });
      }
      log(`[${done}/${jobs.length}] ${variant} seed ${seed}: ${verdict} (${(outcome.durationMs / 1000).toFixed(1)} s)`);
    },
  });
  save();
  return { compare, noVerdict, interrupted };
}

/** The comparison as a plain-text table, for the terminal. */
export function compareTable(c: CompareJson): string {
  const fmt = (x: number | null, digits: number, scale = 1) => (x === null ? '-' : (x * scale).toFixed(digits));
  const head = ['variant', 'runs', 'detected', 'first anomaly s', 'ok% in faults', 'ok% outside', 'answered% outside', 'ops/s', 'p50 ms', 'p99 ms'];
  const rows = c.variants.map((v) => {
    const s = v.summary;
    return [v.variant, String(s.runs), String(s.detected), fmt(s.medianTimeToFirstAnomalyS, 2), fmt(s.okRateInFaults, 1, 100), fmt(s.okRateOutsideFaults, 1, 100), fmt(s.answeredRateOutsideFaults ?? null, 1, 100), fmt(s.opsPerSec, 1), fmt(s.p50Ms, 1), fmt(s.p99Ms, 1)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
