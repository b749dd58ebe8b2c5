/**
 * How fast does `faultline hunt` catch each broken variant, and how small does it shrink the
 * schedule? Runs, one hunt at a time, through the built CLI,
 *
 *   faultline hunt --system S --variant V --budget B --seed k [--parallel P] [--no-shrink]
 *
 * for hunt seeds first..first+hunts-1, and prints per variant a Markdown row: hunts, caught,
 * median time to catch (hunt.json `caughtAfterS`), median runs to catch, and per hunt the
 * original and shrunk schedule (faults, seconds). Read from each hunt's hunt.json.
 *
 *   npm run build && node dist/bench/hunt.js --variants no-idempotent-receiver --hunts 3 --budget 3m
 *   node dist/bench/hunt.js --variants follower-reads-stale --hunts 3 --parallel 1 --no-shrink   # parallel 1 against 2
 *
 * Results go to a temp folder, kept (its path is printed) so each hunt's report can be opened.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HuntRecord } from '../harness/hunt/hunt.js';
import { faultline } from './support/faultline-cli.js';
import { median } from './support/median.js';
import { benchFlags } from './support/args.js';

const { arg, has } = benchFlags(
  'bench:hunt',
  'usage: node dist/bench/hunt.js [--system s] [--variants a,b] [--hunts n] [--first-seed k] [--budget 3m] [--shrink-budget 5m] [--parallel n] [--no-shrink]',
  ['--system', '--variants', '--hunts', '--first-seed', '--budget', '--shrink-budget', '--parallel'],
  ['--no-shrink'],
);

const system = arg('--system', 'raftkv');
const variants = arg('--variants', 'no-generation-check,commit-before-quorum,follower-reads-stale,leader-local-reads,lease-wallclock,no-idempotent-receiver').split(',').filter(Boolean);
const hunts = Number(arg('--hunts', '5'));
const firstSeed = Number(arg('--first-seed', '1'));
const budget = arg('--budget', '3m');
const shrinkBudget = arg('--shrink-budget', '5m');
const parallel = arg('--parallel', '');
const noShrink = has('--no-shrink');
const out = mkdtempSync(join(tmpdir(), 'faultline-bench-hunt-'));
const HUNT_TIMEOUT_MS = 60 * 60 * 1000;

const fmt = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));
console.log(`hunts in ${out}`);
console.log('| variant | hunts | caught | median time to catch (s) | median runs to catch | schedules: original -> shrunk (faults, s) |');
console.log('|---|---|---|---|---|---|');
for (const variant of variants) {
  const caught: number[] = [];
  const runs: number[] = [];
  const shrinks: string[] = [];
  for (let k = firstSeed; k < firstSeed + hunts; k++) {
    const dir = join(out, `${variant}-${k}`);
    const args = ['hunt', '--system', system, '--variant', variant, '--budget', budget, '--shrink-budget', shrinkBudget, '--seed', String(k), '--out', dir];
    if (parallel) args.push('--parallel', parallel);
    if (noShrink) args.push('--no-shrink');
    const r = await faultline(args, HUNT_TIMEOUT_MS);
    let rec: HuntRecord;
    try {
      rec = JSON.parse(readFileSync(join(dir, 'hunt.json'), 'utf8')) as HuntRecord;
    } catch {
      console.error(`${variant} seed ${k}: exit ${r.code}, no hunt.json: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      continue;
    }
    console.error(`${variant} seed ${k}: exit ${r.code}, ${rec.outcome}${rec.caughtAfterS !== null ? ` after ${rec.caughtAfterS} s` : ''}; ${r.stdout.trim().split('\n').slice(0, 2).join(' / ')}`);
    if (rec.caughtAfterS !== null && rec.found) {
      caught.push(rec.caughtAfterS);
      runs.push(rec.attempts.filter((a) => a.phase === 'search' && a.attempt <= rec.found!.attempt).length);
    }
    if (rec.shrink && !rec.shrink.skipped) shrinks.push(`${rec.shrink.original.faults}, ${rec.shrink.original.seconds} -> ${rec.shrink.shrunk.faults}, ${rec.shrink.shrunk.seconds}${rec.shrink.complete ? '' : ' (budget)'}`);
  }
  console.log(`| \`${variant}\` | ${hunts} | ${caught.length} | ${fmt(median(caught))} | ${fmt(median(runs))} | ${shrinks.join('; ') || '-'} |`);
}
