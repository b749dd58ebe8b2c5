/**
 * Clock skew: the node is told to add an offset to its clock, by the admin message
 * `{"type":"admin","action":"clock-offset","ms":n}` on its client port, and to add 0 at the stop.
 */
import { NdjsonConnection } from '../../client/connection.js';
import type { Cluster } from '../../cluster/cluster.js';
import { joinErrors, LEADER_TARGET_P, someNodes } from './common.js';
import type { FaultPackage, FaultTarget } from './types.js';

/** One planned fault: a clock skew. */
export interface ClockSpec {
  fault: 'clock';
  offsetsMs: Record<string, number>;
  target?: FaultTarget;
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
  unusable: () => null,
  draw(rng, nodes) {
    const offsetsMs: Record<string, number> = {};
    const toLeader = rng.chance(LEADER_TARGET_P);
    const chosen = someNodes(rng, nodes, nodes.length);
    for (const n of toLeader ? chosen.slice(0, 1) : chosen) {
      // Small skews and, half the time, jumps of tens of seconds (as an NTP step or a VM
      // resumed from a snapshot): a clock set back by X keeps a wall-clock deadline alive X
      // longer, long enough to meet the next fault.
      const ms = rng.chance(0.5) ? rng.int(100, 10_000) : rng.int(10_000, 60_000);
      offsetsMs[n] = rng.chance(0.5) ? ms : -ms;
    }
    return { fault: 'clock', offsetsMs, ...(toLeader ? { target: 'leader' as const } : {}) };
  },
  aim(spec, leader) {
    const ms = Object.values(spec.offsetsMs)[0] ?? 0;
    return { ...spec, offsetsMs: { [leader]: ms } };
  },
  start: (spec, { cluster }) => setOffsets(cluster, Object.entries(spec.offsetsMs)),
  stop: (spec, { cluster }) => setOffsets(cluster, Object.keys(spec.offsetsMs).map((n) => [n, 0])),
  // Only the nodes skewed and not set back: a system without clock faults may not know the message.
  async heal({ cluster }, inForce) {
    const skewed = new Set(inForce.flatMap((s) => Object.keys(s.offsetsMs)));
    return setOffsets(cluster, [...skewed].map((n) => [n, 0]));
  },
  describe: (spec) => `clock ${Object.entries(spec.offsetsMs).map(([n, ms]) => `${n}${ms >= 0 ? '+' : ''}${ms}ms`).join(' ')}`,
  style: { color: '#6639ba', label: 'clock skew' },
};
