/**
 * Linearizability of an unambiguous register history in O(n log n): no search.
 *
 * A register history is unambiguous when no value is written twice (by a write or by a cas) and
 * no operation writes the initial value. Then every read names the one operation that wrote what
 * it saw, and every ok cas `a -> b` names both the operation that wrote `a` and the fact that `b`
 * came right after `a`. This decides the history without trying orders:
 *
 * 1. **Segments.** Following cas links from each blind write (and from the initial value) gives
 *    chains of values `v1 -> v2 -> ...` that must sit next to each other, in that order, in any
 *    linearization. A segment is such a chain with every read of its values. A crashed write or
 *    cas whose value nobody saw is dropped: it may never have happened, and having happened only
 *    adds constraints. A crashed one whose value was seen did happen, and may end at any time.
 * 2. **Inside a segment**, a greedy pass places each operation at the earliest point its
 *    interval allows after the one it must follow (a read after its value's writer, a cas after
 *    its value's writer and every read of that value). If some operation's point would fall after
 *    its own completion, the segment cannot be laid out at all.
 * 3. **Between segments**, each segment has a zone (Gibbons and Korach 1997; the form used by
 *    Golab, Li and Shah, PODC 2011): f = the earliest completion of its operations, s = the latest
 *    invocation. When f < s the segment must cover [f, s] in any linearization (a forward zone);
 *    otherwise it can shrink to any point of [s, f] (a backward zone). The history is linearizable
 *    iff every segment can be laid out, no two forward zones intersect, and no backward zone lies
 *    inside a forward zone. A segment placed in its own zone can always be laid out from its
 *    latest start (everything in it completes after f), so the argument for one-value clusters
 *    carries over to chains.
 *
 * Cas is why segments exist: treating `cas a -> b` as a read of `a` and a separate write of `b`
 * would let another write fall between them. Failed operations have no effect and are left out
 * before this runs, as by the search; a failed cas's "the value was not `a`" is not used (neither
 * is it by the search).
 *
 * When the procedure finds a violation it names the segments (or the single operation) involved;
 * the caller then asks the search for a counterexample over just those operations, which is small
 * and, by the same theorem, not linearizable on its own.
 */
import type { Operation } from '../history/pair.js';
import { UNKNOWN } from './model.js';

/** A prepared register operation, as a model that can be checked this way exposes it. */
export interface RegisterOp {
  /** 0 read, 1 write, 2 cas. */
  kind: 0 | 1 | 2;
  /** write: the value; cas: from. */
  a: unknown;
  /** cas: to. */
  b: unknown;
  /** read: the value read, or UNKNOWN. */
  read: unknown;
}

/** Why the history is not linearizable, with the operations (positions in the input) involved. */
export interface UnambiguousViolation {
  reason: string;
  /** The operations whose subhistory is already not linearizable. */
  witness: number[];
  /** The operation the explanation names first (its completion is the first anomaly). */
  culprit: number;
}

/** The outcome: `null` when the history is not unambiguous (the search must decide). */
export type UnambiguousOutcome = { valid: true } | { valid: false; violation: UnambiguousViolation };

/** Switches that turn off one rule, so tests can show that each rule is needed. */
export interface UnambiguousRules {
  segments?: boolean;
  layout?: boolean;
  forward?: boolean;
  backward?: boolean;
}

/** A canonical key of a JSON-like value (equal values, equal keys). */
function valueKey(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return `n${v}`;
    case 'string':
      return `s${v}`;
    case 'boolean':
      return `b${v}`;
    case 'undefined':
      return 'null';
    default:
      return `j${JSON.stringify(v)}`;
  }
}

const INIT = -1;

/**
 * Decides an unambiguous register history (the operations of one partition, failed ones left
 * out, as the checker passes them), or returns null when values repeat and it cannot.
 */
export function checkUnambiguousRegister(
  ops: readonly Operation[],
  inputs: readonly RegisterOp[],
  initial: unknown,
  rules: UnambiguousRules = {},
): UnambiguousOutcome | null {
  const n = ops.length;
  const initKey = valueKey(initial);
  // The writer of each value: an op position, or INIT for the initial value.
  const writerOf = new Map<string, number>();
  writerOf.set(initKey, INIT);
  for (let i = 0; i < n; i++) {
    const inp = inputs[i]!;
    if (inp.kind === 0) continue;
    const k = valueKey(inp.kind === 1 ? inp.a : inp.b);
    if (writerOf.has(k)) return null; // a value written twice, or the initial value rewritten
    writerOf.set(k, i);
  }
  // Which writes and cas took effect: every ok one; a crashed one only if its value was seen (read,
  // or taken by a cas that took effect), since one nobody saw may as well never have happened.
  const fromWriter = new Int32Array(n).fill(-2); // cas: the writer of its from-value (-2: none)
  const readers = new Map<number, number[]>();
  const happened: boolean[] = new Array(n).fill(false);
  // For each op that must have happened, the completed op whose result says so (itself when ok):
  // a violation found at a crashed op is reported at that op, which is what cannot be placed.
  const cause = new Int32Array(n).fill(-1);
  const work: number[] = [];
  const mark = (i: number, by: number): void => {
    if (i !== INIT && !happened[i]) {
      happened[i] = true;
      cause[i] = by;
      work.push(i);
    }
  };
  for (let i = 0; i < n; i++) {
    const inp = inputs[i]!;
    if (inp.kind === 0) {
      if (inp.read === UNKNOWN) continue; // a read of nothing known can go anywhere
      const w = writerOf.get(valueKey(inp.read));
      if (w === undefined) return bad('it reads a value that no operation wrote', [i], i);
      let rs = readers.get(w);
      if (!rs) readers.set(w, (rs = []));
      rs.push(i);
      mark(w, i);
      continue;
    }
    if (inp.kind === 2) {
      const w = writerOf.get(valueKey(inp.a));
      if (w !== undefined) fromWriter[i] = w;
    }
    if (ops[i]!.status === 'ok') mark(i, i);
  }
  while (work.length > 0) {
    const i = work.pop()!;
    if (inputs[i]!.kind !== 2) continue;
    const w = fromWriter[i]!;
    // A crashed cas that must have happened (its value was seen) expects a value nobody wrote:
    // the witness is the whole partition, as the observer of its value may be anywhere in it.
    if (w === -2) return bad('its cas expects a value that no operation wrote', ops.map((_, k) => k), i);
    if (w === i) return bad('its cas expects the value it writes itself, which no other operation wrote', [i, cause[i]!], i);
    mark(w, cause[i]!);
  }
  const used: boolean[] = new Array(n).fill(false);
  const consumer = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const inp = inputs[i]!;
    used[i] = inp.kind === 0 ? inp.read !== UNKNOWN : happened[i]!;
    if (inp.kind !== 2 || !happened[i]) continue;
    const w = fromWriter[i]!;
    const prev = consumer.get(w);
    if (prev !== undefined) {
      const witness = w === INIT ? [prev, i] : [w, prev, i];
      return bad('two cas operations took the same value, which no operation wrote again', witness, ops[prev]!.returnPos < ops[i]!.returnPos ? i : prev);
    }
    consumer.set(w, i);
  }

  // Segments: from each head (INIT, or a used blind write), follow consumers.
  const segOf = new Int32Array(n).fill(-1);
  const segments: number[][] = []; // members, in chain order: writer, its readers, next writer...
  const segHeads: number[] = [];
  const chainOf: number[][] = []; // the writers of each segment, in order
  const heads: number[] = [INIT];
  for (let i = 0; i < n; i++) if (used[i] && inputs[i]!.kind === 1) heads.push(i);
  const splitChains = rules.segments === false;
  for (const head of heads) {
    let members: number[] = [];
    let chain: number[] = [];
    let seg = segments.length;
    const start = (): void => {
      seg = segments.length;
      members = [];
      chain = [];
      segments.push(members);
      chainOf.push(chain);
      segHeads.push(head);
    };
    start();
    for (let w = head; ; ) {
      chain.push(w);
      if (w !== INIT) {
        members.push(w);
        segOf[w] = seg;
      }
      for (const r of readers.get(w) ?? []) {
        members.push(r);
        segOf[r] = seg;
      }
      const c = consumer.get(w);
      if (c === undefined) break;
      if (splitChains) {
        // The rule turned off: the cas reads w in this segment and writes in a new one.
        members.push(c);
        start();
      }
      w = c;
    }
  }
  // Ops in no segment: writers reached from no head (a cycle of cas), readers of such values.
  for (let i = 0; i < n; i++) {
    if (used[i] && segOf[i] === -1) {
      return bad('it takes part in a chain of cas operations that no write or initial value starts', [i], i);
    }
  }

  // Layout inside each segment (greedy earliest points), then zones.
  const call = (i: number): number => (i === INIT ? -Infinity : ops[i]!.callPos);
  const ret = (i: number): number => (i === INIT ? -Infinity : ops[i]!.returnPos);
  interface Zone {
    seg: number;
    lo: number;
    hi: number;
  }
  const forward: Zone[] = [];
  const backward: Zone[] = [];
  for (let s = 0; s < segments.length; s++) {
    const chain = chainOf[s]!;
    if (rules.layout !== false) {
      let t = call(chain[0]!);
      for (let k = 0; k < chain.length; k++) {
        const w = chain[k]!;
        let latest = t;
        for (const r of readers.get(w) ?? []) {
          const p = Math.max(t, call(r));
          if (!(p < ret(r))) return bad('it read a value before that value could have been written', witnessOf(s), r);
          latest = Math.max(latest, p);
        }
        const next = chain[k + 1];
        if (next === undefined) break;
        const p = Math.max(latest, call(next));
        if (!(p < ret(next))) return bad('its cas cannot take effect after every read of the value it replaced', witnessOf(s), next);
        t = p;
      }
    }
    let f = Infinity;
    let sMax = -Infinity;
    if (chain[0] === INIT) f = -Infinity;
    for (const m of segments[s]!) {
      f = Math.min(f, ret(m));
      sMax = Math.max(sMax, call(m));
    }
    if (segments[s]!.length === 0) continue; // the initial value, never seen: nothing to place
    if (f < sMax) forward.push({ seg: s, lo: f, hi: sMax });
    else backward.push({ seg: s, lo: sMax, hi: f });
  }
  function witnessOf(...segs: number[]): number[] {
    const out: number[] = [];
    for (const s of segs) for (const m of segments[s]!) out.push(m);
    return out.sort((a, b) => a - b);
  }
  // The op of a segment whose completion shows the conflict: its earliest completed one after lo.
  function culpritOf(s: number, after: number): number {
    let best = -1;
    for (const m of segments[s]!) {
      if (ret(m) > after && (best === -1 || ret(m) < ret(best))) best = m;
    }
    return best === -1 ? segments[s]![0]! : best;
  }
  forward.sort((a, b) => a.lo - b.lo);
  if (rules.forward !== false) {
    for (let k = 1; k < forward.length; k++) {
      const a = forward[k - 1]!;
      const b = forward[k]!;
      if (b.lo < a.hi) {
        return bad('two values each had to stay in place over overlapping times', witnessOf(a.seg, b.seg), culpritOf(b.seg, a.hi));
      }
    }
  }
  if (rules.backward !== false && forward.length > 0) {
    for (const z of backward) {
      // The forward zone that starts last before z starts (they are disjoint, so at most one).
      let lo = 0;
      let hi = forward.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (forward[mid]!.lo < z.lo) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found === -1) continue;
      const fz = forward[found]!;
      if (z.hi < fz.hi) {
        return bad('a value had to be written and seen while another value had to stay in place', witnessOf(fz.seg, z.seg), culpritOf(fz.seg, z.hi));
      }
    }
  }
  return { valid: true };

  function bad(reason: string, witness: number[], culprit: number): UnambiguousOutcome {
    const at = ops[culprit]!.status === 'ok' || cause[culprit]! < 0 ? culprit : cause[culprit]!;
    return { valid: false, violation: { reason, witness: at === culprit || witness.includes(at) ? witness : [...witness, at], culprit: at } };
  }
}
