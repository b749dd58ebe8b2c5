/** SIGSTOP of some nodes (at most a majority, often the leader), SIGCONT at the stop. */
import { drawNodeTarget, leaderNodes, type NodesSpec, someNodesOrLeader } from './common.js';
import type { FaultPackage } from './types.js';

/** One planned fault: a pause. */
export type PauseSpec = NodesSpec<'pause'>;

/** The `pause` fault package. */
export const pause: FaultPackage<PauseSpec> = {
  name: 'pause',
  summary: 'SIGSTOP of some nodes, SIGCONT at the stop',
  unusable: () => null,
  draw: (rng, nodes) => ({ fault: 'pause', ...someNodesOrLeader(rng, nodes) }),
  drawCombined(rng, nodes) {
    const { drawn: _drawn, ...on } = drawNodeTarget(rng, nodes);
    return { fault: 'pause', ...on };
  },
  aim: (spec, leader, nodes) => ({ ...spec, nodes: leaderNodes(spec.target, leader, nodes) }),
  async start(spec, { cluster }) {
    for (const n of spec.nodes) cluster.pause(n);
    return undefined;
  },
  async stop(spec, { cluster }) {
    for (const n of spec.nodes) cluster.resume(n);
    return undefined;
  },
  async heal({ cluster }) {
    for (const id of cluster.allIds) cluster.resume(id);
    return undefined;
  },
  describe: (spec) => `pause ${spec.nodes.join(',')}`,
  // A paused leader that resumes is the second most telling fault: twice a latency fault's share.
  combinedWeight: 2,
  style: { color: '#0550ae', label: 'pause' },
};
