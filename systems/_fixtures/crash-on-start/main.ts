/**
 * Fixture `crash-on-start`: logs why and exits with code 1 before it is ever ready. The harness
 * must fail fast, show this log's tail, and exit 255.
 *
 *   node dist/systems/_fixtures/crash-on-start/main.js --config node.json
 */
import { createNode } from '../../lib/node.js';

const rt = createNode(['correct']);
rt.logger.info('opening data dir');
rt.logger.info(`fatal: cannot replay ${rt.config.dataDir}/wal: checksum mismatch at offset 0`);
process.exit(1);
