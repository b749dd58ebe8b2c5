/**
 * dynamokv node process: `node main.js --config <file>`. The thin shell around the protocol core
 * (core/dynamo.ts): it owns the sockets, the timer, the disk and the wall clock, and nothing else.
 *
 * - Peers: the Single-Socket Channel transport of systems/lib; every message is decoded
 *   (peer-decode.ts) before the core sees it, and a bad one is dropped and logged.
 * - Clients: `read` and `write` (the register workload; no `cas`: a leaderless quorum store has no
 *   compare-and-set), `set_add` / `set_read` (the set workload), `counter_add` / `counter_read`
 *   (the counter workload), on the client listener; any node coordinates any request.
 * - Disk: a Ready's new replica copies are one Write-Ahead Log record, fsynced BEFORE the Ready's
 *   GetReplies and PutAcks leave (Gets, Puts and client replies go while it syncs). On start the
 *   records are replayed to rebuild every copy; damage the CRCs see is refused (exit 3). Each
 *   start writes a boot record first, so the version-vector dots of this incarnation are new.
 * - Singular Update Queue: ticks, peer messages and client requests are handed to the core one at
 *   a time by a single loop; while a batch is being fsynced new inputs wait.
 * - Wall clock: each request is stamped with `clock.wallMs()` (the nemesis's skew included), which
 *   only the `wallclock` conflict rule (variant lww-wallclock) reads.
 *
 * Params (config `params`): n, r, w (1..9), conflict (`lamport` or `wallclock`), setConflict
 * (`version-vector` or `lamport`), readRepair, tickMs, requestTimeoutTicks, maxPendingRequests,
 * seed, logMessages, snapshotEvery (WAL records between snapshots of the whole store, default
 * 10,000: the segments a snapshot covers are deleted), walSegmentBytes. A variant overrides the
 * parameter it is about.
 */
import { join } from 'node:path';
import { COLLECTION_RPCS, RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { booleanParam, choiceParam, ConfigError, numberParam } from '../lib/config.js';
import { createNode, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { openBatchWal, serveClients, startBatchQueue, startPeerTransport } from '../lib/shell.js';
import { type ClientRequest, DEFAULT_PARAMS, type DynamoParams, DYNAMOKV_VARIANTS, DynamoNode, type Ready, type StoreRecord, type Variant } from './core/dynamo.js';
import type { Stored } from './core/versions.js';
import { decodePeerMessage } from './peer-decode.js';

const rt = createNode(DYNAMOKV_VARIANTS);
const cfg = rt.config;
const log = rt.logger;

const tickMs = withConfigErrors(() => numberParam(cfg, 'tickMs', 10, 1, 10_000));
const walSegmentBytes = withConfigErrors(() => numberParam(cfg, 'walSegmentBytes', 8 << 20, 4096, 1 << 30));
const snapshotEvery = withConfigErrors(() => numberParam(cfg, 'snapshotEvery', 10_000, 1, 1 << 30));
const params: DynamoParams = withConfigErrors(() => {
  const p: DynamoParams = {
    n: numberParam(cfg, 'n', DEFAULT_PARAMS.n, 1, 9),
    r: numberParam(cfg, 'r', DEFAULT_PARAMS.r, 1, 9),
    w: numberParam(cfg, 'w', DEFAULT_PARAMS.w, 1, 9),
    conflict: choiceParam(cfg, 'conflict', ['lamport', 'wallclock'], DEFAULT_PARAMS.conflict),
    setConflict: choiceParam(cfg, 'setConflict', ['version-vector', 'lamport'], DEFAULT_PARAMS.setConflict),
    readRepair: booleanParam(cfg, 'readRepair', DEFAULT_PARAMS.readRepair),
    requestTimeoutTicks: numberParam(cfg, 'requestTimeoutTicks', DEFAULT_PARAMS.requestTimeoutTicks, 1, 1_000_000),
    maxPendingRequests: numberParam(cfg, 'maxPendingRequests', DEFAULT_PARAMS.maxPendingRequests, 1, 1_000_000),
  };
  if (p.r > p.n || p.w > p.n) throw new ConfigError(`params: r (${p.r}) and w (${p.w}) must not exceed n (${p.n})`);
  return p;
});

// ---------------------------------------------------------------------------- disk

// A replica that forgot an acknowledged copy can lose a write that a quorum acknowledged.
const { wal, batches } = await openBatchWal<StoreRecord>(rt, join(cfg.dataDir, 'wal'), 'replica changes', Math.floor(walSegmentBytes));
const restored = new Map<string, Stored>();
let boots = 0;
for (const batch of batches) {
  for (const r of batch) {
    if ('boot' in r) boots = Math.max(boots, r.boot);
    else restored.set(r.k, r.s);
  }
}
log.info(`recovered ${restored.size} keys and ${boots} earlier starts from ${batches.length} records`);

// ---------------------------------------------------------------------------- core

const nodes = [...new Set([cfg.id, ...Object.keys(cfg.peers)])];
const node = new DynamoNode({ id: cfg.id, nodes, variant: cfg.variant as Variant, params, restore: restored, boots });

// The boot record is durable before this incarnation sends anything.
{
  const rd = node.ready();
  wal.append(Buffer.from(JSON.stringify(rd.persist), 'utf8'));
  await wal.sync();
  node.advance(rd);
}

// The core keeps `restored` as its store: a snapshot is every key's copy and this incarnation's boot.
const image = (): StoreRecord[] => [{ boot: boots + 1 }, ...[...restored].map(([k, s]) => ({ k, s }))];
const { queue, waiting } = startBatchQueue<Ready, DynamoNode>(rt, node, wal, () => transport, { everyRecords: Math.floor(snapshotEvery), image });

// ---------------------------------------------------------------------------- peers

const transport = await startPeerTransport(rt, decodePeerMessage, (m) => queue.enqueue((n) => n.step(m)));

setInterval(() => queue.enqueue((n) => n.tick()), tickMs);

// ---------------------------------------------------------------------------- clients

/** The requests served: no cas, no txn (a leaderless quorum has no atomic read-modify-write). */
const SERVED = { read: RPCS.read, write: RPCS.write, ...COLLECTION_RPCS } as const;

/** Keys may be any JSON value; their JSON text is the internal key, so 1 and "1" stay apart. */
function toCoreRequest(req: WireRequest): ClientRequest {
  const r = decodeClientRequest(SERVED, req);
  const key = JSON.stringify(r.key);
  switch (r.type) {
    case 'read':
    case 'set_read':
    case 'counter_read':
      return { type: r.type, key };
    case 'write':
      return { type: 'write', key, value: r.value };
    case 'set_add':
      return { type: 'set_add', key, element: r.element };
    case 'counter_add':
      return { type: 'counter_add', key, delta: r.delta };
  }
}

await serveClients(
  rt,
  waiting,
  toCoreRequest,
  (n, reqId, r) => n.request(reqId, r, rt.clock.wallMs()),
  () => ({ ...node.status(), transport: transport.stats }),
  `n=${params.n} r=${params.r} w=${params.w} peers ${Object.keys(cfg.peers).join(',') || '-'}`,
);
