/**
 * The status poller: every `STATUS_POLL_MS` while the clients run, it asks each node for its
 * admin `status` (harness/client/status.ts, the same request the nemesis finds the leader with)
 * and records each change as one history event of the harness's process `status`:
 *
 *   {"type":"info","process":"status","f":"cluster-status",
 *    "value":{"leader":"n1","term":3,"nodes":{"n1":{"role":"leader","term":3},"n2":{"role":"follower","term":3},"n3":{"down":"dead"}}}}
 *
 * `leader` is the node that says it leads with the highest term (the first in id order on a tie),
 * or null when none does; a node that did not answer, or that the nemesis left dead or paused, has
 * `down` instead of its role. Events are recorded only when what the nodes say changes; `stop()`
 * records the last status once more with `"end": true`, the moment polling ended, and no event
 * after it. These are no client operations: checkers and statistics leave them out
 * (`isHarnessEvent`); the report draws them as the leader band.
 */
import type { Cluster } from '../cluster/cluster.js';
import { nodeStatuses, type NodeStatus } from '../client/status.js';

/** How often the nodes are asked. */
export const STATUS_POLL_MS = 250;
/** How long a node may take to answer one poll: less than the interval, so that a paused node does not slow the polling. */
const STATUS_TIMEOUT_MS = 200;

/** One node in a `cluster-status` event. */
export type NodeStatusValue = { role: string | null; term: number | null } | { down: NonNullable<NodeStatus['down']> };

/** The value of a `cluster-status` event. */
export interface ClusterStatusValue {
  leader: string | null;
  term: number | null;
  nodes: Record<string, NodeStatusValue>;
  end?: true;
}

/** The event value for one poll's answers. */
export function clusterStatusValue(statuses: readonly NodeStatus[]): ClusterStatusValue {
  let leader: NodeStatus | null = null;
  for (const s of statuses) {
    if (s.role === 'leader' && (leader === null || (s.term ?? -Infinity) > (leader.term ?? -Infinity))) leader = s;
  }
  const nodes: Record<string, NodeStatusValue> = {};
  for (const s of statuses) nodes[s.node] = s.down !== undefined ? { down: s.down } : { role: s.role, term: s.term };
  return { leader: leader?.node ?? null, term: leader?.term ?? null, nodes };
}

/** A poller running: `stop()` resolves once it recorded its last event. */
export interface StatusPoller {
  stop(): Promise<void>;
}

/** Options of `pollStatus`, for tests. */
export interface StatusPollOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

/** Starts polling the cluster; `record` appends one event value to the history. */
export function pollStatus(
  cluster: Pick<Cluster, 'ids' | 'state' | 'clientAddress'>,
  record: (value: ClusterStatusValue) => void,
  options: StatusPollOptions = {},
): StatusPoller {
  const intervalMs = options.intervalMs ?? STATUS_POLL_MS;
  const timeoutMs = options.timeoutMs ?? STATUS_TIMEOUT_MS;
  let stopped = false;
  let wake: (() => void) | null = null;
  let timer: NodeJS.Timeout | undefined;
  let last: ClusterStatusValue | null = null;
  let lastKey = '';
  const done = (async () => {
    while (!stopped) {
      const startedMs = performance.now();
      const value = clusterStatusValue(await nodeStatuses(cluster, timeoutMs));
      // A poll that ends after stop() is not recorded: nothing follows the end event.
      if (stopped) break;
      const key = JSON.stringify(value);
      if (key !== lastKey) {
        record(value);
        last = value;
        lastKey = key;
      }
      const waitMs = Math.max(0, intervalMs - (performance.now() - startedMs));
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      wake = null;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      (wake as (() => void) | null)?.();
      await done;
      if (last !== null) record({ ...last, end: true });
    },
  };
}
