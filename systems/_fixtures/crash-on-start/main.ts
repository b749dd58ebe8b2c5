/**
 * Fixture `crash-on-start`: logs why and exits with code 1 before it is ever ready. The harness
 * must fail fast, show this log's tail, and exit 255.
 *
 *   node dist/systems/_fixtures/crash-on-start/main.js --config node.json
 */
import { loadConfig, log } from '../common.js';

const config = loadConfig();
log(config.id, 'opening data dir');
log(config.id, `fatal: cannot replay ${config.dataDir}/wal: checksum mismatch at offset 0`);
process.exit(1);
