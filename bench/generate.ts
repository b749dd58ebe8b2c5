/**
 * Seeded generators of register, set and queue histories that are linearizable by construction,
 * for the benchmark: each process runs one operation at a time; each operation takes effect at a random
 * instant inside its [invoke, complete] interval, and its result is what the register held then.
 * Some operations crash (completed by `info`): half of those took effect, half did not. A cas
 * whose `from` does not match fails (`fail`, no effect). A process whose op crashed is retired
 * and replaced by a fresh process id, as in Jepsen.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import type { HistoryEvent } from '../checkers/history/types.js';

/** Options of the generator. */
export interface RegisterHistoryOptions {
  operations: number;
  processes: number;
  seed: number;
  /** Probability that an operation crashes (default 0.01). */
  crashRate?: number;
  /** Values written are 0..valueCount-1 (default 5: few values make the search harder). */
  valueCount?: number;
  /** Make the last read return a value never written, so the history is not linearizable. */
  corruptLastRead?: boolean;
  /**
   * Every write and cas puts a value of its own (an unambiguous history): `valueCount` is then
   * unused, and half the cas expect the value then held (and succeed), half an older one.
   */
  unique?: boolean;
}

/** One generated operation: when it is invoked, takes effect and completes, and how it ended. */
interface TimedOp {
  process: number;
  invoke: number;
  lin: number;
  complete: number;
  f: string;
  value: unknown;
  crashed: boolean;
  takesEffect: boolean;
  type: 'ok' | 'fail' | 'info';
  out: unknown;
}

/**
 * Draws `operations` operations over `processes` processes: a slot, three times, then `draw(k)`
 * for the operation's f and value, then whether it crashes (and, if so, whether it took effect).
 */
function schedule(
  o: { operations: number; processes: number; crashRate?: number },
  int: (lo: number, hi: number) => number,
  draw: (k: number) => { f: string; value: unknown; mayCrash?: boolean },
): TimedOp[] {
  const crashPerMillion = Math.round((o.crashRate ?? 0.01) * 1_000_000);
  const ops: TimedOp[] = [];
  const clock = new Array<number>(o.processes).fill(0);
  const procId = clock.map((_, i) => i);
  let nextProc = o.processes;
  const P = o.processes;
  for (let k = 0; k < o.operations; k++) {
    const slot = int(0, P - 1);
    // Times are scaled by P and offset by the slot, so no two processes share an instant.
    const invoke = clock[slot]! + int(1, 20);
    const lin = invoke + int(1, 50);
    const complete = lin + int(1, 50);
    clock[slot] = complete;
    const { f, value, mayCrash } = draw(k);
    const crashed = int(0, 999_999) < crashPerMillion && mayCrash !== false;
    ops.push({
      process: procId[slot]!,
      invoke: invoke * P + slot,
      lin: lin * P + slot,
      complete: complete * P + slot,
      f,
      value,
      crashed,
      takesEffect: !crashed || int(0, 1) === 0,
      type: 'ok',
      out: value,
    });
    if (crashed) procId[slot] = nextProc++;
  }
  return ops;
}

/** The events of the operations, in time order: an ok completion carries `out`, others the value invoked. */
function emit(ops: readonly TimedOp[]): HistoryEvent[] {
  const timed: Array<{ t: number; e: Omit<HistoryEvent, 'index'> }> = [];
  for (const op of ops) {
    timed.push({ t: op.invoke, e: { type: 'invoke', process: op.process, f: op.f, value: op.value } });
    const done: Omit<HistoryEvent, 'index'> = { type: op.type, process: op.process, f: op.f, value: op.type === 'ok' ? op.out : op.value };
    timed.push({ t: op.complete, e: done });
  }
  timed.sort((a, b) => a.t - b.t);
  return timed.map(({ t, e }, index) => ({ index, time: t, ...e }) as HistoryEvent);
}

/** Generates the events of a cas-register history (values are plain, not [key, value]). */
export function generateRegisterHistory(o: RegisterHistoryOptions): HistoryEvent[] {
  const rng: RandomGenerator = xoroshiro128plus(o.seed);
  const int = (lo: number, hi: number) => unsafeUniformIntDistribution(lo, hi, rng);
  const values = o.valueCount ?? 5;
  const ops = schedule(o, int, (k) => {
    const kind = int(0, 9);
    const f = kind < 4 ? 'read' : kind < 7 ? 'write' : 'cas';
    const value =
      f === 'read'
        ? null
        : o.unique
          ? f === 'write'
            ? 1000 + k
            : [null, 1000 + k]
          : f === 'write'
            ? int(0, values - 1)
            : [int(0, values - 1), int(0, values - 1)];
    return { f, value };
  });
  // Apply the operations in the order they take effect.
  let state: unknown = null;
  const older: unknown[] = [null];
  for (const op of [...ops].sort((a, b) => a.lin - b.lin)) {
    if (o.unique && op.f === 'cas') {
      const to = (op.value as [unknown, number])[1];
      const from = int(0, 1) === 0 ? state : older[int(0, older.length - 1)];
      op.value = [from, to];
      op.out = op.value;
    }
    if (o.unique && op.f !== 'read' && older.length < 64) older.push((op.value as unknown[])[1] ?? op.value);
    if (!op.takesEffect) {
      op.type = 'info';
      continue;
    }
    if (op.f === 'read') op.out = state;
    else if (op.f === 'write') state = op.value;
    else {
      const [from, to] = op.value as [number, number];
      if (state === from) state = to;
      else op.type = 'fail';
    }
    if (op.crashed) op.type = 'info';
  }
  if (o.corruptLastRead) {
    const last = [...ops].reverse().find((op) => op.f === 'read' && op.type === 'ok');
    if (last) last.out = o.unique ? -1 : values + 1;
  }
  return emit(ops);
}

/** Options of the set and queue generators: every value is added or enqueued once. */
export interface CollectionHistoryOptions {
  operations: number;
  processes: number;
  seed: number;
  /** Probability that an add or enqueue crashes (default 0.01); half of those took effect. */
  crashRate?: number;
  /** Share of the operations that read (set) or dequeue (queues), in percent (default 50). */
  readPercent?: number;
  /** Queues: let dequeues crash too (default false: a crashed FIFO dequeue makes the history ambiguous). */
  crashDequeues?: boolean;
  /** Make the history not linearizable: the last ok read misses an element, the last ok dequeue takes a value never enqueued. */
  corrupt?: boolean;
}

/**
 * A set history: `add k` of a value of its own, `read` of the whole set when it takes effect. The
 * reads return whole sets, so the history's size grows with adds times reads: keep it to ten
 * thousand operations or so.
 */
export function generateSetHistory(o: CollectionHistoryOptions): HistoryEvent[] {
  const rng: RandomGenerator = xoroshiro128plus(o.seed);
  const int = (lo: number, hi: number) => unsafeUniformIntDistribution(lo, hi, rng);
  const readPercent = o.readPercent ?? 50;
  const ops = schedule(o, int, (k) => (int(0, 99) < readPercent ? { f: 'read', value: null, mayCrash: false } : { f: 'add', value: k }));
  const members: number[] = [];
  for (const op of [...ops].sort((a, b) => a.lin - b.lin)) {
    if (!op.takesEffect) op.type = 'info';
    else if (op.f === 'add') {
      members.push(op.value as number);
      if (op.crashed) op.type = 'info';
    } else op.out = [...members];
  }
  if (o.corrupt) {
    const last = [...ops].reverse().find((op) => op.f === 'read' && op.type === 'ok' && (op.out as number[]).length > 0);
    if (last) last.out = (last.out as number[]).slice(1);
  }
  return emit(ops);
}

/**
 * A queue history: `enqueue k` of a value of its own, `dequeue` of the head (FIFO) or of a random
 * element (unordered). A dequeue that finds the queue empty fails (no effect), as a definite
 * "empty" error would make it.
 */
export function generateQueueHistory(o: CollectionHistoryOptions & { fifo: boolean }): HistoryEvent[] {
  const rng: RandomGenerator = xoroshiro128plus(o.seed);
  const int = (lo: number, hi: number) => unsafeUniformIntDistribution(lo, hi, rng);
  const readPercent = o.readPercent ?? 50;
  const ops = schedule(o, int, (k) =>
    int(0, 99) < readPercent ? { f: 'dequeue', value: null, mayCrash: o.crashDequeues ?? false } : { f: 'enqueue', value: k },
  );
  // The queue as an array with a moving head (FIFO), or swap-removal (unordered).
  const queue: number[] = [];
  let head = 0;
  for (const op of [...ops].sort((a, b) => a.lin - b.lin)) {
    if (!op.takesEffect) op.type = 'info';
    else if (op.f === 'enqueue') queue.push(op.value as number);
    else if (head === queue.length) op.type = 'fail';
    else if (o.fifo) op.out = queue[head++];
    else {
      const at = int(head, queue.length - 1);
      op.out = queue[at];
      queue[at] = queue[queue.length - 1]!;
      queue.pop();
    }
    if (op.crashed) op.type = 'info';
  }
  if (o.corrupt) {
    const last = [...ops].reverse().find((op) => op.f === 'dequeue' && op.type === 'ok');
    if (last) last.out = -1;
  }
  return emit(ops);
}

/**
 * A kv history over `keys` keys: one cas-register history per key (seeds `seed`, `seed + 1`...,
 * each with its own processes), its values wrapped as `[key, value]` and the keys' events merged
 * in time order, as the `kv` model reads them.
 */
export function generateKvHistory(o: RegisterHistoryOptions & { keys: number }): HistoryEvent[] {
  const merged: HistoryEvent[] = [];
  for (let k = 0; k < o.keys; k++) {
    const key = `k${k}`;
    for (const e of generateRegisterHistory({ ...o, seed: o.seed + k })) {
      merged.push({ ...e, process: (e.process as number) + k * 1_000_000, value: [key, e.value ?? null] });
    }
  }
  merged.sort((a, b) => a.time! - b.time!);
  return merged.map((e, index) => ({ ...e, index }));
}
