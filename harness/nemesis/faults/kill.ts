/** kill -9 of some nodes (at most a majority, often the leader), restarted with the same data dir at the stop. */
import { drawNodeTarget, leaderNodes, type NodesSpec, settledErrors, someNodesOrLeader } from './common.js';
import type { FaultPackage } from './types.js';

/** One planned fault: a kill -9. */
export type KillSpec = NodesSpec<'kill'>;

/** The `kill` fault package. */
export const kill: FaultPackage<KillSpec> = {
  name: 'kill',
  summary: 'kill -9 of some nodes, restarted with their data at the stop',
  unusable: () => null,
  draw: (rng, nodes) => ({ fault: 'kill', ...someNodesOrLeader(rng, nodes) }),
  drawCombined(rng, nodes) {
    const { drawn: _drawn, ...on } = drawNodeTarget(rng, nodes);
    return { fault: 'kill', ...on };
  },
  aim: (spec, leader, nodes) => ({ ...spec, nodes: leaderNodes(spec.target, leader, nodes) }),
  async start(spec, { cluster }) {
    await Promise.all(spec.nodes.map((n) => cluster.kill(n)));
    return undefined;
  },
  async stop(spec, { cluster }) {
    return settledErrors(await Promise.allSettled(spec.nodes.map((n) => cluster.restart(n))));
  },
  // Every dead node, whether this nemesis killed it or it crashed: the final reads need them all.
  async heal({ cluster }) {
    return settledErrors(await Promise.allSettled(cluster.allIds.map((id) => cluster.restart(id))));
  },
  describe: (spec) => `kill -9 ${spec.nodes.join(',')}`,
  // Crashes and restarts: twice a latency fault's share of the combined default.
  combinedWeight: 2,
  style: { color: '#333333', label: 'kill -9' },
};
