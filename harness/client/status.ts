/**
 * What each node says of itself: the admin `status` request (docs/protocol.md, section 5), sent
 * to every node on a fresh connection. The nemesis finds the leader for faults aimed at it with
 * it, and the status poller (harness/run/status-poll.ts) records who led, in which term, over a run.
 */
import type { Cluster } from '../cluster/cluster.js';
import { NdjsonConnection } from './connection.js';

/** One node's answer: its role and term as it said them, or why there was none. */
export interface NodeStatus {
  node: string;
  /** `leader`, `follower`, `candidate`... as the node says; null when it did not answer. */
  role: string | null;
  /** Its term (generation), when it says one. */
  term: number | null;
  /** Why there is no answer: the nemesis left it dead or paused, or it did not answer in time. */
  down?: 'dead' | 'paused' | 'no answer';
}

/**
 * Asks every node for its status at once, each within `timeoutMs`; a node the nemesis left dead
 * or paused is not asked. In node id order.
 */
export async function nodeStatuses(cluster: Pick<Cluster, 'ids' | 'state' | 'clientAddress'>, timeoutMs: number): Promise<NodeStatus[]> {
  return Promise.all(
    cluster.ids.map(async (node): Promise<NodeStatus> => {
      const state = cluster.state(node);
      if (state !== 'running') return { node, role: null, term: null, down: state };
      const { host, port } = cluster.clientAddress(node);
      let conn: NdjsonConnection | null = null;
      // A node that went down while it was asked says so rather than `no answer`.
      const silent = (): NodeStatus => {
        const now = cluster.state(node);
        return { node, role: null, term: null, down: now !== 'running' ? now : 'no answer' };
      };
      try {
        conn = await NdjsonConnection.connect(host, port, timeoutMs);
        const out = await conn.request({ type: 'admin', action: 'status' }, timeoutMs);
        if (out.kind !== 'reply' || out.body.type !== 'admin_ok') return silent();
        const { role, term } = out.body;
        return { node, role: typeof role === 'string' ? role : null, term: typeof term === 'number' && Number.isFinite(term) ? term : null };
      } catch {
        return silent();
      } finally {
        conn?.close();
      }
    }),
  );
}

/** The first node (in id order) that says it leads, or null. */
export function leaderOf(statuses: readonly NodeStatus[]): string | null {
  return statuses.find((s) => s.role === 'leader')?.node ?? null;
}
