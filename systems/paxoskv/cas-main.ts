/**
 * paxoskv's CAS mode shell (core/paxos.ts): see main.ts for the process and its params.
 */
import { join } from 'node:path';
import { RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { numberParam } from '../lib/config.js';
import { ErrorCode, RpcError } from '../lib/errors.js';
import { type NodeRuntime, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { openBatchWal, serveClients, startBatchQueue, startPeerTransport } from '../lib/shell.js';
import { type AcceptorRecord, type AcceptorSlot, type ClientRequest, DEFAULT_PARAMS, PaxosNode, type PaxosParams, type Ready, type Variant } from './core/paxos.js';
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
const walSegmentBytes = withConfigErrors(() => numberParam(cfg, 'walSegmentBytes', 8 << 20, 4096, 1 << 30));
const snapshotEvery = withConfigErrors(() => numberParam(cfg, 'snapshotEvery', 10_000, 1, 1 << 30));

// ---------------------------------------------------------------------------- disk

// An acceptor that forgot a promise or an accepted value can let two values be chosen.
const { wal, batches } = await openBatchWal<AcceptorRecord>(rt, join(cfg.dataDir, 'wal'), 'acceptor changes', Math.floor(walSegmentBytes));
const restored = new Map<string, AcceptorSlot>();
for (const batch of batches) for (const r of batch) restored.set(r.k, r.s);
log.info(`recovered the acceptor state of ${restored.size} keys from ${batches.length} records`);

// ---------------------------------------------------------------------------- core

const node = new PaxosNode({
  id: cfg.id,
  peers: Object.keys(cfg.peers),
  variant: cfg.variant as Variant,
  params,
  rng: rt.rng.fork(),
  restore: restored,
});

// The core keeps `restored` as its acceptor state: a snapshot of it is the newest slot of every key.
const image = (): AcceptorRecord[] => [...restored].map(([k, s]) => ({ k, s }));
const { queue, waiting } = startBatchQueue<Ready, PaxosNode>(rt, node, wal, () => transport, { everyRecords: Math.floor(snapshotEvery), image });

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
