/**
 * Message faults: the embedded proxy's `ndjson_filter` toxic delays or drops peer messages of the
 * types the system manifest names in `messageTypes` (a slow reply, a lost forward) while the rest
 * of the protocol, heartbeats included, goes on.
 */
import type { Link } from '../../network/partitions.js';
import { endedBy, needsLinks, someLinks } from './common.js';
import type { FaultPackage } from './types.js';

/** One planned fault: a message fault. */
export interface MessageSpec {
  fault: 'message';
  links: Link[];
  /** Peer message types acted on (from the system manifest's `messageTypes`). */
  types: string[];
  action: 'delay' | 'drop';
  /** How long a delayed message is held (0 for drop). */
  delayMs: number;
  /** Chance, per matching message, that it is delayed or dropped. */
  probability: number;
  description: string;
  target?: never;
}

/** Delay of a held message: longer than the usual retry timeouts (ms). */
const MESSAGE_DELAY_MS = { min: 300, max: 1500 } as const;

/** The `message` fault package. */
export const message: FaultPackage<MessageSpec> = {
  name: 'message',
  summary: "delays or drops peer messages of the types the manifest's messageTypes names",
  unusable: (nodeCount, messageTypes) => needsLinks(nodeCount) ?? (messageTypes.length > 0 ? null : "message faults need the manifest's messageTypes"),
  draw(rng, nodes, messageTypes) {
    const { links, description } = someLinks(rng, nodes);
    // Every named type half the time, one of them otherwise: the scenarios this serves (a slow
    // reply, a lost forward) hit some kinds of message while the rest of the protocol goes on.
    const types = rng.chance(0.5) ? [...messageTypes] : [rng.pick(messageTypes)];
    const action = rng.chance(0.75) ? 'delay' : 'drop';
    const delayMs = action === 'delay' ? rng.int(MESSAGE_DELAY_MS.min, MESSAGE_DELAY_MS.max) : 0;
    const probability = rng.pick([0.25, 0.5, 1]);
    return { fault: 'message', links, types, action, delayMs, probability, description };
  },
  aim: (spec) => spec,
  async start(spec, { network }) {
    await network?.filterMessages(spec.links, spec);
    return undefined;
  },
  // Held messages are delivered.
  ...endedBy((network) => network.healMessages()),
  describe(spec) {
    const share = spec.probability < 1 ? `${Math.round(spec.probability * 100)} % of ` : '';
    const what = spec.action === 'delay' ? `delay ${share}${spec.types.join(',')} by ${spec.delayMs} ms` : `drop ${share}${spec.types.join(',')}`;
    return `${what} on ${spec.description}`;
  },
  style: { color: '#1a7f37', label: 'message faults' },
};
