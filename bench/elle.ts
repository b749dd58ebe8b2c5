/**
 * Benchmark of the list-append checker: check time and peak memory for generated histories of
 * 10k, 100k and 1M transactions (1-5 micro-operations, 100 active keys retired after 32 writes,
 * several concurrency levels), produced by the simulated serializable store.
 *
 *   npm run bench:elle                     all sizes
 *   node dist/bench/elle.js 10000 100000   chosen sizes
 *
 * Each measurement runs in a fresh child process so that peak memory (max RSS) belongs to one
 * history; the RSS includes the history itself, which the checker needs in memory. Sizes up to
 * 100k are repeated and the median is printed; 1M runs once per model. Times are wall-clock on a
 * shared machine, so compare ratios measured in the same run, not absolute figures across runs.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkListAppend } from '../checkers/transactional/list-append.js';
import type { ConsistencyModel } from '../checkers/transactional/types.js';
import { simulate } from '../workloads/txn-sim.js';

interface Measurement {
  txns: number;
  concurrency: number;
  model: string;
  checkMs: number;
  genMs: number;
  maxRssMb: number;
  heapBeforeCheckMb: number;
  valid: boolean | 'unknown';
  edges: number;
}

function child(txns: number, concurrency: number, model: ConsistencyModel, seed: number): void {
  const g0 = performance.now();
  const history = simulate({ seed, workload: 'list-append', isolation: 'serializable', txns, concurrency, gen: { activeKeys: 100 } });
  const genMs = performance.now() - g0;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = checkListAppend(history, { consistencyModel: model });
  const checkMs = performance.now() - t0;
  const m: Measurement = {
    txns,
    concurrency,
    model,
    checkMs,
    genMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    child(Number(argv[1]), Number(argv[2]), argv[3] as ConsistencyModel, Number(argv[4]));
    return;
  }
  const sizes = argv.length ? argv.map(Number) : [10_000, 100_000, 1_000_000];
  console.log('list-append checker benchmark (simulated serializable store, 100 active keys, 1-5 ops per txn)');
  console.log('txns      conc  model                 runs  check ms (median)  txn/s       max RSS MB  edges');
  for (const txns of sizes) {
    for (const concurrency of [10, 100]) {
      for (const model of ['serializable', 'strict-serializable']) {
        const runs = txns <= 100_000 ? 3 : 1;
        const ms: Measurement[] = [];
        for (let i = 0; i < runs; i++) ms.push(runChild(txns, concurrency, model, 1 + i));
        const checkMs = median(ms.map((m) => m.checkMs));
        const rss = median(ms.map((m) => m.maxRssMb));
        const valid = ms.every((m) => m.valid === true);
        console.log(
          `${String(txns).padEnd(9)} ${String(concurrency).padEnd(5)} ${model.padEnd(21)} ${String(runs).padEnd(5)} ${checkMs.toFixed(0).padStart(17)}  ${Math.round((txns / checkMs) * 1000)
            .toString()
            .padEnd(10)}  ${rss.toFixed(0).padStart(10)}  ${ms[0]!.edges}${valid ? '' : '  (NOT VALID: a checker or simulator bug)'}`,
        );
      }
    }
  }
}

main();
