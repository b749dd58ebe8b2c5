/**
 * Seeded generator of cas-register histories that are linearizable by construction, for the
 * benchmark: each process runs one operation at a time; each operation takes effect at a random
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

/** Generates the events of a cas-register history (values are plain, not [key, value]). */
export function generateRegisterHistory(o: RegisterHistoryOptions): HistoryEvent[] {
  const rng: RandomGenerator = xoroshiro128plus(o.seed);
  const int = (lo: number, hi: number) => unsafeUniformIntDistribution(lo, hi, rng);
  const crashPerMillion = Math.round((o.crashRate ?? 0.01) * 1_000_000);
  const values = o.valueCount ?? 5;
  interface Op {
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
  const ops: Op[] = [];
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
    const crashed = int(0, 999_999) < crashPerMillion;
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
  const timed: Array<{ t: number; e: Omit<HistoryEvent, 'index'> }> = [];
  for (const op of ops) {
    timed.push({ t: op.invoke, e: { type: 'invoke', process: op.process, f: op.f, value: op.value } });
    const done: Omit<HistoryEvent, 'index'> = { type: op.type, process: op.process, f: op.f, value: op.type === 'ok' ? op.out : op.value };
    timed.push({ t: op.complete, e: done });
  }
  timed.sort((a, b) => a.t - b.t);
  return timed.map(({ t, e }, index) => ({ index, time: t, ...e }) as HistoryEvent);
}
