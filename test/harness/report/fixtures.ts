/**
 * Builds run folders for the report tests from seeded, simulated histories: client processes doing
 * reads, writes and cas on a few keys of a register store, nemesis windows, and node logs with
 * `@msg` lines. Each op takes effect at a point inside its interval and reads see exactly the
 * writes before them, so the history is linearizable unless `staleRead` plants one read that
 * returns an overwritten value.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import prand from 'pure-rand';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import { checkListAppend } from '../../../checkers/transactional/list-append.js';

export interface FixtureOptions {
  seed: number;
  /** Client operations to generate. */
  ops: number;
  /** Concurrent client processes. */
  processes: number;
  keys: number;
  /** Plant one stale read about 70% of the way through (the run is then invalid). */
  staleRead?: boolean;
  /** Use values and names full of markup. */
  nasty?: boolean;
  /** Write node logs with peer messages. */
  messages?: boolean;
  /** Leave results.json out (a run killed before its end). */
  noResults?: boolean;
}

export interface Fixture {
  dir: string;
  events: HistoryEvent[];
  /** History index of the invocation of the planted stale read, or -1. */
  staleInvokeIndex: number;
  /** Key of the stale read. */
  staleKey: string | null;
}

export const NASTY = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

interface SimOp {
  process: number;
  key: string;
  f: 'read' | 'write' | 'cas';
  arg: unknown;
  startNs: number;
  endNs: number;
  linNs: number;
  outcome: 'ok' | 'fail' | 'info';
  result?: unknown;
  applied: boolean;
}

export function makeRunFolder(dir: string, o: FixtureOptions): Fixture {
  let rng = prand.xoroshiro128plus(o.seed);
  const int = (lo: number, hi: number) => {
    const [v, next] = prand.uniformIntDistribution(lo, hi, rng);
    rng = next;
    return v;
  };
  const keyName = (k: number) => (o.nasty && k === 0 ? NASTY : `k${k}`);
  const MS = 1_000_000;
  const sim: SimOp[] = [];
  const clock = new Array<number>(o.processes).fill(0).map(() => int(0, 5) * MS);
  const procId = new Array<number>(o.processes).fill(0).map((_, i) => i);
  let writeCounter = 0;
  for (let i = 0; i < o.ops; i++) {
    const slot = i % o.processes;
    const start = clock[slot]! + int(0, 3) * MS;
    const dur = int(1, 12) * MS + int(0, 999) * 1000;
    const kindRoll = int(0, 99);
    const f = kindRoll < 50 ? 'read' : kindRoll < 85 ? 'write' : 'cas';
    const key = keyName(int(0, o.keys - 1));
    const arg = f === 'read' ? null : f === 'write' ? (o.nasty && i % 7 === 0 ? NASTY + writeCounter++ : writeCounter++) : [int(0, 9), writeCounter++];
    const outcome: SimOp['outcome'] = f !== 'read' && int(0, 99) < 2 ? 'info' : 'ok';
    sim.push({ process: procId[slot]!, key, f, arg, startNs: start, endNs: start + dur, linNs: start + int(0, dur), outcome, applied: false });
    clock[slot] = start + dur;
    if (outcome === 'info') procId[slot] = procId[slot]! + o.processes; // Retired, as Jepsen does.
  }
  // Apply in linearization order. An info write takes effect or not, by a coin toss.
  const state = new Map<string, unknown>();
  for (const op of [...sim].sort((a, b) => a.linNs - b.linNs)) {
    const cur = state.has(op.key) ? state.get(op.key) : null;
    if (op.f === 'read') {
      op.result = cur;
    } else if (op.f === 'write') {
      if (op.outcome === 'ok' || int(0, 1) === 1) { state.set(op.key, op.arg); op.applied = true; }
    } else {
      const [from, to] = op.arg as [unknown, unknown];
      if (cur !== from) {
        if (op.outcome === 'ok') op.outcome = 'fail';
      } else if (op.outcome === 'ok' || int(0, 1) === 1) { state.set(op.key, to); op.applied = true; }
    }
  }
  // Plant a stale read: a read that returns a value from two writes back on its key.
  let stale: SimOp | undefined;
  if (o.staleRead) {
    const from = Math.floor(sim.length * 0.7);
    for (let i = from; i < sim.length && !stale; i++) {
      const op = sim[i]!;
      if (op.f !== 'read' || op.outcome !== 'ok') continue;
      const before = sim.filter((w) => w.key === op.key && w.f === 'write' && w.outcome === 'ok' && w.endNs < op.startNs);
      if (before.length < 3) continue;
      const old = before[before.length - 3]!.arg;
      if (old === op.result) continue;
      op.result = old;
      stale = op;
    }
  }
  // Events, in time order.
  type Ev = { t: number; ev: Omit<HistoryEvent, 'index'> ; sim?: SimOp; invoke?: boolean };
  const evs: Ev[] = [];
  for (const op of sim) {
    const invokeValue = op.f === 'read' ? [op.key, null] : [op.key, op.arg];
    evs.push({ t: op.startNs, ev: { time: op.startNs, type: 'invoke', process: op.process, f: op.f, value: invokeValue }, sim: op, invoke: true });
    const doneValue = op.f === 'read' ? [op.key, op.result] : invokeValue;
    const done: Omit<HistoryEvent, 'index'> = { time: op.endNs, type: op.outcome, process: op.process, f: op.f, value: doneValue, node: `n${(op.process % 3) + 1}` };
    if (op.outcome === 'fail') done.error = [22, 'precondition failed'];
    if (op.outcome === 'info') done.error = [0, 'timeout'];
    evs.push({ t: op.endNs, ev: done, sim: op });
  }
  const endNs = Math.max(...sim.map((s) => s.endNs));
  const faults = ['partition', 'kill', 'pause'];
  const windows: Array<{ kind: string; a: number; b: number }> = [];
  for (let t = 200 * MS, i = 0; t < endNs - 100 * MS; t += 600 * MS, i++) {
    const kind = faults[i % faults.length]!;
    windows.push({ kind, a: t, b: t + 250 * MS });
    evs.push({ t, ev: { time: t, type: 'info', process: 'nemesis', f: `start-${kind}`, value: kind === 'partition' ? [['n1'], ['n2', 'n3']] : ['n2'] } });
    evs.push({ t: t + 250 * MS, ev: { time: t + 250 * MS, type: 'info', process: 'nemesis', f: `stop-${kind}`, value: null } });
  }
  evs.sort((a, b) => a.t - b.t || (a.invoke ? 1 : 0) - (b.invoke ? 1 : 0));
  const events: HistoryEvent[] = evs.map((e, index) => ({ index, ...e.ev }) as HistoryEvent);
  let staleInvokeIndex = -1;
  const indexOf = new Map<SimOp, { invoke: number; done: number }>();
  evs.forEach((e, index) => {
    if (!e.sim) return;
    const r = indexOf.get(e.sim) ?? { invoke: -1, done: -1 };
    if (e.invoke) r.invoke = index; else r.done = index;
    indexOf.set(e.sim, r);
  });
  if (stale) staleInvokeIndex = indexOf.get(stale)!.invoke;

  mkdirSync(join(dir, 'nodes'), { recursive: true });
  const startedAt = '2026-11-24T05:30:00.000Z';
  const system = o.nasty ? `kv${NASTY}` : 'atomic-kv';
  const command = `faultline run --system ${system} --workload register --nemesis partition,kill,pause --seed ${o.seed}`;
  writeFileSync(join(dir, 'run.json'), JSON.stringify({
    system, variant: o.staleRead ? 'stale-reads' : 'correct', workload: 'register', nodes: 3, concurrency: o.processes,
    rateOpsPerSec: 200, timeLimitS: Math.ceil(endNs / 1e9), nemesis: faults, nemesisIntervalS: 0.6, seed: o.seed,
    toxiproxy: 'embedded', opTimeoutMs: 1000, versions: { faultline: '0.1.0', node: process.version }, gitSha: 'f00dfeed',
    startedAt, command,
  }, null, 2));
  writeFileSync(join(dir, 'history.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');

  if (!o.noResults) {
    // The verdict comes from the real linearizability checker, as in a run.
    const lin = checkLinearizable(createModel('kv'), events, { timeLimitMs: 20_000 });
    const fa = lin.firstAnomaly;
    const firstAnomaly = fa ? { index: fa.index, timeNs: events[fa.index]?.time ?? null } : null;
    const count = (t: string) => sim.filter((x) => x.outcome === t).length;
    const lat = sim.filter((x) => x.outcome === 'ok').map((x) => (x.endNs - x.startNs) / MS).sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)] ?? 0;
    const stats = {
      ok: count('ok'), fail: count('fail'), info: count('info'), opsPerSec: count('ok') / (endNs / 1e9),
      latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: lat[lat.length - 1] ?? 0 },
    };
    writeFileSync(join(dir, 'results.json'), JSON.stringify({
      valid: lin.valid, exitCode: lin.valid === true ? 0 : lin.valid === false ? 1 : 2, checkers: { linearizable: lin }, stats, firstAnomaly, durationMs: Math.round(endNs / MS),
    }, null, 2));
  }

  if (o.messages) {
    const t0Us = Date.parse(startedAt) * 1000;
    const logs: Record<string, string[]> = { n1: [], n2: [], n3: [] };
    let id = 0;
    for (let t = 0; t < endNs / 1000; t += 25_000) {
      for (const to of ['n2', 'n3']) {
        id++;
        const type = o.nasty && id === 3 ? NASTY : 'AppendEntries';
        logs.n1!.push(`@msg ${JSON.stringify({ t: t0Us + t, dir: 'send', from: 'n1', to, type, id })}`);
        const cut = windows.some((w) => w.kind === 'partition' && t * 1000 >= w.a && t * 1000 <= w.b);
        if (cut) continue;
        const recvAt = t0Us + t + int(300, 2000);
        logs[to]!.push(`@msg ${JSON.stringify({ t: recvAt, dir: 'recv', from: 'n1', to, type, id })}`);
        logs[to]!.push(`@msg ${JSON.stringify({ t: recvAt + 50, dir: 'send', from: to, to: 'n1', type: 'AppendEntriesOk', id: `r${id}` })}`);
        logs.n1!.push(`@msg ${JSON.stringify({ t: recvAt + int(300, 1500), dir: 'recv', from: to, to: 'n1', type: 'AppendEntriesOk', id: `r${id}` })}`);
      }
    }
    for (const [n, lines] of Object.entries(logs)) writeFileSync(join(dir, 'nodes', `${n}.log`), `${n} listening\n${lines.join('\n')}\n`);
  }
  return { dir, events, staleInvokeIndex, staleKey: stale?.key ?? null };
}

/** A transaction of a fixture run: process, invoke and completion times (ms), values. */
export interface FixtureTxn { p: number; a: number; b: number; inv: unknown[]; out: unknown[] }

/** Elle's G-single example (see makeTxnRunFolder). */
export const G_SINGLE_TXNS: FixtureTxn[] = [
  { p: 0, a: 1, b: 5, inv: [['append', 'x', 1]], out: [['append', 'x', 1]] },
  { p: 1, a: 6, b: 9, inv: [['r', 'x', null], ['append', 'y', 1]], out: [['r', 'x', [1]], ['append', 'y', 1]] },
  { p: 2, a: 2, b: 12, inv: [['append', 'y', 2], ['r', 'x', null]], out: [['append', 'y', 2], ['r', 'x', []]] },
  { p: 0, a: 13, b: 15, inv: [['r', 'y', null]], out: [['r', 'y', [1, 2]]] },
];

/**
 * Write skew, a G2-item cycle of two transactions joined by two opposite rw edges: each read both
 * keys empty and appended to one of them, and a final read saw both appends.
 */
export const WRITE_SKEW_TXNS: FixtureTxn[] = [
  { p: 0, a: 1, b: 6, inv: [['r', 'x', null], ['r', 'y', null], ['append', 'x', 1]], out: [['r', 'x', []], ['r', 'y', []], ['append', 'x', 1]] },
  { p: 1, a: 2, b: 7, inv: [['r', 'x', null], ['r', 'y', null], ['append', 'y', 1]], out: [['r', 'x', []], ['r', 'y', []], ['append', 'y', 1]] },
  { p: 0, a: 8, b: 9, inv: [['r', 'x', null], ['r', 'y', null]], out: [['r', 'x', [1]], ['r', 'y', [1]]] },
];

/**
 * A G0 cycle of n concurrent transactions: Ti appends i to `account-i` and to `account-(i+1)`,
 * and the final reads order each key's two appends so that T1 -ww-> T2 -ww-> ... Tn -ww-> T1.
 */
export function ringTxns(n: number): FixtureTxn[] {
  const key = (i: number) => `account-${((i - 1 + n) % n) + 1}`;
  const txns: FixtureTxn[] = [];
  for (let i = 1; i <= n; i++) {
    const ops = [['append', key(i), i], ['append', key(i + 1), i]];
    txns.push({ p: i, a: 1, b: 10 + i, inv: ops, out: ops });
  }
  // account-(i+1) got Ti's append, then T(i+1)'s; account-1 got Tn's, then T1's.
  const reads = Array.from({ length: n }, (_, j) => {
    const i = j + 1;
    return { inv: ['r', key(i), null], out: ['r', key(i), i === 1 ? [n, 1] : [i - 1, i]] };
  });
  txns.push({ p: 0, a: 30, b: 31, inv: reads.map((r) => r.inv), out: reads.map((r) => r.out) });
  return txns;
}

/**
 * A list-append run (by default Elle's G-single example: T3 read x before T1 appended to it (rw), T2
 * read T1's append (wr), and T3's append to y came after T2's (ww), a cycle with one rw edge.
 * results.json carries the transactional checker's verdict on it.
 */
export function makeTxnRunFolder(dir: string, txns: FixtureTxn[] = G_SINGLE_TXNS): void {
  const MS = 1_000_000;
  const evs: Array<Omit<HistoryEvent, 'index'>> = [];
  for (const t of txns) {
    evs.push({ time: t.a * MS, type: 'invoke', process: t.p, f: 'txn', value: t.inv });
    evs.push({ time: t.b * MS, type: 'ok', process: t.p, f: 'txn', value: t.out });
  }
  evs.push({ time: 3 * MS, type: 'info', process: 'nemesis', f: 'start-partition', value: [['n1'], ['n2', 'n3']] });
  evs.push({ time: 10 * MS, type: 'info', process: 'nemesis', f: 'stop-partition', value: null });
  evs.sort((x, y) => x.time! - y.time!);
  const events = evs.map((e, index) => ({ index, ...e }) as HistoryEvent);
  // The verdict comes from the real transactional checker, as in a run.
  const result = checkListAppend(events, { consistencyModel: 'strict-serializable' });
  const firstTxn = Object.values(result.anomalies).flat()[0] as { txns?: Array<{ eventIndex: number }> } | undefined;
  const faIndex = firstTxn?.txns?.[0]?.eventIndex ?? null;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ system: 'txn-kv', variant: 'read-committed', workload: 'list-append', seed: 1, nemesis: ['partition'], command: 'faultline run --system txn-kv --workload list-append --seed 1' }));
  writeFileSync(join(dir, 'history.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(join(dir, 'results.json'), JSON.stringify({
    valid: result.valid, exitCode: result.valid === false ? 1 : 0, checkers: { 'list-append': result },
    firstAnomaly: faIndex === null ? null : { index: faIndex, timeNs: events[faIndex]?.time ?? null },
  }));
}

/**
 * A maker of small run folders under `work`: each call writes the given files (names may hold
 * subfolders) into a new folder and returns it.
 */
export function folderMaker(work: string): (files: Record<string, string>) => string {
  let n = 0;
  return (files) => {
    const dir = join(work, `f${n++}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };
}

/** History events as JSON Lines, each given its position as `index`. */
export const historyLines = (evs: object[]): string => evs.map((e, index) => JSON.stringify({ index, ...e })).join('\n') + '\n';
