/**
 * Fixture `silent`: accepts client connections and reads them, and never answers a request (the
 * harness's admin messages still get their answers). Every op the harness sends must end as
 * `info` (or `fail` for reads), and the checker must find nothing wrong.
 *
 *   node dist/systems/_fixtures/silent/main.js --config node.json
 */
import { startClientListener } from '../../lib/client-listener.js';
import { announceReady, createNode, exitFatal } from '../../lib/node.js';
import { Transport } from '../../lib/transport.js';

const rt = createNode(['correct']);
let received = 0;
try {
  await startClientListener({
    port: rt.config.clientPort,
    clock: rt.clock,
    logger: rt.logger,
    handler: () => {
      received++;
      return new Promise(() => {});
    },
    status: () => ({ received }),
  });
  await Transport.start({
    id: rt.config.id,
    peerPort: rt.config.peerPort,
    peers: {},
    logger: rt.logger,
    rng: rt.rng,
    onMessage: () => {},
  });
} catch (e) {
  exitFatal(rt, `cannot listen: ${(e as Error).message}`);
}
setInterval(() => rt.logger.info(`received ${received} requests, answered none`), 2000).unref();
announceReady(rt, 'will never answer');
