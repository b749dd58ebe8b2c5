/**
 * Fixture `atomic-kv`: one process (n1) holds the map; the others forward to it over the peer
 * links. Always linearizable, whatever the faults: the harness must never raise a false alarm.
 *
 *   node dist/systems/_fixtures/atomic-kv/main.js --config node.json
 */
import { runKvNode } from '../kv.js';

await runKvNode({ staleReads: false });
