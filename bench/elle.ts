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
 *
 *   node --max-old-space-size=4096 dist/bench/elle.js --file 1000000
 *
 * checks a history from a JSONL file instead, the parse included: the history written once per
 * seed, then each run in a fresh process, alternating the two paths: the events read as objects
 * (`readHistory`, then `checkListAppend`) and streamed into the transaction table without
 * keeping them (`readTxnTableFile`, then `checkListAppendTable`). Verdicts, edge counts and
 * explanations of the two must agree.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '../checkers/history/types.js';
import { fileURLToPath } from 'node:url';
import { formatEvent } from '../checkers/history/jsonl.js';
import { readHistory } from '../checkers/history/read.js';
import { checkListAppend, checkListAppendTable } from '../checkers/transactional/list-append.js';
import { readTxnTableFile } from '../checkers/transactional/stream.js';
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


interface FileMeasurement {
  path: 'objects' | 'stream';
  /** Read and check, ms. */
  totalMs: number;
  readMs: number;
  cpuMs: number;
  maxRssMb: number;
  valid: boolean | 'unknown';
  edges: number;
  explanation: string;
}

async function fileChild(path: 'objects' | 'stream', file: string, model: ConsistencyModel): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let readMs: number;
  let r;
  if (path === 'objects') {
    const h = await readHistory(file);
    readMs = performance.now() - t0;
    r = checkListAppend(h.events, { consistencyModel: model });
  } else {
    const txns = await readTxnTableFile(file, ['append', 'r']);
    readMs = performance.now() - t0;
    r = checkListAppendTable(txns, { consistencyModel: model });
  }
  const c1 = process.cpuUsage(c0);
  const m: FileMeasurement = {
    path,
    totalMs: performance.now() - t0,
    readMs,
    cpuMs: (c1.user + c1.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    valid: r.valid,
    edges: r.stats.edges,
    explanation: r.explanation,
  };
  process.stdout.write(JSON.stringify(m));
}

function fileMain(sizes: number[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-elle-'));
  console.log('list-append checker from a JSONL file, parse included: events as objects against streamed into the columns');
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('txns      model           path     runs  total ms (median)  read ms  cpu ms  max RSS MB  stream/objects time  RSS');
  try {
    for (const txns of sizes) {
      const model = 'serializable';
      const runs: Record<'objects' | 'stream', FileMeasurement[]> = { objects: [], stream: [] };
      for (let seed = 1; seed <= 3; seed++) {
        const file = join(dir, `h-${txns}-${seed}.jsonl`);
        const history = simulate({ seed, workload: 'list-append', isolation: 'serializable', txns, concurrency: 10, gen: { activeKeys: 100 } });
        writeFileSync(file, history.map((e) => formatEvent(e) + '\n').join(''));
        for (const path of ['objects', 'stream'] as const) {
          const out = execFileSync(process.execPath, ['--max-old-space-size=4096', fileURLToPath(import.meta.url), '--file-child', path, file, model], {
            encoding: 'utf8',
            maxBuffer: 1 << 24,
          });
          runs[path].push(JSON.parse(out) as FileMeasurement);
        }
        const [a, b] = [runs.objects.at(-1)!, runs.stream.at(-1)!];
        if (a.valid !== b.valid || a.edges !== b.edges || a.explanation !== b.explanation) console.log(`  MISMATCH on seed ${seed}: the two paths disagree`);
        rmSync(file);
      }
      const med = (path: 'objects' | 'stream', f: (m: FileMeasurement) => number): number => median(runs[path].map(f));
      for (const path of ['objects', 'stream'] as const) {
        const ratio = path === 'stream' ? `${(med('stream', (m) => m.totalMs) / med('objects', (m) => m.totalMs)).toFixed(2).padStart(19)}  ${(med('stream', (m) => m.maxRssMb) / med('objects', (m) => m.maxRssMb)).toFixed(2)}` : '';
        console.log(
          `${String(txns).padEnd(9)} ${model.padEnd(15)} ${path.padEnd(8)} ${'3'.padEnd(5)} ${med(path, (m) => m.totalMs).toFixed(0).padStart(17)}  ${med(path, (m) => m.readMs).toFixed(0).padStart(7)}  ${med(path, (m) => m.cpuMs).toFixed(0).padStart(6)}  ${med(path, (m) => m.maxRssMb).toFixed(0).padStart(10)}  ${ratio}${runs[path].every((m) => m.valid === true) ? '' : '  (NOT VALID)'}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--file-child') {
    void fileChild(argv[1] as 'objects' | 'stream', argv[2]!, argv[3] as ConsistencyModel);
    return;
  }
  if (argv[0] === '--file') {
    fileMain(argv.length > 1 ? argv.slice(1).map(Number) : [100_000, 1_000_000]);
    return;
  }
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
