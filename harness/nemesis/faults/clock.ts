/**
 * Clock skew: the node is told to add an offset to its clock, by the admin message
 * `{"type":"admin","action":"clock-offset","ms":n}` on its client port, and to add 0 at the stop.
 *
 * In the combined default (`drawCombined`) a clock fault is, as Jepsen's clock nemesis, a bump
 * (the offset held until the stop, which resets it) or a strobe: the clock flips between the
 * offset and its true time every `strobePeriodMs` until the stop resets it.
 */
import { NdjsonConnection } from '../../client/connection.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { MutableRng } from '../../random.js';
import { joinErrors, LEADER_TARGET_P, logUniformMs, someNodes } from './common.js';
import { holdToClockBound, recordedClockBound } from './clock-bound.js';
import type { FaultPackage, FaultTarget } from './types.js';
import { isMaelstromManifest } from '../../maelstrom/params.js';

/** One planned fault: a clock skew. */
export interface ClockSpec {
  fault: 'clock';
  offsetsMs: Record<string, number>;
  target?: FaultTarget;
  /** Flips between the offsets and 0 every this many ms while in force (a strobe); absent for a bump. */
  strobePeriodMs?: number;
}

/** The strobe period (ms): fast enough to flip many times in a fault, slow enough for the admin round trips. */
const STROBE_PERIOD_MS = { min: 50, max: 1000 } as const;

/** The timers of the strobes in force, by the spec that started them. */
const strobes = new Map<ClockSpec, NodeJS.Timeout>();

function startStrobe(spec: ClockSpec, cluster: Cluster, periodMs: number): void {
  let on = true;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    on = !on;
    const offsets = Object.entries(spec.offsetsMs).map(([n, ms]): [string, number] => [n, on ? ms : 0]);
    // A node being killed or paused misses some flips; the stop sets every clock back anyway.
    void setOffsets(cluster, offsets).finally(() => {
      busy = false;
    });
  }, periodMs);
  timer.unref();
  strobes.set(spec, timer);
}

function stopStrobe(spec: ClockSpec): void {
  clearInterval(strobes.get(spec));
  strobes.delete(spec);
}

/** How long a clock admin message may take. */
const ADMIN_TIMEOUT_MS = 2000;

/** Sends a clock-offset admin message to one node; returns an error text or null. */
export async function setClockOffset(cluster: Cluster, id: string, ms: number): Promise<string | null> {
  const { host, port } = cluster.clientAddress(id);
  let conn: NdjsonConnection;
  try {
    conn = await NdjsonConnection.connect(host, port, ADMIN_TIMEOUT_MS);
  } catch (err) {
    return `${id}: ${(err as Error).message}`;
  }
  try {
    const out = await conn.request({ type: 'admin', action: 'clock-offset', ms }, ADMIN_TIMEOUT_MS);
    if (out.kind !== 'reply') return `${id}: ${out.kind}`;
    if (out.body.type !== 'admin_ok') return `${id}: ${String(out.body.text ?? out.body.type)}`;
    return null;
  } finally {
    conn.close();
  }
}

async function setOffsets(cluster: Cluster, offsetsMs: Iterable<[string, number]>): Promise<string | undefined> {
  return joinErrors(await Promise.all([...offsetsMs].map(([n, ms]) => setClockOffset(cluster, n, ms))));
}

/** The `clock` fault package. */
export const clock: FaultPackage<ClockSpec> = {
  name: 'clock',
  summary: "skews some nodes' clocks by up to a minute either way",
  // A Maelstrom program reads the machine's clock: no admin message reaches it.
  unusable: (_nodeCount, _messageTypes, manifest) => (isMaelstromManifest(manifest) ? "a Maelstrom node reads the machine's clock, which no message can skew" : null),
  draw: (rng, nodes) => drawSkew(rng, nodes),
  drawCombined(rng, nodes, _messageTypes, manifest) {
    const skew = manifest?.clockBoundMs === undefined ? drawSkew(rng, nodes) : drawBoundedSkew(rng, nodes, manifest.clockBoundMs);
    return rng.chance(0.5) ? skew : { ...skew, strobePeriodMs: logUniformMs(rng, STROBE_PERIOD_MS.min, STROBE_PERIOD_MS.max) };
  },
  // With a fault on the leader: a step of the leader's clock, either way, as drawSkew sizes it
  // (the node planned for the fault, or the first, stands in until the leader is found).
  companion(rng, nodes, of, manifest) {
    const planned = (of as { nodes?: readonly string[] }).nodes?.[0] ?? nodes[0] ?? 'n1';
    const bound = manifest?.clockBoundMs;
    const ms = bound === undefined ? drawStepMs(rng) : (rng.chance(0.5) ? 1 : -1) * drawSpreadMs(rng, bound);
    return { fault: 'clock', offsetsMs: { [planned]: ms }, target: 'leader' };
  },
  aim(spec, leader) {
    const ms = Object.values(spec.offsetsMs)[0] ?? 0;
    return { ...spec, offsetsMs: { [leader]: ms } };
  },
  async start(spec, { cluster }) {
    const error = await setOffsets(cluster, Object.entries(spec.offsetsMs));
    if (spec.strobePeriodMs !== undefined) startStrobe(spec, cluster, spec.strobePeriodMs);
    return error;
  },
  stop(spec, { cluster }) {
    stopStrobe(spec);
    return setOffsets(cluster, Object.keys(spec.offsetsMs).map((n) => [n, 0]));
  },
  // Only the nodes skewed and not set back: a system without clock faults may not know the message.
  async heal({ cluster }, inForce) {
    for (const s of inForce) stopStrobe(s);
    const skewed = new Set(inForce.flatMap((s) => Object.keys(s.offsetsMs)));
    return setOffsets(cluster, [...skewed].map((n) => [n, 0]));
  },
  describe: (spec) =>
    `clock ${spec.strobePeriodMs !== undefined ? `strobe every ${spec.strobePeriodMs} ms ` : ''}${Object.entries(spec.offsetsMs).map(([n, ms]) => `${n}${ms >= 0 ? '+' : ''}${ms}ms`).join(' ')}`,
  background: true,
  style: { color: '#6639ba', label: 'clock skew' },
  judge: (results, events, manifest, nodes) => holdToClockBound(results, events, nodes, manifest.clockBoundMs),
  recordedManifest(results) {
    const bound = recordedClockBound(results);
    return bound === undefined ? {} : { clockBoundMs: bound };
  },
};

/** A skew of some nodes (often the leader alone). */
function drawSkew(rng: MutableRng, nodes: readonly string[]): ClockSpec {
    const offsetsMs: Record<string, number> = {};
    const toLeader = rng.chance(LEADER_TARGET_P);
    const chosen = someNodes(rng, nodes, nodes.length);
    for (const n of toLeader ? chosen.slice(0, 1) : chosen) offsetsMs[n] = drawStepMs(rng);
    return { fault: 'clock', offsetsMs, ...(toLeader ? { target: 'leader' as const } : {}) };
}

/**
 * One node's offset: small skews and, half the time, jumps of tens of seconds (as an NTP step or
 * a VM resumed from a snapshot), either way: a clock set back by X keeps a wall-clock deadline
 * alive X longer, long enough to meet the next fault; one set ahead ends it early.
 */
function drawStepMs(rng: MutableRng): number {
  const ms = rng.chance(0.5) ? rng.int(100, 10_000) : rng.int(10_000, 60_000);
  return rng.chance(0.5) ? ms : -ms;
}

/**
 * Against a system's clock bound: the spread between clocks, 3 in 4 draws within it (bound/4 to
 * the bound), 1 in 4 beyond it (up to 3 x bound), so that a correct system is tested near its edge.
 */
function drawSpreadMs(rng: MutableRng, boundMs: number): number {
  return rng.chance(0.75) ? rng.int(Math.max(1, Math.ceil(boundMs / 4)), boundMs) : rng.int(boundMs + 1, 3 * boundMs);
}

/**
 * A skew whose spread is drawn against the bound: one node at the spread, the others skewed the
 * same way by no more, and one node at least left at true time, so the spread is the largest offset.
 */
function drawBoundedSkew(rng: MutableRng, nodes: readonly string[], boundMs: number): ClockSpec {
  const spreadMs = drawSpreadMs(rng, boundMs);
  const sign = rng.chance(0.5) ? 1 : -1;
  const toLeader = rng.chance(LEADER_TARGET_P);
  const chosen = someNodes(rng, nodes, Math.max(1, nodes.length - 1));
  const offsetsMs: Record<string, number> = {};
  (toLeader ? chosen.slice(0, 1) : chosen).forEach((n, i) => {
    offsetsMs[n] = sign * (i === 0 ? spreadMs : rng.int(0, spreadMs));
  });
  return { fault: 'clock', offsetsMs, ...(toLeader ? { target: 'leader' as const } : {}) };
}
