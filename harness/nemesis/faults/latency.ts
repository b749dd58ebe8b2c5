/**
 * Slow links: latency with jitter on the links of some nodes or, three times in ten, a bandwidth
 * limit on them instead (the bandwidth package, a variant of this one).
 */
import type { Link } from '../../network/partitions.js';
import { bandwidth, drawBandwidthOn, type BandwidthSpec } from './bandwidth.js';
import { endedBy, needsLinks, someLinks } from './common.js';
import type { FaultPackage } from './types.js';

/** One planned fault: added latency. */
export interface LatencySpec {
  fault: 'latency';
  links: Link[];
  latencyMs: number;
  jitterMs: number;
  description: string;
  target?: never;
}

/** Added latency (ms): from a slow network to one that outlasts short client timeouts. */
const LATENCY_MS = { min: 20, max: 300 } as const;

/** The `latency` fault package. */
export const latency: FaultPackage<LatencySpec, LatencySpec | BandwidthSpec> = {
  name: 'latency',
  summary: 'latency with jitter, or a bandwidth limit, on the links of some nodes',
  unusable: (nodeCount) => needsLinks(nodeCount),
  draw(rng, nodes) {
    const on = someLinks(rng, nodes);
    if (!rng.chance(0.7)) return drawBandwidthOn(on, rng);
    const latencyMs = rng.int(LATENCY_MS.min, LATENCY_MS.max);
    return { fault: 'latency', links: on.links, latencyMs, jitterMs: rng.int(0, Math.floor(latencyMs / 2)), description: on.description };
  },
  aim: (spec) => spec,
  async start(spec, { network }) {
    await network?.slow(spec.links, spec.latencyMs, spec.jitterMs);
    return undefined;
  },
  ...endedBy((network) => network.healSlowness()),
  describe: (spec) => `latency ${spec.latencyMs}±${spec.jitterMs} ms on ${spec.description}`,
  style: { color: '#7d4e00', label: 'latency' },
  variants: [bandwidth],
};
