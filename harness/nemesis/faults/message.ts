/**
 * Message faults: the embedded proxy's `ndjson_filter` toxic delays or drops peer messages of the
 * types the system manifest names in `messageTypes` (a slow reply, a lost forward) while the rest
 * of the protocol, heartbeats included, goes on. In the combined default (`drawCombined`) it also
 * duplicates them (a copy sent again later, as a retry that crossed its answer) and reorders them
 * (each held a random time, so they overtake each other: TCP alone never reorders).
 */
import type { Link } from '../../network/partitions.js';
import type { MutableRng } from '../../random.js';
import type { NdjsonAction } from '../../toxiproxy/connect.js';
import { endedBy, needsLinks, someLinks } from './common.js';
import type { FaultPackage } from './types.js';

/** One planned fault: a message fault. */
export interface MessageSpec {
  fault: 'message';
  links: Link[];
  /** Peer message types acted on (from the system manifest's `messageTypes`). */
  types: string[];
  action: NdjsonAction;
  /** How long a delayed message is held (0 for drop; duplicate: when the copy follows; reorder: the most one is held). */
  delayMs: number;
  /** Chance, per matching message, that it is delayed or dropped. */
  probability: number;
  description: string;
  target?: never;
}

/** Delay of a held message: longer than the usual retry timeouts (ms). */
const MESSAGE_DELAY_MS = { min: 300, max: 1500 } as const;

/** What a message fault of the combined default does, each as likely. */
const COMBINED_ACTIONS: readonly NdjsonAction[] = ['drop', 'delay', 'duplicate', 'reorder'];

/** A message fault doing `action` to some types on some links. */
function drawMessageFault(rng: MutableRng, nodes: readonly string[], messageTypes: readonly string[], drawAction: (rng: MutableRng) => NdjsonAction): MessageSpec {
  const { links, description } = someLinks(rng, nodes);
  // Every named type half the time, one of them otherwise: the scenarios this serves (a slow
  // reply, a lost forward) hit some kinds of message while the rest of the protocol goes on.
  const types = rng.chance(0.5) ? [...messageTypes] : [rng.pick(messageTypes)];
  const action = drawAction(rng);
  const delayMs = action === 'drop' ? 0 : rng.int(MESSAGE_DELAY_MS.min, MESSAGE_DELAY_MS.max);
  const probability = rng.pick([0.25, 0.5, 1]);
  return { fault: 'message', links, types, action, delayMs, probability, description };
}

/** The `message` fault package. */
export const message: FaultPackage<MessageSpec> = {
  name: 'message',
  summary: "delays, drops, duplicates or reorders peer messages of the types the manifest's messageTypes names",
  unusable: (nodeCount, messageTypes) => needsLinks(nodeCount) ?? (messageTypes.length > 0 ? null : "message faults need the manifest's messageTypes"),
  draw: (rng, nodes, messageTypes) => drawMessageFault(rng, nodes, messageTypes, (r) => (r.chance(0.75) ? 'delay' : 'drop')),
  drawCombined: (rng, nodes, messageTypes) => drawMessageFault(rng, nodes, messageTypes, (r) => r.pick(COMBINED_ACTIONS)),
  aim: (spec) => spec,
  async start(spec, { network }) {
    await network?.filterMessages(spec.links, spec);
    return undefined;
  },
  // Held messages are delivered.
  ...endedBy((network) => network.healMessages()),
  describe(spec) {
    const share = spec.probability < 1 ? `${Math.round(spec.probability * 100)} % of ` : '';
    const types = spec.types.join(',');
    const what = {
      delay: `delay ${share}${types} by ${spec.delayMs} ms`,
      drop: `drop ${share}${types}`,
      duplicate: `duplicate ${share}${types} ${spec.delayMs} ms later`,
      reorder: `reorder ${share}${types} within ${spec.delayMs} ms`,
    }[spec.action];
    return `${what} on ${spec.description}`;
  },
  background: true,
  style: { color: '#1a7f37', label: 'message faults' },
};
