/**
 * Network partitions: one of the shapes of `network/partitions.ts`, cut cleanly (proxy disabled,
 * connections refused) or silently (data held forever). Isolations and halves aim at the leader
 * as often as LEADER_TARGET_P, which then ends on the minority side.
 */
import type { CutMode } from '../../network/network.js';
import { PARTITION_KINDS, partitionLinks, separate, type Link, type PartitionKind } from '../../network/partitions.js';
import { COMBINED_LEADER_P, endedBy, LEADER_TARGET_P, needsLinks } from './common.js';
import type { FaultPackage, FaultTarget } from './types.js';

/** One planned fault: a partition. */
export interface PartitionSpec {
  fault: 'partition';
  kind: PartitionKind;
  mode: CutMode;
  links: Link[];
  description: string;
  target?: FaultTarget;
}

/** Partition shapes that, aimed at the leader, put it on the minority side. */
const LEADER_PARTITION_KINDS: ReadonlySet<PartitionKind> = new Set<PartitionKind>(['isolate', 'halves', 'random-halves']);

/** The `partition` fault package. */
export const partition: FaultPackage<PartitionSpec> = {
  name: 'partition',
  summary: 'cuts links between groups of nodes (halves, isolation, bridge, ring, one way)',
  unusable: (nodeCount) => needsLinks(nodeCount),
  draw(rng, nodes) {
    const kind = rng.pick(PARTITION_KINDS);
    const mode: CutMode = rng.chance(0.5) ? 'clean' : 'silent';
    const { links, description } = partitionLinks(kind, nodes, rng);
    // A leader cut off into a minority is the partition that tests leader election hardest:
    // isolations and halves are aimed at the leader (which ends on the minority side).
    const toLeader = LEADER_PARTITION_KINDS.has(kind) && rng.chance(LEADER_TARGET_P);
    return { fault: 'partition', kind, mode, links, description, ...(toLeader ? { target: 'leader' as const } : {}) };
  },
  // The combined default draws Jepsen's partition targets: half of the time the leader cut off
  // into a minority (alone, or with others), as NODE_TARGET_WEIGHTS draws the leader's two
  // targets for process faults; otherwise any shape, on random nodes.
  drawCombined(rng, nodes) {
    const toLeader = rng.chance(COMBINED_LEADER_P);
    const kind = toLeader ? rng.pick([...LEADER_PARTITION_KINDS]) : rng.pick(PARTITION_KINDS);
    const mode: CutMode = rng.chance(0.5) ? 'clean' : 'silent';
    const { links, description } = partitionLinks(kind, nodes, rng);
    return { fault: 'partition', kind, mode, links, description, ...(toLeader ? { target: 'leader' as const } : {}) };
  },
  aim(spec, leader, nodes) {
    // Isolation: the leader alone. Halves: the leader with the first others in node order, as
    // many as make the smaller half, so the leader is in a minority either way.
    const others = nodes.filter((n) => n !== leader);
    const minority = spec.kind === 'isolate' ? [leader] : [leader, ...others.slice(0, Math.floor(nodes.length / 2) - 1)];
    const rest = nodes.filter((n) => !minority.includes(n));
    return { ...spec, links: separate(minority, rest), description: `${minority.join(',')} | ${rest.join(',')}` };
  },
  async start(spec, { network }) {
    await network?.cut(spec.links, spec.mode);
    return undefined;
  },
  ...endedBy((network) => network.healPartitions()),
  describe: (spec) => `partition ${spec.kind} (${spec.mode}): ${spec.description}`,
  // A cut link is the fault that breaks most replicated systems (Jepsen's first): three times a
  // latency fault's share of the combined default's one place in force.
  combinedWeight: 3,
  style: { color: '#b0001a', label: 'partition' },
};
