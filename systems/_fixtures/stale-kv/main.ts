/**
 * Fixture `stale-kv`: like atomic-kv, but reads are answered from a copy of the map that lags
 * behind the writes. Not linearizable: the register workload must catch it.
 *
 *   node dist/systems/_fixtures/stale-kv/main.js --config node.json
 */
import { runKvNode } from '../kv.js';

await runKvNode({ staleReads: true });
