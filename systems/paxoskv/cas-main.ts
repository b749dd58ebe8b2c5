/**
 * paxoskv's CAS mode shell (core/paxos.ts): see main.ts for the process and its params.
 */
import { join } from 'node:path';
import { RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { numberParam } from '../lib/config.js';
import { ErrorCode, RpcError } from '../lib/errors.js';
import { EXIT_DISK_DAMAGED, exitFatal, type NodeRuntime, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { serveClients, startPeerTransport, startUpdateQueue, WaitingList } from '../lib/shell.js';
import type { PeerMessage as WireMessage } from '../lib/transport.js';
import { Wal, WalCorruptError } from '../lib/wal.js';
import { type AcceptorRecord, type AcceptorSlot, type ClientRequest, DEFAULT_PARAMS, PaxosNode, type PaxosParams, type Variant } from './core/paxos.js';
import { decodePeerMessage } from './peer-decode.js';


/** Runs a node in CAS mode until the process ends. */
export async function runCas(rt: NodeRuntime): Promise<void> {
  const cfg = rt.config;
const log = rt.logger;

const tickMs = withConfigErrors(() => numberParam(cfg, 'tickMs', 10, 1, 10_000));
const params: PaxosParams = withConfigErrors(() => ({
  roundTimeoutTicks: numberParam(cfg, 'roundTimeoutTicks', DEFAULT_PARAMS.roundTimeoutTicks, 1, 100_000),
  backoffMaxTicks: numberParam(cfg, 'backoffMaxTicks', DEFAULT_PARAMS.backoffMaxTicks, 1, 100_000),
  requestTimeoutTicks: numberParam(cfg, 'requestTimeoutTicks', DEFAULT_PARAMS.requestTimeoutTicks, 1, 1_000_000),
  maxPendingRequests: numberParam(cfg, 'maxPendingRequests', DEFAULT_PARAMS.maxPendingRequests, 1, 1_000_000),
}));

// ---------------------------------------------------------------------------- disk

let wal: Wal;
try {
  // An acceptor that forgot a promise or an accepted value can let two values be chosen.
  wal = await Wal.open({ dir: join(cfg.dataDir, 'wal'), strictRecovery: true });
} catch (e) {
  if (e instanceof WalCorruptError) exitFatal(rt, e.message, EXIT_DISK_DAMAGED);
  throw e;
}
const restored = new Map<string, AcceptorSlot>();
for (const rec of wal.recovery.records) {
  let batch: AcceptorRecord[];
  try {
    batch = JSON.parse(rec.data.toString('utf8')) as AcceptorRecord[];
  } catch {
    exitFatal(rt, `write-ahead log record ${rec.index} is not valid JSON`);
  }
  if (!Array.isArray(batch)) exitFatal(rt, `write-ahead log record ${rec.index} is not a list of acceptor changes`);
  for (const r of batch) restored.set(r.k, r.s);
}
log.info(`recovered the acceptor state of ${restored.size} keys from ${wal.recovery.records.length} records`);

// ---------------------------------------------------------------------------- core

const node = new PaxosNode({
  id: cfg.id,
  peers: Object.keys(cfg.peers),
  variant: cfg.variant as Variant,
  params,
  rng: rt.rng.fork(),
  restore: restored,
});

const queue = startUpdateQueue(rt, node, {
  hasReady: (n) => n.hasReady(),
  pass: async (n) => {
    const rd = n.ready();
    for (const m of rd.early) transport.send(m.to, m as unknown as WireMessage);
    waiting.settle(rd.replies);
    if (rd.persist.length > 0) {
      wal.append(Buffer.from(JSON.stringify(rd.persist), 'utf8'));
      await wal.sync();
    }
    for (const m of rd.messages) transport.send(m.to, m as unknown as WireMessage);
    n.advance(rd);
  },
});
const waiting = new WaitingList(queue);

// ---------------------------------------------------------------------------- peers

const transport = await startPeerTransport(rt, decodePeerMessage, (m) => queue.enqueue((n) => n.step(m)));

setInterval(() => queue.enqueue((n) => n.tick()), tickMs);

// ---------------------------------------------------------------------------- clients

/** Keys may be any JSON value; their JSON text is the internal key, so 1 and "1" stay apart. */
function toCoreRequest(req: WireRequest): ClientRequest {
  const r = decodeClientRequest(RPCS, req);
  switch (r.type) {
    case 'read':
      return { type: 'read', key: JSON.stringify(r.key) };
    case 'write':
      return { type: 'write', key: JSON.stringify(r.key), value: r.value };
    case 'cas':
      return { type: 'cas', key: JSON.stringify(r.key), from: r.from, to: r.to };
    default:
      throw new RpcError(ErrorCode.notSupported, `paxoskv serves read, write and cas, not ${r.type}`);
  }
}

  await serveClients(rt, waiting, toCoreRequest, (n, reqId, r) => n.request(reqId, r), () => ({ ...node.status(), transport: transport.stats }), `peers ${Object.keys(cfg.peers).join(',') || '-'}`);
}
