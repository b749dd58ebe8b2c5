/**
 * Measures what the raftkv README's detection table reports: real `faultline run`s of raftkv, each
 * variant under the fault that exposes it, checked by the run itself (linearizability with the kv
 * model for register, the transactional checker for list-append). Prints one line per run and a
 * Markdown table: runs, detections, median time to the first anomalous op, the share of ops
 * answered (ok, or a cas refused because the value differed: not a timeout or an unavailable
 * error) over the whole run and outside fault windows (results.json's `answeredRateOutsideFaults`),
 * and the ok rate outside fault windows (`okRateOutsideFaults`: only `ok` counts there, so a
 * refused cas lowers it). Each figure is the median over the runs.
 *
 *   npm run build && node dist/bench/raftkv-detect.js --runs 5 --time-limit 30
 *   node dist/bench/raftkv-detect.js --only correct --runs 20 --nodes 5
 *   node dist/bench/raftkv-detect.js --only correct@overlap --runs 5   # every fault, overlapping
 *   node dist/bench/raftkv-detect.js --only commit-before-quorum+list-append,no-idempotent-receiver+list-append
 *
 * Each run is a child `faultline run` (results in a temp folder, deleted unless --keep); the
 * seeds are 1..runs (or from --first-seed on), so any line can be repeated with the printed command.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultline } from './support/faultline-cli.js';
import { readStoredHistory } from '../harness/run/history.js';
import { isRefusal } from '../harness/client/errors.js';
import { benchFlags } from './support/args.js';
import { median } from '../harness/compare/compare.js';

interface Case {
  variant: string;
  nemesis: string;
  nodes: number;
  /** Faults of different kinds overlap (`--nemesis-overlap`). */
  overlap?: boolean;
  /** Workload (default register). */
  workload?: 'register' | 'list-append' | 'rw-register';
  /**
   * Client workers (default: the run's, 2 x nodes). `lease-wallclock`'s stale read needs a client
   * of the deposed leader to read in the short window its stretched lease overlaps the new
   * leader's writes, while the old leader's writers sit out their timeouts: 5 per node gives it
   * more readers there.
   */
  concurrency?: number;
}

/**
 * Each variant with the fault named for it in SYSTEMS.md, on the register workload and, where it
 * shows the loss plainly, on list-append (a lost or doubled append stays visible in every later
 * read of the list, where a register's lost write is hidden by the next blind write).
 */
const CASES: Case[] = [
  { variant: 'correct', nemesis: 'partition,kill,pause', nodes: 5 },
  { variant: 'correct', nemesis: 'partition,kill,pause,clock,message', nodes: 5, overlap: true },
  { variant: 'correct', nemesis: 'partition,kill,pause', nodes: 5, workload: 'list-append' },
  { variant: 'no-generation-check', nemesis: 'pause', nodes: 3 },
  { variant: 'commit-before-quorum', nemesis: 'partition,kill', nodes: 3 },
  { variant: 'commit-before-quorum', nemesis: 'partition,kill', nodes: 3, workload: 'list-append' },
  { variant: 'follower-reads-stale', nemesis: 'latency', nodes: 3 },
  { variant: 'leader-local-reads', nemesis: 'partition', nodes: 3 },
  { variant: 'lease-wallclock', nemesis: 'clock,partition', nodes: 3, overlap: true, concurrency: 15 },
  { variant: 'no-idempotent-receiver', nemesis: 'message', nodes: 3 },
  { variant: 'no-idempotent-receiver', nemesis: 'message', nodes: 3, workload: 'list-append' },
];

/** The name `--only` knows a case by: `variant[@overlap][+workload]`. */
function caseId(c: Case): string {
  return (
    c.variant +
    (c.overlap === true ? '@overlap' : '') +
    (c.workload !== undefined && c.workload !== 'register' ? `+${c.workload}` : '')
  );
}

const { arg, has } = benchFlags(
  'bench:raftkv-detect',
  'usage: node dist/bench/raftkv-detect.js [--runs n] [--first-seed k] [--time-limit s] [--nemesis-interval s] [--only case,...] [--nodes n] [--extra="run args"] [--keep]',
  ['--runs', '--first-seed', '--time-limit', '--nemesis-interval', '--only', '--nodes', '--extra'],
  ['--keep'],
);

const runs = Number(arg('--runs', '5'));
/** Seeds are firstSeed .. firstSeed + runs - 1 (to split a long measurement over processes). */
const firstSeed = Number(arg('--first-seed', '1'));
const timeLimitS = Number(arg('--time-limit', '30'));
const intervalS = Number(arg('--nemesis-interval', '2'));
const only = arg('--only', '');
const nodesOverride = arg('--nodes', '');
const keep = has('--keep');
/** More `faultline run` arguments for every run (to try other settings: `--extra="--op-timeout 400"`). */
const extra = arg('--extra', '').split(/\s+/).filter((a) => a !== '');
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(firstSeed) || firstSeed < 0 || !(timeLimitS > 0) || !(intervalS > 0)) {
  process.stderr.write('raftkv-detect: --runs must be a positive integer, --first-seed a non-negative integer, --time-limit and --nemesis-interval positive\n');
  process.exit(254);
}
interface RunResults {
  valid: boolean | 'unknown';
  firstAnomaly?: { timeNs?: number; summary?: string } | null;
  stats?: { okRateOutsideFaults?: number | null; answeredRateOutsideFaults?: number | null };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const c of CASES) {
    const id = caseId(c);
    if (only !== '' && !only.split(',').includes(id)) continue;
    const nodes = nodesOverride !== '' ? Number(nodesOverride) : c.nodes;
    const workload = c.workload ?? 'register';
    let detected = 0;
    let unknown = 0;
    const firstS: number[] = [];
    const answeredShares: number[] = [];
    const outsideShares: number[] = [];
    const answeredOutsideShares: number[] = [];
    for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
      const dir = mkdtempSync(join(tmpdir(), 'raftkv-detect-'));
      const args = [
        'run', '--system', 'raftkv', '--variant', c.variant, '--workload', workload, '--nodes', String(nodes),
        ...(c.concurrency !== undefined ? ['--concurrency', String(c.concurrency)] : []),
        '--nemesis', c.nemesis, '--nemesis-interval', String(intervalS), '--time-limit', String(timeLimitS),
        ...(c.overlap === true ? ['--nemesis-overlap'] : []),
        ...extra,
        '--seed', String(seed), '--run-dir', join(dir, 'run'),
      ];
      const r = await faultline(args, (timeLimitS + 300) * 1000);
      let line: string;
      try {
        // The run's own verdict (linearizability for register, the transactional checker for the
        // txn workloads), its first anomalous op, and its availability figures.
        const res = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8')) as RunResults;
        const history = readStoredHistory(join(dir, 'run', 'history.jsonl')).events;
        const ok = history.filter((e) => e.type === 'ok').length;
        const done = history.filter((e) => e.process !== 'nemesis' && e.type !== 'invoke').length;
        // A cas refused because the value differs (or the key is absent) is the system working.
        const answered = history.filter((e) => e.type === 'ok' || (e.type === 'fail' && isRefusal(e.error))).length;
        answeredShares.push(done > 0 ? answered / done : 0);
        const answeredOutside = res.stats?.answeredRateOutsideFaults;
        if (typeof answeredOutside === 'number') answeredOutsideShares.push(answeredOutside);
        const outside = res.stats?.okRateOutsideFaults;
        if (typeof outside === 'number') outsideShares.push(outside);
        if (res.valid === false) {
          detected++;
          if (typeof res.firstAnomaly?.timeNs === 'number') firstS.push(res.firstAnomaly.timeNs / 1e9);
        } else if (res.valid === 'unknown') unknown++;
        line =
          `${id} seed ${seed}: valid ${String(res.valid)}, ${ok} ok of ${done} ops, ` +
          `ok outside faults ${typeof outside === 'number' ? `${(outside * 100).toFixed(1)} %` : '-'} (run exit ${r.code})` +
          (res.valid === false && res.firstAnomaly?.summary !== undefined ? `\n  first anomaly: ${res.firstAnomaly.summary}` : '');
      } catch (e) {
        unknown++;
        line = `${id} seed ${seed}: no results (run exit ${r.code}): ${(e as Error).message}; ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      }
      console.log(`${line}\n  repro: faultline ${args.slice(0, -2).join(' ')}`);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
    const med = median(firstS);
    const pct = (xs: number[]): string => {
      const m = median(xs);
      return m === null ? '-' : `${(m * 100).toFixed(0)} %`;
    };
    rows.push(
      `| \`${c.variant}\` | ${workload}${c.concurrency !== undefined ? `, ${c.concurrency} clients` : ''} | ${c.nemesis}${c.overlap === true ? ' (overlapping)' : ''} | ${nodes} | ${runs} | ${detected}${unknown > 0 ? ` (+${unknown} unknown)` : ''} | ${med === null ? '-' : `${med.toFixed(1)} s`} | ${pct(answeredShares)} | ${pct(answeredOutsideShares)} | ${pct(outsideShares)} |`,
    );
  }
  console.log(`\n| variant | workload | nemesis | nodes | runs of ${timeLimitS} s | anomaly found | median time to first anomalous op | ops answered | answered outside faults | ok outside faults |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((e: unknown) => {
  process.stderr.write(`raftkv-detect failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
