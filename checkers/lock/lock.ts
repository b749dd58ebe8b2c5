/**
 * Checkers of a lock service's history (the `lock` workload): each op is one holder's whole turn,
 * `lock` (lease, acquire, fenced writes, release), whose ok completion reports the fencing token
 * and, on the holder's monotonic clock from when the request arrived, when the acquire answered
 * (`acquired_ms`), the last lease check that let it go on (`held_until_ms`) and when it answered
 * (`done_ms`). The final `resource_log` op reads the fenced resource's accepted writes.
 *
 * - `mutex`: the lock history, per lock, against the linearizability checker's `mutex` model. Each
 *   turn becomes an acquire and a release whose intervals are the tightest the timings allow in
 *   the harness's time: the acquire ended by `complete - (done_ms - acquired_ms)`, the release
 *   began after `invoke + held_until_ms` (and after the acquire) and ended by the completion. A
 *   turn that crashed is an acquire that may have happened, with no release.
 * - `fenced-register`: in the resource's acceptance order, the tokens of a lock never go down,
 *   so every accepted write carries a token at least as new as every write accepted before it,
 *   and no two holders' writes interleave.
 * - `lease-safety`: no two turns on one lock held it at the same real time. A turn surely held
 *   the lock over [complete - (done_ms - acquired_ms), invoke + held_until_ms] (empty when the
 *   network's delays leave it unsure); two such intervals must not overlap. The holder's stated
 *   margin (`margin_ms`) is what keeps a correct holder's interval inside its lease.
 */
import type { HistoryEvent } from '../history/types.js';
import { isHarnessEvent } from '../history/types.js';
import { checkLinearizable, createModel } from '../linearizable/index.js';

/** A verdict of one checker, with the event it names first. */
export interface LockCheck {
  valid: boolean | 'unknown';
  explanation: string;
  /** The index of the first event the violation involves, or null. */
  firstIndex: number | null;
  [detail: string]: unknown;
}

/** One holder's turn, paired from the history. */
interface Turn {
  process: number;
  lock: string;
  invoke: HistoryEvent;
  complete: HistoryEvent | null;
  status: 'ok' | 'fail' | 'info';
  body: Record<string, unknown> | null;
}

function turns(history: readonly HistoryEvent[]): Turn[] {
  const open = new Map<number, Turn>();
  const out: Turn[] = [];
  for (const e of history) {
    if (isHarnessEvent(e) || e.f !== 'lock') continue;
    const p = e.process as number;
    if (e.type === 'invoke') {
      const v = e.value as { lock?: unknown } | null;
      const t: Turn = { process: p, lock: String(v?.lock ?? ''), invoke: e, complete: null, status: 'info', body: null };
      open.set(p, t);
      out.push(t);
      continue;
    }
    const t = open.get(p);
    if (t === undefined) continue;
    open.delete(p);
    t.complete = e;
    t.status = e.type as Turn['status'];
    const v = e.value as { result?: unknown } | null;
    if (e.type === 'ok' && v !== null && typeof v === 'object' && typeof v.result === 'object' && v.result !== null) t.body = v.result as Record<string, unknown>;
  }
  return out;
}

const NS_PER_MS = 1_000_000;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The bounds of an ok turn in harness ns, or null when it lacks its timings. */
function bounds(t: Turn): { acqEnd: number; relStart: number; end: number; holdStart: number; holdEnd: number } | null {
  if (t.body === null || t.complete === null) return null;
  const acquired = num(t.body.acquired_ms);
  const held = num(t.body.held_until_ms);
  const done = num(t.body.done_ms);
  const inv = t.invoke.time ?? 0;
  const end = t.complete.time ?? 0;
  if (acquired === null || done === null) return null;
  const acqEnd = Math.max(inv, end - (done - acquired) * NS_PER_MS);
  const heldEnd = held === null ? acqEnd : inv + held * NS_PER_MS;
  return { acqEnd, relStart: Math.min(end, Math.max(acqEnd, heldEnd)), end, holdStart: acqEnd, holdEnd: heldEnd };
}

/** The `mutex` checker: per lock, the turns as acquire/release ops against the mutex model. */
export function checkMutex(history: readonly HistoryEvent[], timeLimitMs: number): LockCheck {
  const byLock = new Map<string, Turn[]>();
  for (const t of turns(history)) if (t.status !== 'fail') (byLock.get(t.lock) ?? byLock.set(t.lock, []).get(t.lock)!).push(t);
  const model = createModel('mutex');
  let unknown = false;
  for (const [lock, ts] of byLock) {
    const events: { time: number; ev: Omit<HistoryEvent, 'index'>; from: number }[] = [];
    for (const t of ts) {
      const inv = t.invoke.time ?? 0;
      events.push({ time: inv, ev: { type: 'invoke', process: t.process, f: 'acquire', time: inv }, from: t.invoke.index });
      if (t.status !== 'ok') continue;
      const b = bounds(t);
      if (b === null) continue;
      events.push({ time: b.acqEnd, ev: { type: 'ok', process: t.process, f: 'acquire', time: b.acqEnd }, from: t.complete!.index });
      events.push({ time: b.relStart, ev: { type: 'invoke', process: t.process, f: 'release', time: b.relStart }, from: t.complete!.index });
      events.push({ time: b.end, ev: { type: 'ok', process: t.process, f: 'release', time: b.end }, from: t.complete!.index });
    }
    // Stable by time: one turn's own events keep their order when two times are equal.
    events.sort((a, b) => a.time - b.time);
    const h: HistoryEvent[] = events.map((x, index) => ({ ...x.ev, index }));
    const r = checkLinearizable(model, h, { timeLimitMs });
    if (r.valid === false) {
      const at = r.firstAnomaly ? events[r.firstAnomaly.index]?.from ?? null : null;
      return { valid: false, explanation: `lock ${lock}: the acquisitions and releases are not those of one mutex: ${r.explanation ?? ''}`.trim(), firstIndex: at, lock };
    }
    if (r.valid === 'unknown') unknown = true;
  }
  return unknown
    ? { valid: 'unknown', explanation: 'the mutex search ran out of time on some lock', firstIndex: null }
    : { valid: true, explanation: `${byLock.size} locks behave as mutexes`, firstIndex: null };
}

/** The `lease-safety` checker: no two turns surely held one lock at once. */
export function checkLeaseSafety(history: readonly HistoryEvent[]): LockCheck {
  const byLock = new Map<string, { t: Turn; start: number; end: number }[]>();
  let margin: number | null = null;
  for (const t of turns(history)) {
    if (t.status !== 'ok') continue;
    const b = bounds(t);
    if (b === null || b.holdEnd <= b.holdStart) continue;
    margin ??= num(t.body?.margin_ms);
    (byLock.get(t.lock) ?? byLock.set(t.lock, []).get(t.lock)!).push({ t, start: b.holdStart, end: b.holdEnd });
  }
  let holds = 0;
  for (const [lock, hs] of byLock) {
    hs.sort((a, b) => a.start - b.start);
    holds += hs.length;
    for (let i = 1; i < hs.length; i++) {
      // Sorted by start: an overlap shows with the previous hold that reaches furthest.
      const prev = hs.slice(0, i).reduce((a, b) => (b.end > a.end ? b : a));
      const cur = hs[i]!;
      if (cur.start < prev.end) {
        const ms = (x: number) => (x / NS_PER_MS).toFixed(0);
        return {
          valid: false,
          firstIndex: cur.t.complete!.index,
          lock,
          explanation:
            `lock ${lock} had two holders at once: process ${prev.t.process} (token ${String(prev.t.body?.token)}) held it from ${ms(prev.start)} to at least ${ms(prev.end)} ms, ` +
            `and process ${cur.t.process} (token ${String(cur.t.body?.token)}) from ${ms(cur.start)} ms` + (margin === null ? '' : `, with a stated lease margin of ${margin} ms`),
        };
      }
    }
  }
  return { valid: true, explanation: `${holds} holds with certain bounds, none overlapping on its lock`, firstIndex: null };
}

/** The `fenced-register` checker, on the accepted writes the final `resource_log` read. */
export function checkFencedRegister(history: readonly HistoryEvent[]): LockCheck {
  let log: unknown[] | null = null;
  let at = -1;
  for (const e of history) {
    if (!isHarnessEvent(e) && e.f === 'resource_log' && e.type === 'ok' && Array.isArray(e.value)) {
      log = e.value as unknown[];
      at = e.index;
    }
  }
  if (log === null) return { valid: 'unknown', explanation: "the fenced resource's log was never read", firstIndex: null };
  const newest = new Map<string, { token: number; seq: number }>();
  for (const w of log as { seq: number; lock: string; token: number }[]) {
    const n = newest.get(w.lock);
    if (n !== undefined && w.token < n.token) {
      return {
        valid: false, firstIndex: at, lock: w.lock,
        explanation: `lock ${w.lock}: the resource accepted write ${w.seq} with token ${w.token} after write ${n.seq} with the newer token ${n.token}: a holder that had lost the lock wrote after the next one`,
      };
    }
    newest.set(w.lock, { token: w.token, seq: w.seq });
  }
  return { valid: true, explanation: `${log.length} accepted writes, tokens never going down on any lock`, firstIndex: null, writes: log.length };
}
