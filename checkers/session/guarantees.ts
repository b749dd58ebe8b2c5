/**
 * The session guarantees of Terry et al. (PDIS 1994) on a kv register history, per client process
 * and key, each broken one a named anomaly with the operations that show it:
 *
 * - `read-your-writes`: a process reads a value older than one it wrote before.
 * - `monotonic-reads`: a process reads a value older than one it read before.
 * - `monotonic-writes`: a process wrote v1, then v2; some process reads v2, then later v1 (or a
 *   value older than v1): the writes took effect out of order.
 * - `writes-follow-reads`: a process read u, then wrote v; some process reads v, then later a value
 *   older than u: the write was ordered before what it depended on.
 *
 * "Older" must be certain without knowing the store's version order: u is older than v when u is
 * the initial value (null) and v is not, or when u's write completed before v's write was invoked
 * (values are unique per key, so a value names its write). Every anomaly found this way is one a
 * linearizable register never shows; a store that keeps only these guarantees may still be far
 * from linearizable.
 *
 *   const r = checkSessions(events);
 *   r.anomalies[0]; // { guarantee, process, key, indices, text }
 */
import type { HistoryEvent } from '../history/types.js';
import { registerOps, type RegOp } from './registers.js';

/** The guarantees, in the order they are reported. */
export const SESSION_GUARANTEES = ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const;
export type SessionGuarantee = (typeof SESSION_GUARANTEES)[number];

/** How many anomalies of each guarantee a result lists (the counts are exact). */
export const SESSION_ANOMALIES_SHOWN = 10;

/** One broken guarantee. */
export interface SessionAnomaly {
  guarantee: SessionGuarantee;
  process: number;
  key: string;
  /** History indices of the completions of the operations that show it, in order. */
  indices: number[];
  text: string;
}

/** The session-guarantee verdict. */
export interface SessionsResult {
  valid: boolean | 'unknown';
  explanation: string;
  counts: Record<SessionGuarantee, number>;
  anomalies: SessionAnomaly[];
  firstAnomaly: { index: number; timeNs: number | null; summary: string } | null;
  operationCount: number;
}

const at = (o: RegOp): number => o.op.complete?.index ?? o.op.invoke.index;

/** Checks the four session guarantees (see the module comment). Throws HistoryError on bad input. */
export function checkSessions(history: readonly HistoryEvent[]): SessionsResult {
  const ops = registerOps(history);
  // The write of each value, per key (values are unique per key; a repeated one is never "older").
  const writes = new Map<string, Map<string, RegOp | null>>();
  for (const [key, perProcess] of ops.byKey) {
    const m = new Map<string, RegOp | null>();
    for (const list of perProcess.values()) for (const o of list) if (o.kind === 'write') m.set(o.value, m.has(o.value) ? null : o);
    writes.set(key, m);
  }
  /** Certainly older: u is the initial value and v is not, or u's write completed before v's began. */
  const older = (key: string, u: string, v: string): boolean => {
    if (u === v) return false;
    if (u === 'null') return true;
    const wu = writes.get(key)?.get(u);
    const wv = writes.get(key)?.get(v);
    if (!wu || !wv || !wu.ok) return false;
    return wu.op.returnPos < wv.op.callPos;
  };
  const all: SessionAnomaly[] = [];
  const push = (guarantee: SessionGuarantee, process: number, key: string, chain: RegOp[], text: string) =>
    all.push({ guarantee, process, key, indices: chain.map(at), text });
  let reads = 0;

  // Per process and key: what it wrote and read before each op.
  for (const [process, list] of ops.byProcess) {
    const wrote = new Map<string, RegOp>();
    const read = new Map<string, RegOp[]>();
    for (const o of list) {
      if (o.kind === 'write') {
        if (o.ok) wrote.set(o.key, o);
        continue;
      }
      reads++;
      const w = wrote.get(o.key);
      if (w && older(o.key, o.value, w.value)) push('read-your-writes', process, o.key, [w, o], `process ${process} wrote ${w.value} to key ${o.key} (event ${at(w)}), then read the older ${o.value} (event ${at(o)})`);
      const before = read.get(o.key) ?? [];
      const newer = before.find((r) => older(o.key, o.value, r.value));
      if (newer) push('monotonic-reads', process, o.key, [newer, o], `process ${process} read ${newer.value} from key ${o.key} (event ${at(newer)}), then the older ${o.value} (event ${at(o)})`);
      before.push(o);
      read.set(o.key, before);
    }
  }
  // Some process reads v, then later `floor` or a value older than it (each key's own lists, so
  // the cost is the key's size, not the history's).
  const laterOlder = (key: string, v: string, floor: string): Array<[RegOp, RegOp]> => {
    const out: Array<[RegOp, RegOp]> = [];
    // Only values written once name their write; a repeated one proves nothing.
    const unique = writes.get(key);
    if (!unique?.get(v) || (floor !== 'null' && !unique.get(floor))) return out;
    for (const list of ops.byKey.get(key)?.values() ?? []) {
      let sawV: RegOp | null = null;
      for (const o of list) {
        if (o.kind !== 'read') continue;
        if (sawV === null) {
          if (o.value === v) sawV = o;
        } else if (o.value === floor || older(key, o.value, floor)) {
          out.push([sawV, o]);
          break;
        }
      }
    }
    return out;
  };
  for (const [process, list] of ops.byProcess) {
    const lastWrite = new Map<string, RegOp>();
    const lastRead = new Map<string, RegOp>();
    for (const o of list) {
      if (o.kind === 'read') {
        lastRead.set(o.key, o);
        continue;
      }
      const prevW = lastWrite.get(o.key);
      if (prevW) {
        for (const [r1, r2] of laterOlder(o.key, o.value, prevW.value)) {
          push('monotonic-writes', process, o.key, [prevW, o, r1, r2], `process ${process} wrote ${prevW.value} then ${o.value} to key ${o.key} (events ${at(prevW)}, ${at(o)}); process ${r1.op.process} read ${o.value} (event ${at(r1)}), then ${r2.value} (event ${at(r2)})`);
        }
      }
      const prevR = lastRead.get(o.key);
      if (prevR && prevR.value !== 'null') {
        for (const [r1, r2] of laterOlder(o.key, o.value, prevR.value)) {
          if (r2.value === prevR.value) continue;
          push('writes-follow-reads', process, o.key, [prevR, o, r1, r2], `process ${process} read ${prevR.value} then wrote ${o.value} to key ${o.key} (events ${at(prevR)}, ${at(o)}); process ${r1.op.process} read ${o.value} (event ${at(r1)}), then the older ${r2.value} (event ${at(r2)})`);
        }
      }
      if (o.ok) lastWrite.set(o.key, o);
    }
  }
  const counts = Object.fromEntries(SESSION_GUARANTEES.map((g) => [g, all.filter((a) => a.guarantee === g).length])) as Record<SessionGuarantee, number>;
  const shown = SESSION_GUARANTEES.flatMap((g) => all.filter((a) => a.guarantee === g).slice(0, SESSION_ANOMALIES_SHOWN));
  const first = [...all].sort((a, b) => a.indices[a.indices.length - 1]! - b.indices[b.indices.length - 1]!)[0];
  const valid: boolean | 'unknown' = all.length > 0 ? false : reads === 0 ? 'unknown' : true;
  const broken = SESSION_GUARANTEES.filter((g) => counts[g] > 0).map((g) => `${g} (${counts[g]})`);
  const explanation =
    valid === true ? `Every session guarantee holds (${reads} reads).` : valid === 'unknown' ? 'No read completed: nothing was tested.' : `Broken: ${broken.join(', ')}. First: ${first!.text}.`;
  const lastIndex = first ? first.indices[first.indices.length - 1]! : null;
  return {
    valid,
    explanation,
    counts,
    anomalies: shown,
    firstAnomaly: first ? { index: lastIndex!, timeNs: history.find((e) => e.index === lastIndex)?.time ?? null, summary: `${first.guarantee}: ${first.text}` } : null,
    operationCount: ops.operationCount,
  };
}
