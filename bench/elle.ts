/**
 * Benchmark of the list-append checker: check time and peak memory for generated histories of
 * 10k, 100k and 1M transactions (1-5 micro-operations, 100 active keys retired after 32 writes,
 * several concurrency levels), produced by the simulated serializable store.
 *
 *   npm run bench:elle                     all sizes
 *   node dist/bench/elle.js 10000 100000   chosen sizes
 *
 * Each measurement runs in a fresh child process so that peak memory (max RSS) belongs to one
 * history. The check time covers `checkListAppend` on a history already in memory (no parsing);
 * the max RSS is the whole process's peak, the history included, and beside it is the peak
 * before the check began: the history alone (about 1.4 GB for 1M transactions), the baseline of
 * memory. Every size runs three times (seeds 1-3) and the median is printed. Wall-clock times on
 * a shared machine scale with its load (printed), so the CPU time of the check and the ratio to
 * a baseline scan measured in the same process are printed too.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { HistoryEvent } from '../checkers/history/types.js';
import { fileURLToPath } from 'node:url';
import { checkListAppend } from '../checkers/transactional/list-append.js';
import type { ConsistencyModel } from '../checkers/transactional/types.js';
import { simulate } from '../test/support/txn-sim.js';
import { median } from './support/median.js';

interface Measurement {
  txns: number;
  concurrency: number;
  model: string;
  checkMs: number;
  /** CPU time (user + system) of the check: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  /** The baseline: one pass over every micro-operation and read element, interning keys. */
  scanMs: number;
  genMs: number;
  maxRssMb: number;
  /** Peak RSS before the check began: the history and its generation alone. */
  rssBeforeCheckMb: number;
  heapBeforeCheckMb: number;
  valid: boolean | 'unknown';
  edges: number;
}

/**
 * The least any checker must do: touch every micro-operation and every element read, and map
 * each key to an integer. The check/scan ratio says how much the analysis itself costs, and stays
 * meaningful when the machine is busy.
 */
function scan(history: readonly HistoryEvent[]): number {
  const keys = new Map<unknown, number>();
  let sum = 0;
  for (const e of history) {
    if (e.type !== 'ok' || !Array.isArray(e.value)) continue;
    for (const m of e.value as unknown[][]) {
      let id = keys.get(m[1]);
      if (id === undefined) keys.set(m[1], (id = keys.size));
      sum += id;
      const v = m[2];
      if (Array.isArray(v)) for (const x of v) sum += x as number;
    }
  }
  return sum;
}

function child(txns: number, concurrency: number, model: ConsistencyModel, seed: number): void {
  const g0 = performance.now();
  const history = simulate({ seed, workload: 'list-append', isolation: 'serializable', txns, concurrency, gen: { activeKeys: 100 } });
  const genMs = performance.now() - g0;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBeforeCheckMb = process.resourceUsage().maxRSS / 1024;
  const s0 = performance.now();
  if (scan(history) < 0) throw new Error('unreachable');
  const scanMs = performance.now() - s0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = checkListAppend(history, { consistencyModel: model });
  const c1 = process.cpuUsage(c0);
  const checkMs = performance.now() - t0;
  const cpuMs = (c1.user + c1.system) / 1000;
  const m: Measurement = {
    txns,
    concurrency,
    model,
    checkMs,
    cpuMs,
    scanMs,
    genMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssBeforeCheckMb,
    heapBeforeCheckMb: heapBefore / 2 ** 20,
    valid: r.valid,
    edges: r.stats.edges,
  };
  process.stdout.write(JSON.stringify(m));
}

function runChild(txns: number, concurrency: number, model: string, seed: number): Measurement {
  const out = execFileSync(
    process.execPath,
    ['--max-old-space-size=4096', '--expose-gc', fileURLToPath(import.meta.url), '--child', String(txns), String(concurrency), model, String(seed)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out) as Measurement;
}


function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    child(Number(argv[1]), Number(argv[2]), argv[3] as ConsistencyModel, Number(argv[4]));
    return;
  }
  const sizes = argv.length ? argv.map(Number) : [10_000, 100_000, 1_000_000];
  console.log('list-append checker benchmark (simulated serializable store, 100 active keys, 1-5 ops per txn)');
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on this machine (times scale with it)`);
  console.log('txns      conc  model                 runs  check ms (median)  cpu ms  txn/s       scan ms  check/scan  max RSS MB  before check MB  edges');
  for (const txns of sizes) {
    for (const concurrency of [10, 100]) {
      for (const model of ['serializable', 'strict-serializable']) {
        const runs = 3;
        const ms: Measurement[] = [];
        for (let i = 0; i < runs; i++) ms.push(runChild(txns, concurrency, model, 1 + i));
        const checkMs = median(ms.map((m) => m.checkMs));
        const scanMs = median(ms.map((m) => m.scanMs));
        const cpuMs = median(ms.map((m) => m.cpuMs));
        const ratio = median(ms.map((m) => m.checkMs / m.scanMs));
        const rss = median(ms.map((m) => m.maxRssMb));
        const rssBefore = median(ms.map((m) => m.rssBeforeCheckMb));
        const valid = ms.every((m) => m.valid === true);
        console.log(
          `${String(txns).padEnd(9)} ${String(concurrency).padEnd(5)} ${model.padEnd(21)} ${String(runs).padEnd(5)} ${checkMs.toFixed(0).padStart(17)}  ${cpuMs.toFixed(0).padStart(6)}  ${Math.round((txns / checkMs) * 1000)
            .toString()
            .padEnd(10)}  ${scanMs.toFixed(0).padStart(7)}  ${ratio.toFixed(1).padStart(10)}  ${rss.toFixed(0).padStart(10)}  ${rssBefore.toFixed(0).padStart(15)}  ${ms[0]!.edges}${valid ? '' : '  (NOT VALID: a checker or simulator bug)'}`,
        );
      }
    }
  }
}

main();
