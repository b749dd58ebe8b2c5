/**
 * The fenced resource process (lockd's `resource` role): `node resource-main.js --config <file>`.
 * It stands for the storage a lock protects (core/resource.ts): a write is accepted only with a
 * fencing token at least as new as the newest accepted for its lock, and `resource_log` returns
 * every accepted write in order, for the fenced-register check. Its state is in memory: a kill
 * of this process loses the log, which the checker then reports as missing, not as a violation.
 *
 * The `no-fencing-token` variant (the cluster's variant, in this process's config too) accepts
 * every write.
 */
import { startClientListener } from '../lib/client-listener.js';
import { ErrorCode, RpcError } from '../lib/errors.js';
import { announceReady, createNode, exitFatal } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { LOCK_RPCS } from '../../workloads/wire/lock-rpc.js';
import { FencedResource } from './core/resource.js';
import { LOCKD_VARIANTS } from './core/types.js';

const rt = createNode(LOCKD_VARIANTS);
const resource = new FencedResource(rt.config.variant !== 'no-fencing-token');

try {
  await startClientListener({
    port: rt.config.clientPort,
    clock: rt.clock,
    logger: rt.logger,
    handler: (req) => {
      const r = decodeClientRequest(LOCK_RPCS, req);
      if (r.type === 'fenced_write') {
        const w = resource.write(r.lock, r.token, r.value);
        return w.accepted ? { type: 'fenced_write_ok', accepted: true, seq: w.seq } : { type: 'fenced_write_ok', accepted: false, newest: w.newest };
      }
      if (r.type === 'resource_log') return { type: 'resource_log_ok', writes: resource.log() };
      throw new RpcError(ErrorCode.notSupported, `${r.type} is served by lockd nodes, not by the fenced resource`);
    },
    status: () => ({ role: 'resource', accepted: resource.log().length }),
  });
} catch (e) {
  exitFatal(rt, `cannot listen on 127.0.0.1:${rt.config.clientPort}: ${(e as Error).message}`);
}
announceReady(rt, 'fenced resource');
