/**
 * A bandwidth limit (Toxiproxy's `bandwidth` toxic) on the proxy links of some nodes, at a rate in
 * KB/s drawn from the seeded stream. Drawn by the latency package three times in ten, as
 * Jepsen's packet nemesis draws its rate behaviour among its others.
 */
import type { Link } from '../../network/partitions.js';
import type { MutableRng } from '../../random.js';
import { endedBy, needsLinks, someLinks } from './common.js';
import type { FaultPackage } from './types.js';

/** One planned fault: a bandwidth limit. */
export interface BandwidthSpec {
  fault: 'bandwidth';
  links: Link[];
  rateKBps: number;
  description: string;
  target?: never;
}

/** Rates of a limit (KB/s): low enough that a snapshot or a batch of appends takes seconds. */
const RATE_KBPS = { min: 1, max: 64 } as const;

/** A bandwidth limit on links already drawn. */
export function drawBandwidthOn(on: { links: Link[]; description: string }, rng: MutableRng): BandwidthSpec {
  return { fault: 'bandwidth', links: on.links, rateKBps: rng.int(RATE_KBPS.min, RATE_KBPS.max), description: on.description };
}

/** The `bandwidth` fault package. */
export const bandwidth: FaultPackage<BandwidthSpec> = {
  name: 'bandwidth',
  summary: 'limits the links of some nodes to a few KB/s',
  unusable: (nodeCount) => needsLinks(nodeCount),
  draw: (rng, nodes) => drawBandwidthOn(someLinks(rng, nodes), rng),
  aim: (spec) => spec,
  async start(spec, { network }) {
    await network?.throttle(spec.links, spec.rateKBps);
    return undefined;
  },
  // The proxy removes bandwidth and latency toxics together; the two never overlap, being drawn
  // by one package, one fault at a time.
  ...endedBy((network) => network.healSlowness()),
  describe: (spec) => `bandwidth ${spec.rateKBps} KB/s on ${spec.description}`,
  style: { color: '#bc4c00', label: 'bandwidth limit' },
};
