/**
 * Does the default run find the bug? Runs the default invocation, exactly as a user types it,
 *
 *   faultline run --system S --variant V --time-limit 30 --seed k
 *
 * (no --nemesis, no --workload, no tuning: the combined default nemesis and the manifest's
 * default workload) through the built CLI, real processes, a few runs at a time, and prints per
 * variant: runs, detections (invalid), unknown verdicts, valid verdicts (false alarms for the
 * correct variant are its invalid runs), and the median time from the run's start to the first
 * anomalous op (results.json's `firstAnomaly.timeNs`, on the history's clock, which starts with
 * the run).
 *
 *   npm run bench:detect                                    # every variant: broken seeds 1..10, correct 1..20
 *   node dist/bench/detect.js --broken-runs 3 --correct-runs 3 --systems raftkv   # a pilot
 *   node dist/bench/detect.js --only raftkv/lease-wallclock,walkv/no-crc --broken-runs 5
 *
 * A variant is broken unless its name is the manifest's defaultVariant. Each run's line carries
 * its repro command; results go to a temp folder, deleted unless --keep.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSystem } from '../harness/cluster/manifest.js';
import { faultline } from './support/faultline-cli.js';
import { median } from './support/median.js';
import { benchFlags } from './support/args.js';

const USAGE = [
  'usage: node dist/bench/detect.js [--systems a,b] [--only s/v,...] [--broken-runs n] [--correct-runs n]',
  '         [--first-seed k] [--time-limit s] [--parallel n] [--extra="run args"] [--keep]',
  'defaults: --systems walkv,raftkv,txn-kv --broken-runs 10 --correct-runs 20 --first-seed 1 --time-limit 30 --parallel 2',
].join('\n');
const { arg, has } = benchFlags('detect', USAGE, ['--systems', '--only', '--broken-runs', '--correct-runs', '--first-seed', '--time-limit', '--parallel', '--extra'], ['--keep']);

const systems = arg('--systems', 'walkv,raftkv,txn-kv').split(',').filter((s) => s !== '');
const only = arg('--only', '').split(',').filter((s) => s !== '');
const brokenRuns = Number(arg('--broken-runs', '10'));
const correctRuns = Number(arg('--correct-runs', '20'));
const firstSeed = Number(arg('--first-seed', '1'));
const timeLimitS = Number(arg('--time-limit', '30'));
const parallel = Number(arg('--parallel', '2'));
const keep = has('--keep');
/** More `faultline run` arguments for every run (to try settings; the table is measured without). */
const extra = arg('--extra', '').split(/\s+/).filter((a) => a !== '');
const counts = [brokenRuns, correctRuns, firstSeed, parallel];
if (!counts.every((n) => Number.isInteger(n) && n >= 0) || parallel < 1 || !(timeLimitS > 0)) {
  process.stderr.write('detect: --broken-runs, --correct-runs and --first-seed must be non-negative integers, --parallel a positive one, --time-limit positive\n');
  process.exit(254);
}

interface Job {
  system: string;
  variant: string;
  correct: boolean;
  seed: number;
}

interface Outcome {
  valid: boolean | 'unknown' | 'none';
  firstAnomalyS: number | null;
}

interface RunResults {
  valid: boolean | 'unknown';
  firstAnomaly?: { timeNs?: number; summary?: string } | null;
  unknownReason?: string;
}

const jobs: Job[] = [];
for (const system of systems) {
  const manifest = findSystem(system);
  for (const variant of Object.keys(manifest.variants)) {
    if (only.length > 0 && !only.includes(`${system}/${variant}`)) continue;
    const correct = variant === (manifest.defaultVariant ?? 'correct');
    const n = correct ? correctRuns : brokenRuns;
    for (let seed = firstSeed; seed < firstSeed + n; seed++) jobs.push({ system, variant, correct, seed });
  }
}

async function runOne(job: Job): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-detect-'));
  const args = ['run', '--system', job.system, '--variant', job.variant, '--time-limit', String(timeLimitS), '--seed', String(job.seed), ...extra];
  const r = await faultline([...args, '--run-dir', join(dir, 'run')], (timeLimitS + 300) * 1000);
  let out: Outcome;
  let line: string;
  try {
    const res = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8')) as RunResults;
    const t = res.firstAnomaly?.timeNs;
    out = { valid: res.valid, firstAnomalyS: res.valid === false && typeof t === 'number' ? t / 1e9 : null };
    line =
      `${job.system}/${job.variant} seed ${job.seed}: valid ${String(res.valid)} (exit ${r.code})` +
      (out.firstAnomalyS !== null ? `, first anomaly at ${out.firstAnomalyS.toFixed(1)} s: ${res.firstAnomaly?.summary ?? ''}` : '') +
      (res.valid === 'unknown' && res.unknownReason ? `: ${res.unknownReason}` : '');
  } catch (e) {
    out = { valid: 'none', firstAnomalyS: null };
    line = `${job.system}/${job.variant} seed ${job.seed}: no results (exit ${r.code}): ${(e as Error).message}; ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
  console.log(`${line}\n  repro: faultline ${args.join(' ')}`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return out;
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const outcomes = new Map<Job, Outcome>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      outcomes.set(job, await runOne(job));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  console.log(`\nMeasured ${started} to ${new Date().toISOString()}: faultline run --system S --variant V --time-limit ${timeLimitS} --seed k${extra.length ? ` ${extra.join(' ')}` : ''}, ${parallel} at a time`);
  for (const system of systems) {
    const mine = jobs.filter((j) => j.system === system);
    if (mine.length === 0) continue;
    console.log(`\n${system}\n\n| variant | seeds | runs | invalid (found) | unknown | valid | median time to first anomalous op |`);
    console.log('|---|---|---|---|---|---|---|');
    for (const variant of [...new Set(mine.map((j) => j.variant))]) {
      const vs = mine.filter((j) => j.variant === variant);
      const os = vs.map((j) => outcomes.get(j)!);
      const invalid = os.filter((o) => o.valid === false).length;
      const unknown = os.filter((o) => o.valid === 'unknown' || o.valid === 'none').length;
      const valid = os.filter((o) => o.valid === true).length;
      const med = median(os.flatMap((o) => (o.firstAnomalyS === null ? [] : [o.firstAnomalyS])));
      const seeds = `${vs[0]!.seed}..${vs[vs.length - 1]!.seed}`;
      const found = vs[0]!.correct ? `${invalid} (false alarms)` : `${invalid}`;
      console.log(`| \`${variant}\`${vs[0]!.correct ? ' (correct)' : ''} | ${seeds} | ${vs.length} | ${found} | ${unknown} | ${valid} | ${Number.isNaN(med) ? '-' : `${med.toFixed(1)} s`} |`);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`detect failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
