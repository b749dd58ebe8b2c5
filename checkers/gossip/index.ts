/**
 * Checkers of eventually consistent cluster state (the `metadata` workload on gossip clusters):
 * the guarantees such a system states are not linearizability but these four.
 *
 * - `convergence`: after the heal every node reports the same state (each member's generation and
 *   stamped entries, heartbeats left out) within a bound; the verdict gives the time it took and
 *   the messages the nodes spent until then.
 * - `lost-update`: every acknowledged write, or a newer write of the same key at the same node, is
 *   in the final state of every node.
 * - `coordinator`: every coordinator claim saw a majority of the members it knew; no two claims of
 *   different nodes overlap in real time (two majorities of one membership always intersect), and
 *   so no two overlapping claims give a shard different owners.
 * - `visibility`: the convergence bound while the run goes on: a read made with no fault on (clock
 *   offsets aside) holds every write acknowledged `visibleWithinMs` or more before it, since the
 *   last fault ended.
 *
 * Input: the history, whose final phase holds rounds of `state` reads (one per node a round, the
 * invocation's value `{round}`, the completion's `{round, state}`) and one `claims` read per node.
 * Pure: no I/O.
 */
import { pairOperations, type Operation } from '../history/pair.js';
import { faultStep, faultWindows } from '../history/faults.js';
import type { HistoryEvent } from '../history/types.js';

/** A checker's verdict, as every checker of faultline gives one. */
export interface GossipCheckResult {
  valid: boolean | 'unknown';
  explanation: string;
  /** Where the first anomaly is in the history, when there is one. */
  anomaly?: { index: number; timeNs: number | null; summary: string };
  [detail: string]: unknown;
}

/** One section of a node's state, as the `state` read returns it. */
export interface SectionView {
  gen: number;
  maxVer: number;
  /** Client keys (their JSON text) to [value, version]. */
  data: Record<string, [unknown, number]>;
  /** The protocol's own entries (heartbeat, shard assignment) to [value, version]. */
  sys: Record<string, [unknown, number]>;
}

/** A node's answer to `state`. */
export interface StateView {
  node: string;
  gen: number;
  sections: Record<string, SectionView>;
  sent: Record<string, number>;
  rounds: number;
  /** The node's true wall clock (µs) when it answered: maps claim times onto the history. */
  wallUs: number;
}

/** A coordinator claim, as `claims` returns them. */
export interface ClaimView {
  node: string;
  gen: number;
  fromUs: number;
  toUs: number;
  known: string[];
  seen: string[];
  epoch: number;
  owners: string[];
}

/** Options of the checkers. */
export interface GossipCheckOptions {
  /** How long after the heal every node must report the same state. */
  convergeWithinMs: number;
}

interface StateRead {
  round: number;
  node: string;
  state: StateView;
  op: Operation;
}

function stateReads(ops: readonly Operation[]): StateRead[] {
  const out: StateRead[] = [];
  for (const op of ops) {
    if (op.f !== 'state' || op.status !== 'ok') continue;
    const o = op.output as { round?: unknown; state?: unknown } | null;
    const s = o?.state as StateView | undefined;
    if (typeof o?.round !== 'number' || typeof s !== 'object' || s === null || typeof s.node !== 'string') continue;
    out.push({ round: o.round, node: s.node, state: s, op });
  }
  return out;
}

/** What must be equal in every node's state: each member's generation and entries, heartbeats left out. */
export function comparable(s: StateView): string {
  const members = Object.keys(s.sections).sort();
  return JSON.stringify(
    members.map((m) => {
      const sec = s.sections[m]!;
      const sys = Object.entries(sec.sys).filter(([k]) => k !== '_hb').sort(([a], [b]) => (a < b ? -1 : 1));
      const data = Object.entries(sec.data).sort(([a], [b]) => (a < b ? -1 : 1));
      return [m, sec.gen, sys, data];
    }),
  );
}

/** The time of the last nemesis event (the heal), or null when the run had none. */
function healTimeNs(history: readonly HistoryEvent[]): number | null {
  let t: number | null = null;
  for (const e of history) if (e.process === 'nemesis' && typeof e.time === 'number') t = e.time;
  return t;
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

/** The convergence verdict: the first round in which every node answered with the same state. */
export function checkConvergence(history: readonly HistoryEvent[], nodes: readonly string[], o: GossipCheckOptions): GossipCheckResult {
  const { operations } = pairOperations(history, undefined, { strict: false });
  const reads = stateReads(operations);
  if (reads.length === 0) return { valid: 'unknown', explanation: 'the history holds no final state reads, so convergence was not measured' };
  const byRound = new Map<number, StateRead[]>();
  for (const r of reads) byRound.set(r.round, [...(byRound.get(r.round) ?? []), r]);
  const rounds = [...byRound.keys()].sort((a, b) => a - b);
  const first = byRound.get(rounds[0]!)!;
  const heal = healTimeNs(history) ?? first[0]!.op.invoke.time ?? 0;
  const want = new Set(nodes.length > 0 ? nodes : reads.map((r) => r.node));
  for (const round of rounds) {
    const rs = byRound.get(round)!;
    const answered = new Set(rs.map((r) => r.node));
    if ([...want].some((n) => !answered.has(n))) continue;
    const views = new Set(rs.map((r) => comparable(r.state)));
    if (views.size !== 1) continue;
    const at = Math.max(...rs.map((r) => r.op.complete?.time ?? 0));
    const timeToConvergeMs = Math.max(0, (at - heal) / 1e6);
    // Messages and gossip rounds each node spent from the first final read to this round.
    const base = new Map(first.map((r) => [r.node, r.state]));
    const messages = rs.reduce((a, r) => a + sum(r.state.sent) - sum(base.get(r.node)?.sent ?? {}), 0);
    const gossipRounds = rs.reduce((a, r) => a + r.state.rounds - (base.get(r.node)?.rounds ?? r.state.rounds), 0);
    // Each node's whole life so far: the messages it sends per gossip round (fanout and replies).
    const perRound = rs.reduce((a, r) => a + sum(r.state.sent), 0) / Math.max(1, rs.reduce((a, r) => a + r.state.rounds, 0));
    const detail = { timeToConvergeMs: Math.round(timeToConvergeMs), pollRound: round, messagesSpent: messages, messagesPerNode: Math.round(messages / rs.length), gossipRoundsPerNode: Math.round(gossipRounds / rs.length), messagesPerNodePerRound: Math.round(perRound * 100) / 100 };
    if (timeToConvergeMs > o.convergeWithinMs) {
      const e = rs[rs.length - 1]!.op.complete!;
      return { valid: false, ...detail, explanation: `every node reported the same state only ${detail.timeToConvergeMs} ms after the heal, later than the bound of ${o.convergeWithinMs} ms`, anomaly: { index: e.index, timeNs: e.time ?? null, summary: `converged ${detail.timeToConvergeMs} ms after the heal, bound ${o.convergeWithinMs} ms` } };
    }
    return { valid: true, ...detail, explanation: `every node reported the same state ${detail.timeToConvergeMs} ms after the heal (poll round ${round}), after ${messages} messages since the first final read (${detail.messagesPerNode} per node, ${detail.gossipRoundsPerNode} gossip rounds each; ${detail.messagesPerNodePerRound} messages per node per gossip round over the run)` };
  }
  const last = byRound.get(rounds[rounds.length - 1]!)!;
  const views = new Map<string, string[]>();
  for (const r of last) views.set(comparable(r.state), [...(views.get(comparable(r.state)) ?? []), r.node]);
  const groups = [...views.values()].map((g) => g.join(','));
  const missing = [...want].filter((n) => !last.some((r) => r.node === n));
  const diff = describeDifference(last);
  const e = last[last.length - 1]!.op.complete!;
  const lastAt = ((e.time ?? heal) - heal) / 1e6;
  const summary = `no convergence ${Math.round(lastAt)} ms after the heal: the nodes report ${groups.length} different states (${groups.map((g) => `{${g}}`).join(' vs ')})${missing.length ? `, and ${missing.join(',')} did not answer` : ''}${diff ? `; ${diff}` : ''}`;
  return { valid: false, rounds: rounds.length, groups, explanation: summary, anomaly: { index: e.index, timeNs: e.time ?? null, summary } };
}

/** The first member on which two answers of one round differ, in words. */
function describeDifference(rs: readonly StateRead[]): string | null {
  for (let i = 1; i < rs.length; i++) {
    const a = rs[0]!;
    const b = rs[i]!;
    const members = new Set([...Object.keys(a.state.sections), ...Object.keys(b.state.sections)]);
    for (const m of [...members].sort()) {
      const sa = a.state.sections[m];
      const sb = b.state.sections[m];
      if (sa === undefined || sb === undefined) return `${sa === undefined ? a.node : b.node} holds nothing of ${m}`;
      if (sa.gen !== sb.gen) return `${a.node} holds ${m} at generation ${sa.gen}, ${b.node} at ${sb.gen}`;
      for (const [part, what] of [['data', 'key'], ['sys', 'entry']] as const) {
        for (const k of new Set([...Object.keys(sa[part]), ...Object.keys(sb[part])])) {
          if (k === '_hb') continue;
          const va = sa[part][k];
          const vb = sb[part][k];
          if (JSON.stringify(va) !== JSON.stringify(vb)) return `${m}'s ${what} ${k} is ${JSON.stringify(va ?? null)} at ${a.node} and ${JSON.stringify(vb ?? null)} at ${b.node} ([value, version])`;
        }
      }
    }
  }
  return null;
}

/** The acknowledged (or maybe applied) writes of a history, by the node that took them and the key's JSON text. */
function writesByNodeKey(operations: readonly Operation[]): Map<string, { node: string; key: string; ops: Operation[] }> {
  // A write whose node is unknown (it never answered) took no place we know.
  const writes = new Map<string, { node: string; key: string; ops: Operation[] }>();
  for (const op of operations) {
    if (op.f !== 'write' || op.status === 'fail' || !Array.isArray(op.input)) continue;
    const node = op.complete?.node;
    if (node === undefined) continue;
    const key = JSON.stringify(op.input[0]);
    const id = `${node} ${key}`;
    const had = writes.get(id);
    if (had) had.ops.push(op);
    else writes.set(id, { node, key, ops: [op] });
  }
  return writes;
}

/**
 * The values (JSON text) that show `w` was not lost: its own and those of the writes of its key at
 * its node not known to precede it (those not over before it began).
 */
function valuesNotOlder(ops: readonly Operation[], w: Operation): Set<string> {
  return new Set(ops.filter((x) => x === w || (x.complete?.time ?? Infinity) > (w.invoke.time ?? 0)).map((x) => JSON.stringify((x.input as unknown[])[1])));
}

/**
 * The lost-update verdict: for every acknowledged write of key k at node X, the final state of
 * every node holds in X's section, for k, the value of that write or of a write at X that is
 * not known to precede it (one that was not over before it began).
 */
export function checkLostUpdates(history: readonly HistoryEvent[]): GossipCheckResult {
  const { operations } = pairOperations(history, undefined, { strict: false });
  const reads = stateReads(operations);
  if (reads.length === 0) return { valid: 'unknown', explanation: 'the history holds no final state reads, so no write could be looked for' };
  const finals = new Map<string, StateRead>();
  for (const r of reads) {
    const had = finals.get(r.node);
    if (had === undefined || had.round < r.round) finals.set(r.node, r);
  }
  let checked = 0;
  for (const { node, key, ops } of writesByNodeKey(operations).values()) {
    for (const w of ops) {
      if (w.status !== 'ok') continue;
      checked++;
      const wValue = JSON.stringify((w.input as unknown[])[1]);
      const allowed = valuesNotOlder(ops, w);
      for (const [holder, f] of finals) {
        const entry = f.state.sections[node]?.data[key];
        const held = entry === undefined ? undefined : JSON.stringify(entry[0]);
        if (held !== undefined && allowed.has(held)) continue;
        const summary = `${node} acknowledged the write of ${wValue} to key ${key}, but ${holder}'s final state ${held === undefined ? `holds nothing of that key of ${node}` : `holds ${held}, written at ${node} before it`}`;
        const e = w.complete!;
        return { valid: false, explanation: summary, writesChecked: checked, anomaly: { index: e.index, timeNs: e.time ?? null, summary } };
      }
    }
  }
  return { valid: true, writesChecked: checked, explanation: `every one of the ${checked} acknowledged writes, or a newer write of its key at its node, is in the final state of all ${finals.size} nodes` };
}

/**
 * Whether a nemesis event is of a fault that can hold back a write's spreading: every fault but
 * a clock offset and duplicated messages (the original goes on time).
 */
function holdsBackSpreading(e: HistoryEvent): boolean {
  const step = faultStep(e.f);
  if (step === null || step.action === 'heal') return true;
  if (step.kind === 'clock') return false;
  return !(step.kind === 'message' && (e.value as { action?: unknown } | null)?.action === 'duplicate');
}

/** Options of the visibility checker. */
export interface VisibilityOptions {
  /** How long after its acknowledgement a write must be visible at every node, with no fault on. */
  visibleWithinMs: number;
}

/**
 * The visibility verdict, the convergence bound checked while the run goes on: a read made at
 * any node with no fault on holds every write acknowledged at least `visibleWithinMs` before it,
 * by a write invoked after the last fault ended (or a write of its key at its node not known to
 * precede it). Clock offsets and duplicated messages do not count as faults here: a bound on
 * spreading that holds only while every clock is right is no bound, and a duplicate leaves the
 * original on time.
 * A missing write is reported at the read that missed it.
 */
export function checkVisibility(history: readonly HistoryEvent[], o: VisibilityOptions): GossipCheckResult {
  const { operations } = pairOperations(history, undefined, { strict: false });
  const windows = faultWindows(history.filter((e) => e.process !== 'nemesis' || holdsBackSpreading(e)));
  const boundNs = o.visibleWithinMs * 1e6;
  /** The start of the fault-free stretch `t` lies in, or null when a fault is on at `t`. */
  const stretchStart = (t: number): number | null => {
    let start = 0;
    for (const [a, b] of windows) {
      if (t < a) break;
      if (t < b) return null;
      start = b;
    }
    return start;
  };
  const writes = writesByNodeKey(operations);
  const byKey = new Map<string, { node: string; ops: Operation[] }[]>();
  for (const w of writes.values()) byKey.set(w.key, [...(byKey.get(w.key) ?? []), w]);
  let readsChecked = 0;
  for (const r of operations) {
    if (r.f !== 'read' || r.status !== 'ok' || typeof r.invoke.time !== 'number' || r.complete?.node === undefined) continue;
    const start = stretchStart(r.invoke.time);
    if (start === null || r.invoke.time - start < boundNs) continue;
    const out = r.output as [unknown, unknown] | null;
    if (!Array.isArray(out)) continue;
    const key = JSON.stringify(out[0]);
    const held = (typeof out[1] === 'object' && out[1] !== null ? out[1] : {}) as Record<string, unknown>;
    readsChecked++;
    for (const { node, ops } of byKey.get(key) ?? []) {
      for (const w of ops) {
        if (w.status !== 'ok' || (w.invoke.time ?? -1) < start || (w.complete!.time ?? Infinity) > r.invoke.time - boundNs) continue;
        const got = node in held ? JSON.stringify(held[node]) : undefined;
        if (got !== undefined && valuesNotOlder(ops, w).has(got)) continue;
        const e = r.complete!;
        const ago = ((r.invoke.time - w.complete!.time!) / 1e6).toFixed(0);
        const summary = `${r.complete!.node} answered a read of key ${key} with ${got === undefined ? `nothing of ${node}` : `${got} of ${node}`} ${ago} ms after ${node} acknowledged the write of ${JSON.stringify((w.input as unknown[])[1])} to it, no fault on since before that write (bound ${o.visibleWithinMs} ms)`;
        return { valid: false, readsChecked, explanation: summary, anomaly: { index: e.index, timeNs: e.time ?? null, summary } };
      }
    }
  }
  return { valid: true, readsChecked, explanation: `each of the ${readsChecked} reads made ${o.visibleWithinMs} ms or more into a stretch with no fault (clock offsets aside) holds every write acknowledged that long before it within the stretch` };
}

/**
 * The coordinator verdict over every node's claims: each saw a majority of the members it knew,
 * and no two of different nodes overlap in real time. Claim times are the nodes' true wall clock;
 * they are placed on the history by the `state` answers, which carry the clock of their node.
 */
export function checkCoordinators(history: readonly HistoryEvent[]): GossipCheckResult {
  const { operations } = pairOperations(history, undefined, { strict: false });
  const lists = operations.filter((op) => op.f === 'claims' && op.status === 'ok');
  if (lists.length === 0) return { valid: 'unknown', explanation: 'the history holds no claims reads, so the coordinators were not checked' };
  const byId = new Map<string, ClaimView>();
  for (const op of lists) {
    for (const c of ((op.output as { claims?: unknown } | null)?.claims ?? []) as ClaimView[]) {
      if (typeof c?.node !== 'string' || typeof c.fromUs !== 'number' || typeof c.toUs !== 'number') continue;
      const id = `${c.node}@${c.fromUs}`;
      const had = byId.get(id);
      if (had === undefined || had.toUs < c.toUs) byId.set(id, c);
    }
  }
  const claims = [...byId.values()].sort((a, b) => a.fromUs - b.fromUs);
  // Wall µs minus history µs, from the state answers (the median), to place a claim in the history.
  const offsets = stateReads(operations)
    .filter((r) => typeof r.state.wallUs === 'number' && typeof r.op.complete?.time === 'number')
    .map((r) => r.state.wallUs - r.op.complete!.time! / 1000)
    .sort((a, b) => a - b);
  const offsetUs = offsets.length > 0 ? offsets[Math.floor(offsets.length / 2)]! : null;
  const place = (us: number, summary: string): GossipCheckResult['anomaly'] => {
    if (offsetUs === null) return { index: history[history.length - 1]?.index ?? 0, timeNs: null, summary };
    const timeNs = Math.max(0, Math.round((us - offsetUs) * 1000));
    let index = history[0]?.index ?? 0;
    for (const e of history) if ((e.time ?? 0) <= timeNs) index = e.index;
    return { index, timeNs, summary };
  };
  const fail = (us: number, summary: string): GossipCheckResult => ({ valid: false, claims: claims.length, explanation: summary, anomaly: place(us, summary) });
  const when = (us: number) => (offsetUs === null ? '' : ` at ${((us - offsetUs) / 1e6).toFixed(3)} s`);
  const anomalies: { us: number; summary: string }[] = [];
  for (const c of claims) {
    if (c.seen.length * 2 <= c.known.length) anomalies.push({ us: c.fromUs, summary: `${c.node} acted as coordinator${when(c.fromUs)} seeing only {${c.seen.join(',')}} of {${c.known.join(',')}}, not a majority` });
  }
  for (let i = 0; i < claims.length; i++) {
    for (let j = i + 1; j < claims.length; j++) {
      const a = claims[i]!;
      const b = claims[j]!;
      if (b.fromUs >= a.toUs) continue;
      if (a.node === b.node || !(a.fromUs < b.toUs)) continue;
      const shared = a.seen.filter((m) => b.seen.includes(m));
      const conflict = a.owners.findIndex((o, s) => b.owners[s] !== undefined && b.owners[s] !== o);
      const overlapMs = ((Math.min(a.toUs, b.toUs) - b.fromUs) / 1000).toFixed(0);
      const owners = conflict >= 0 ? `; shard ${conflict} is owned by ${a.owners[conflict]} for ${a.node} and by ${b.owners[conflict]} for ${b.node}` : '';
      anomalies.push({ us: b.fromUs, summary: `${a.node} and ${b.node} were both coordinator for ${overlapMs} ms${when(b.fromUs)}, seeing {${a.seen.join(',')}} and {${b.seen.join(',')}}${shared.length ? ` (both saw ${shared.join(',')})` : ''}${owners}` });
    }
  }
  if (anomalies.length > 0) {
    anomalies.sort((x, y) => x.us - y.us);
    const r = fail(anomalies[0]!.us, anomalies[0]!.summary);
    return { ...r, anomalies: anomalies.length, explanation: `${anomalies[0]!.summary}${anomalies.length > 1 ? ` (and ${anomalies.length - 1} more)` : ''}` };
  }
  const nodes = new Set(claims.map((c) => c.node));
  return { valid: true, claims: claims.length, explanation: `${claims.length} coordinator claims by ${[...nodes].sort().join(', ') || 'no node'}: each saw a majority and none overlapped another node's` };
}
