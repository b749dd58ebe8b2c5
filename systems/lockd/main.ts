/**
 * lockd node process: `node main.js --config <file>`. The thin shell around lockd's core
 * (core/node.ts: the Raft core of systems/raftkv with lockd's state machine, a Consistent Core):
 * sockets, timer, disk and clock, through the same kit as raftkv's shell (systems/raftkv/
 * raft-shell.ts for the WAL and the update loop, systems/lib for the rest).
 *
 * - Clients (workloads/wire/lock-rpc.ts): `grant`, `keepalive`, `revoke`, `acquire`, `release`,
 *   `read`, `write`, `delete`, `watch`, on any node (followers forward to the leader). `lock` runs
 *   one lock holder here (core/holder.ts), as a client library would in the holder's process:
 *   a pause or a skew of this node is a pause or a skew of that holder. `resource_log` passes on
 *   the fenced resource's log.
 * - The fenced resource is a process of the manifest's `resource` role; its address comes in the
 *   config's `roles.resource`.
 *
 * Params (config `params`): the Raft core's (see raftkv), and ttlMs, leaseMarginMs, holdWrites,
 * workMs (the holder's), watchHistoryMax, watchBatchMax, revokeRetryMs.
 */
import { type ClientRequest as WireRequest, startClientListener } from '../lib/client-listener.js';
import { numberParam, ConfigError, parseHostPort } from '../lib/config.js';
import { ErrorCode, RpcError } from '../lib/errors.js';
import { announceReady, createNode, exitFatal, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { RpcClient } from '../lib/rpc-client.js';
import { startPeerTransport } from '../lib/shell.js';
import { LOCK_RPCS } from '../../workloads/wire/lock-rpc.js';
import { openRaftDisk, raftParamsFromConfig, startRaftLoop } from '../raftkv/raft-shell.js';
import { Holder, type HolderAction } from './core/holder.js';
import { LockdNode, type LockdRequest } from './core/node.js';
import { DEFAULT_HOLDER_PARAMS, DEFAULT_LOCKD_PARAMS, LOCKD_VARIANTS, type LockdVariant } from './core/types.js';
import { decodeLockdPeerMessage } from './peer-decode.js';

const rt = createNode(LOCKD_VARIANTS);
const cfg = rt.config;
const variant = cfg.variant as LockdVariant;

const params = raftParamsFromConfig(rt);
const lockd = withConfigErrors(() => {
  const o = {
    ttlMsMin: DEFAULT_LOCKD_PARAMS.ttlMsMin,
    ttlMsMax: DEFAULT_LOCKD_PARAMS.ttlMsMax,
    watchHistoryMax: numberParam(cfg, 'watchHistoryMax', DEFAULT_LOCKD_PARAMS.watchHistoryMax, 1, 10_000_000),
    watchBatchMax: numberParam(cfg, 'watchBatchMax', DEFAULT_LOCKD_PARAMS.watchBatchMax, 1, 100_000),
    revokeRetryMs: numberParam(cfg, 'revokeRetryMs', DEFAULT_LOCKD_PARAMS.revokeRetryMs, 1, 600_000),
  };
  const holder = {
    ttlMs: numberParam(cfg, 'ttlMs', DEFAULT_HOLDER_PARAMS.ttlMs, o.ttlMsMin, o.ttlMsMax),
    marginMs: numberParam(cfg, 'leaseMarginMs', DEFAULT_HOLDER_PARAMS.marginMs, 0, 60_000),
    writes: numberParam(cfg, 'holdWrites', DEFAULT_HOLDER_PARAMS.writes, 1, 1000),
    workMs: numberParam(cfg, 'workMs', DEFAULT_HOLDER_PARAMS.workMs, 0, 60_000),
  };
  if (holder.marginMs >= holder.ttlMs) throw new ConfigError('params.leaseMarginMs must be below params.ttlMs');
  return { o, holder };
});
const disk = await openRaftDisk(rt);

const node = new LockdNode({
  id: cfg.id,
  peers: Object.keys(cfg.peers),
  params,
  clock: rt.clock,
  rng: rt.rng.fork(),
  sessionId: `${cfg.id}@${Date.now().toString(36)}.${rt.rng.int(0, 2 ** 30).toString(36)}`,
  restore: disk.restored,
  lockdVariant: variant,
  lockdParams: lockd.o,
});

const raftLoop = startRaftLoop(rt, node, disk);
const { queue, waiting } = raftLoop;
raftLoop.transport = await startPeerTransport(rt, decodeLockdPeerMessage, (m) => queue.enqueue((n) => n.step(m)));
setInterval(() => queue.enqueue((n) => n.tick()), params.tickMs);

// ---------------------------------------------------------------------------- the fenced resource

const resourceAddr = Object.values(cfg.roles?.resource ?? {})[0];
const resource = resourceAddr === undefined ? null : (() => {
  const { host, port } = parseHostPort('resource', resourceAddr);
  return new RpcClient(host, port);
})();
/** How long a call to the resource may take. */
const RESOURCE_TIMEOUT_MS = 1000;

// ---------------------------------------------------------------------------- clients

type Body = Record<string, unknown> & { type: string };

/** A request handed to the core; its error replies come back as bodies here, not as throws. */
function callCore(req: LockdRequest): Promise<Body> {
  return waiting.submit((n, reqId) => n.request(reqId, req)).then(
    (b) => b,
    (e: unknown) => (e instanceof RpcError ? { type: 'error', code: e.code, text: e.message, ...e.extra } : { type: 'error', code: ErrorCode.crash, text: String(e) }),
  );
}

/** Runs one lock holder (core/holder.ts) to its end: its actions are done here, on real time. */
function runHolder(lock: string, value: unknown): Promise<Body> {
  const h = new Holder({ lock, value, ...lockd.holder, trustsTtl: variant === 'client-trusts-ttl', clock: rt.clock });
  return new Promise<Body>((resolve) => {
    const act = (actions: HolderAction[]): void => {
      for (const a of actions) {
        switch (a.kind) {
          case 'call':
            void callCore(a.req).then((b) => act(h.onReply(a.tag, b)));
            break;
          case 'timer':
            setTimeout(() => act(h.onTimer(a.tag)), a.ms);
            break;
          case 'write':
            if (resource === null) {
              act(h.onWrite(a.tag, null));
              break;
            }
            void resource.call({ type: 'fenced_write', lock: a.lock, token: a.token, value: a.value }, RESOURCE_TIMEOUT_MS).then((o) => {
              act(h.onWrite(a.tag, o.ok && o.body.type === 'fenced_write_ok' ? { accepted: o.body.accepted === true, ...(typeof o.body.seq === 'number' ? { seq: o.body.seq } : {}) } : null));
            });
            break;
          case 'done': {
            const r = a.result;
            if (r.outcome === 'held') resolve({ type: 'error', code: ErrorCode.preconditionFailed, text: `lock ${lock} is held by another lease` });
            else if (r.outcome === 'failed') resolve({ type: 'error', code: r.error?.code ?? ErrorCode.crash, text: r.error?.text ?? 'failed' });
            else if (r.outcome === 'unknown') resolve({ type: 'error', code: ErrorCode.timeout, text: `acquire of ${lock} did not answer: ${r.error?.text ?? ''}` });
            else {
              resolve({
                type: 'lock_ok', token: r.token, lease: r.lease, acquired_ms: r.acquiredMs, held_until_ms: r.heldUntilMs, done_ms: r.doneMs,
                lost: r.lost, released: r.released, writes: r.writes, margin_ms: variant === 'client-trusts-ttl' ? 0 : lockd.holder.marginMs,
              });
            }
            break;
          }
        }
      }
    };
    act(h.start());
  });
}

type Decoded = ReturnType<typeof decodeClientRequest<typeof LOCK_RPCS>>;

function handle(r: Decoded): Promise<Body> {
  switch (r.type) {
    case 'lock':
      return runHolder(r.lock, r.value);
    case 'resource_log':
      if (resource === null) return Promise.resolve({ type: 'error', code: ErrorCode.notSupported, text: 'no fenced resource in this cluster' });
      return resource.call({ type: 'resource_log' }, 5000).then((o) => (o.ok ? o.body : { type: 'error', code: ErrorCode.timeout, text: `the fenced resource did not answer: ${o.why}` }));
    case 'fenced_write':
      return Promise.resolve({ type: 'error', code: ErrorCode.notSupported, text: 'fenced_write is served by the resource role, not by lockd nodes' });
    case 'grant':
      return callCore({ type: 'grant', ttlMs: r.ttl_ms });
    case 'keepalive':
    case 'revoke':
      return callCore({ type: r.type, lease: r.lease });
    case 'acquire':
      return callCore({ type: 'acquire', lock: r.lock, lease: r.lease });
    case 'release':
      return callCore({ type: 'release', lock: r.lock, lease: r.lease, token: r.token });
    case 'read':
      return callCore({ type: 'get', key: r.key });
    case 'write':
      return callCore({ type: 'put', key: r.key, value: r.value, lease: r.lease ?? null }).then((b) => (b.type === 'put_ok' ? { ...b, type: 'write_ok' } : b));
    case 'delete':
      return callCore({ type: 'delete', key: r.key });
    case 'watch':
      return callCore({ type: 'watch', prefix: r.prefix, from: r.from, resume: r.resume === true });
  }
}

/** Errors come back from the core as bodies; the listener wants them thrown. */
async function serve(req: WireRequest): Promise<Body> {
  const b = await handle(decodeClientRequest(LOCK_RPCS, req));
  if (b.type === 'error') {
    const { type: _t, code, text, ...extra } = b;
    throw new RpcError(Number(code), String(text ?? 'error'), extra);
  }
  return b;
}

try {
  await startClientListener({ port: cfg.clientPort, clock: rt.clock, logger: rt.logger, handler: serve, status: () => ({ ...node.status(), transport: raftLoop.transport?.stats }) });
} catch (e) {
  exitFatal(rt, `cannot listen on 127.0.0.1:${cfg.clientPort}: ${(e as Error).message}`);
}
announceReady(rt, `peers ${Object.keys(cfg.peers).join(',') || '-'}; resource ${resourceAddr ?? 'none'}`);
