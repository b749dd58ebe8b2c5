/**
 * Fixture `silent`: accepts client connections and reads them, and never answers. Every op the
 * harness sends must end as `info` (or `fail` for reads), and the checker must find nothing wrong.
 *
 *   node dist/systems/_fixtures/silent/main.js --config node.json
 */
import { exitWhenStdinCloses, listen, loadConfig, log, onLines } from '../common.js';

const config = loadConfig();
exitWhenStdinCloses();
let received = 0;
await listen(config.clientPort, (socket) => onLines(socket, () => received++));
await listen(config.peerPort, (socket) => onLines(socket, () => {}));
setInterval(() => log(config.id, `received ${received} requests, answered none`), 2000).unref();
log(config.id, `listening on ${config.clientPort}, will never answer`);
process.stdout.write('ready\n');
