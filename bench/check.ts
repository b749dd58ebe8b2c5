/**
 * Benchmark of the linearizability checker: `npm run bench:check` (builds, then runs
 * `node dist/bench/check.js`).
 *
 * For each corpus set it prints the total check time of all its files (parsing excluded), the
 * median of 5 rounds, and operations checked per second, next to Porcupine v1.3.0's figures for
 * the same sets on this machine (sum of per-file medians, from the corpus README). Every verdict
 * is compared with the expected one in every round. Then it checks generated cas-register
 * histories of 10k and 100k operations (5 to 50 processes, 1% crashed operations, seeded), and
 * unambiguous register, set and queue histories (every value written once), decided without a
 * search (the 10k set and queue rows also with the search, `(search)`, for comparison).
 *
 *   node dist/bench/check.js [--rounds 5] [--json] [--time-limit 120] [--only <text in a set's name>]
 *
 * The machine is shared: the load average is printed with the results, so read ratios, not
 * absolute numbers, and re-run when it is quiet.
 */
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHistory, type HistoryEvent } from '../checkers/history/index.js';
import { checkLinearizable, checkLinearizableParallel, createModel, type ModelOptions } from '../checkers/linearizable/index.js';
import { generateKvHistory, generateQueueHistory, generateRegisterHistory, generateSetHistory } from './generate.js';
import { median } from './support/median.js';
import { benchFlags } from './support/args.js';

interface Item {
  name: string;
  events: HistoryEvent[];
  expected: boolean | null;
}

interface BenchSet {
  name: string;
  model: string;
  options: ModelOptions;
  /**
   * The histories, or a function that makes them: generated histories are made when their row
   * runs and dropped after it, since a heap holding all of them (a million-operation history,
   * whole-set reads) slows every other row's garbage collection.
   */
  items: Item[] | (() => Item[]);
  /** Porcupine v1.3.0 on this machine, ms (sum of per-file medians). */
  porcupineMs?: number;
  /** 'search': check with the search only, to compare with a procedure for unambiguous histories. */
  method?: 'search';
  /** A time limit of its own (ms), for a row expected to run out. */
  timeLimitMs?: number;
  /** Check with checkLinearizableParallel on this many threads (minOperations 0: always threads). */
  workers?: number;
}

interface Row {
  set: string;
  files: number;
  operations: number;
  medianMs: number;
  /** Median CPU time (user + system) of the rounds: less sensitive to a loaded machine. */
  cpuMedianMs: number;
  minMs: number;
  maxMs: number;
  opsPerSec: number;
  porcupineMs: number | null;
  ratio: number | null;
  verdicts: string;
  mismatches: string[];
}

const { arg, has } = benchFlags('bench:check', 'usage: node dist/bench/check.js [--rounds n] [--time-limit s] [--only text] [--json]', ['--rounds', '--time-limit', '--only'], ['--json']);

const rounds = Math.max(1, Number(arg('--rounds', '5')));
const timeLimitMs = Number(arg('--time-limit', '120')) * 1000;
const asJson = has('--json');
/** Only the sets whose name contains this text (default: all). */
const only = arg('--only', '');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function corpusDir(): string | null {
  for (const c of [process.env.FAULTLINE_CORPUS, join(repoRoot, '..', 'shared', 'corpus')]) {
    if (c && existsSync(c)) return c;
  }
  return null;
}

const ETCD_OK = new Set([2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102, 95]);

async function load(files: string[], expected: (f: string) => boolean | null): Promise<Item[]> {
  const items: Item[] = [];
  for (const f of files) items.push({ name: f, events: (await readHistory(f)).events, expected: expected(f) });
  return items;
}

async function corpusSets(root: string): Promise<BenchSet[]> {
  const sets: BenchSet[] = [];
  const etcdDir = join(root, 'porcupine', 'test_data', 'jepsen');
  const kvDir = join(root, 'porcupine', 'test_data', 'kv');
  const kn = join(root, 'knossos', 'data');
  if (existsSync(etcdDir)) {
    const files = readdirSync(etcdDir).filter((f) => f.endsWith('.log')).sort().map((f) => join(etcdDir, f));
    sets.push({
      name: 'porcupine etcd (cas-register)',
      model: 'cas-register',
      options: {},
      items: await load(files, (f) => ETCD_OK.has(Number(/etcd_(\d+)/.exec(f)![1]))),
      porcupineMs: 287,
    });
  }
  if (existsSync(kvDir)) {
    const names = ['c01-ok', 'c01-bad', 'c10-ok', 'c10-bad', 'c50-ok', 'c50-bad'];
    const all = await load(names.map((n) => join(kvDir, `${n}.txt`)), (f) => f.includes('-ok'));
    sets.push({ name: 'porcupine kv, by key (string-kv)', model: 'string-kv', options: {}, items: all, porcupineMs: 124 });
    sets.push({ name: 'porcupine kv, by key, 2 workers', model: 'string-kv', options: {}, items: all, porcupineMs: 124, workers: 2 });
    sets.push({ name: 'porcupine kv c50-ok, by key', model: 'string-kv', options: {}, items: all.filter((i) => i.name.endsWith('c50-ok.txt')), porcupineMs: 107 });
    sets.push({ name: 'porcupine kv c50-ok, by key, 2 workers', model: 'string-kv', options: {}, items: all.filter((i) => i.name.endsWith('c50-ok.txt')), porcupineMs: 107, workers: 2 });
    sets.push({
      name: 'porcupine kv c10-ok, one state',
      model: 'string-kv',
      options: { partitioned: false },
      items: all.filter((i) => i.name.endsWith('c10-ok.txt')),
      porcupineMs: 1332,
    });
  }
  const knossosSets: Array<[string, string, ModelOptions]> = [
    ['cas-register', 'cas-register', { initial: 0, nilReadIsUnknown: true }],
    ['multi-register', 'multi-register', { initial: { x: 0, y: 0 }, nilReadIsUnknown: true }],
    ['mutex', 'mutex', {}],
  ];
  for (const [dir, model, options] of knossosSets) {
    const files: string[] = [];
    for (const kind of ['good', 'bad']) {
      const d = join(kn, dir, kind);
      if (existsSync(d)) for (const f of readdirSync(d).filter((x) => x.endsWith('.edn')).sort()) files.push(join(d, f));
    }
    if (files.length > 0) {
      sets.push({ name: `knossos ${dir}`, model, options, items: await load(files, (f) => f.includes('/good/')) });
    }
  }
  return sets;
}

function generatedSets(): BenchSet[] {
  const sets: BenchSet[] = [];
  for (const operations of [10_000, 100_000]) {
    for (const processes of [5, 20, 50]) {
      const seed = operations + processes;
      sets.push({
        name: `generated ${operations / 1000}k ops, ${processes} processes (seed ${seed})`,
        model: 'cas-register',
        options: {},
        items: () => [{ name: `gen-${operations}-${processes}`, events: generateRegisterHistory({ operations, processes, seed }), expected: true }],
      });
    }
  }
  // Unambiguous histories (every write and cas puts a value of its own), decided without a search.
  for (const [operations, procs] of [[100_000, [10, 50, 100]], [1_000_000, [100]]] as const) {
    for (const processes of procs) {
      const seed = operations + processes;
      sets.push({
        name: `unique values ${operations / 1000}k ops, ${processes} processes, 1% crashed (seed ${seed})`,
        model: 'cas-register',
        options: {},
        items: () => [{ name: `uniq-${operations}-${processes}`, events: generateRegisterHistory({ operations, processes, seed, unique: true, crashRate: 0.01 }), expected: true }],
      });
    }
  }
  // Keyed histories, in one thread and on two worker threads: where threads start to pay.
  for (const [operations, keys] of [[10_000, 10], [40_000, 10], [200_000, 20]] as const) {
    const perKey = operations / keys;
    const seed = operations + keys;
    const items = () => [{ name: `kv-${operations}-${keys}`, events: generateKvHistory({ operations: perKey, processes: 5, seed, keys, valueCount: 5 }), expected: true }];
    const name = `kv ${operations / 1000}k ops, ${keys} keys x 5 processes (seed ${seed})`;
    sets.push({ name, model: 'kv', options: {}, items });
    sets.push({ name: `${name}, 2 workers`, model: 'kv', options: {}, items, workers: 2 });
  }
  // Unambiguous sets and queues (every value added or enqueued once, 1% of adds and enqueues
  // crashed), decided by their procedures; the 10k rows also with the search, for comparison.
  const collections: Array<[string, string, number, number, () => HistoryEvent[]]> = [
    ['set', 'set', 10_000, 10, () => generateSetHistory({ operations: 10_000, processes: 10, seed: 10_010, readPercent: 10 })],
    ['fifo-queue', 'fifo-queue', 10_000, 10, () => generateQueueHistory({ operations: 10_000, processes: 10, seed: 10_010, fifo: true })],
    ['fifo-queue', 'fifo-queue', 100_000, 50, () => generateQueueHistory({ operations: 100_000, processes: 50, seed: 100_050, fifo: true })],
    ['unordered-queue', 'unordered-queue', 10_000, 10, () => generateQueueHistory({ operations: 10_000, processes: 10, seed: 10_010, fifo: false })],
    ['unordered-queue', 'unordered-queue', 100_000, 50, () => generateQueueHistory({ operations: 100_000, processes: 50, seed: 100_050, fifo: false })],
  ];
  for (const [label, model, operations, processes, make] of collections) {
    const name = `unique ${label} ${operations / 1000}k ops, ${processes} processes`;
    const items = () => [{ name: `uniq-${label}-${operations}-${processes}`, events: make(), expected: true }];
    sets.push({ name, model, options: {}, items });
    if (operations <= 10_000) sets.push({ name: `${name} (search)`, model, options: {}, items, method: 'search', timeLimitMs: 20_000 });
  }
  return sets;
}

async function runSet(set: BenchSet): Promise<Row> {
  const items = typeof set.items === 'function' ? set.items() : set.items;
  const totals: number[] = [];
  const cpuTotals: number[] = [];
  const mismatches = new Set<string>();
  let verdicts = '';
  let operations = 0;
  for (let r = 0; r < rounds; r++) {
    let total = 0;
    let cpu = 0;
    const counts = { true: 0, false: 0, unknown: 0 };
    const causes = new Set<string>();
    operations = 0;
    for (const item of items) {
      const model = createModel(set.model, set.options);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const checkOptions = { timeLimitMs: set.timeLimitMs ?? timeLimitMs, ...(set.method ? { method: set.method } : {}) };
      // CPU time of worker threads counts in process.cpuUsage too, so cpu ms stays comparable.
      const result = set.workers
        ? await checkLinearizableParallel(set.model, set.options, item.events, { ...checkOptions, workers: set.workers, minOperations: 0 })
        : checkLinearizable(model, item.events, checkOptions);
      total += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1000;
      operations += result.operationCount;
      counts[String(result.valid) as 'true' | 'false' | 'unknown']++;
      if (result.cause) causes.add(result.cause);
      // 'unknown' is an honest "not decided within the budget", shown in the verdicts; a wrong
      // boolean is a mismatch.
      if (item.expected !== null && typeof result.valid === 'boolean' && result.valid !== item.expected) {
        mismatches.add(`${item.name}: ${String(result.valid)}`);
      }
    }
    totals.push(total);
    cpuTotals.push(cpu);
    verdicts = `${counts.true} valid, ${counts.false} invalid, ${counts.unknown} unknown${causes.size ? ` (${[...causes].join(', ')})` : ''}`;
    // A set that hits the time limit is not worth repeating.
    if (counts.unknown > 0) break;
  }
  const med = median(totals);
  return {
    set: set.name,
    files: items.length,
    operations,
    medianMs: med,
    cpuMedianMs: median(cpuTotals),
    minMs: Math.min(...totals),
    maxMs: Math.max(...totals),
    opsPerSec: operations / (med / 1000),
    porcupineMs: set.porcupineMs ?? null,
    ratio: set.porcupineMs ? med / set.porcupineMs : null,
    verdicts,
    mismatches: [...mismatches],
  };
}

async function main(): Promise<void> {
  const root = corpusDir();
  const sets = root ? await corpusSets(root) : [];
  if (!root) process.stderr.write('corpus not found ($FAULTLINE_CORPUS or ../shared/corpus): only generated histories are measured\n');
  sets.push(...generatedSets());
  const chosen = sets.filter((s) => s.name.includes(only));
  const rows: Row[] = [];
  const loadBefore = loadavg()[0]!;
  if (!asJson) {
    process.stdout.write(`faultline check benchmark: ${rounds} rounds, median total per set, parsing excluded; node ${process.version}; load average ${loadBefore.toFixed(2)}\n`);
    process.stdout.write(`${'set'.padEnd(52)} ${'files'.padStart(5)} ${'ops'.padStart(7)} ${'median ms'.padStart(10)} ${'cpu ms'.padStart(8)} ${'ops/s'.padStart(10)} ${'porcupine'.padStart(10)} ${'ratio'.padStart(6)}  verdicts\n`);
  }
  for (const set of chosen) {
    const row = await runSet(set);
    rows.push(row);
    if (!asJson) {
      process.stdout.write(
        `${row.set.padEnd(52)} ${String(row.files).padStart(5)} ${String(row.operations).padStart(7)} ${row.medianMs.toFixed(1).padStart(10)} ${row.cpuMedianMs.toFixed(1).padStart(8)} ${Math.round(row.opsPerSec).toString().padStart(10)} ${(row.porcupineMs === null ? '-' : row.porcupineMs.toFixed(0)).padStart(10)} ${(row.ratio === null ? '-' : row.ratio.toFixed(2)).padStart(6)}  ${row.verdicts}${row.mismatches.length ? `  MISMATCH: ${row.mismatches.join(', ')}` : ''}\n`,
      );
    }
  }
  const loadAfter = loadavg()[0]!;
  if (asJson) process.stdout.write(JSON.stringify({ rounds, node: process.version, loadAverage: [loadBefore, loadAfter], rows }, null, 2) + '\n');
  else process.stdout.write(`ratio = our median wall time / Porcupine v1.3.0 (Go, same sets, this machine when quiet); below 1 is faster. cpu ms = median CPU time, the fairer figure when the machine is busy. Load average at the end ${loadAfter.toFixed(2)}.\n`);
  if (rows.some((r) => r.mismatches.length > 0)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 255;
});
