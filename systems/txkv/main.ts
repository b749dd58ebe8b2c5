/**
 * txkv data node process (the manifest's main nodes): `node main.js --config <file>`. The thin
 * shell around core/node.ts (Two-Phase Commit over Fixed Partitions):
 *
 * - Clients: `txn` (docs/protocol.md) on any data node, which coordinates it.
 * - Peers: the other data nodes, over the Single-Socket Channel transport; every message is
 *   decoded (peer-decode.ts) before the core sees it.
 * - Disk: every Ready's records (prepare, decision, done) are one Write-Ahead Log record, fsynced
 *   before the votes, decisions and replies that depend on them leave (systems/lib/shell.ts,
 *   `startBatchQueue`); a restart replays the log into the core.
 * - Consistent Core: every `mapPollMs` the node reads the partition map from a process of the
 *   `core` role (the config's `roles.core`), writes the initial map there if there is none, and
 *   hands a newer version to the core.
 *
 * Params (config `params`): tickMs, mapPollMs, voteTimeoutTicks, queryTicks, resendTicks,
 * conflictRetries, maxActive, seed, logMessages.
 */
import { RPCS } from '../../workloads/wire/rpc.js';
import { numberParam, parseHostPort } from '../lib/config.js';
import { ErrorCode } from '../lib/errors.js';
import { createNode, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { RpcClient } from '../lib/rpc-client.js';
import { openBatchWal, serveClients, startBatchQueue, startPeersAndTicks } from '../lib/shell.js';
import type { Transport } from '../lib/transport.js';
import { TxkvNode } from './core/node.js';
import { DEFAULT_TXKV_PARAMS, initialMap, PARTITIONS, type PartitionMap, TXKV_VARIANTS, type TxkvRecord, type TxkvVariant } from './core/types.js';
import { decodeTxkvPeerMessage } from './peer-decode.js';

const rt = createNode(TXKV_VARIANTS);
const cfg = rt.config;
const p = withConfigErrors(() => ({
  tickMs: numberParam(cfg, 'tickMs', 10, 1, 10_000),
  mapPollMs: numberParam(cfg, 'mapPollMs', 500, 10, 600_000),
  voteTimeoutTicks: numberParam(cfg, 'voteTimeoutTicks', DEFAULT_TXKV_PARAMS.voteTimeoutTicks, 1, 1_000_000),
  queryTicks: numberParam(cfg, 'queryTicks', DEFAULT_TXKV_PARAMS.queryTicks, 1, 1_000_000),
  resendTicks: numberParam(cfg, 'resendTicks', DEFAULT_TXKV_PARAMS.resendTicks, 1, 1_000_000),
  conflictRetries: numberParam(cfg, 'conflictRetries', DEFAULT_TXKV_PARAMS.conflictRetries, 0, 1000),
  maxActive: numberParam(cfg, 'maxActive', DEFAULT_TXKV_PARAMS.maxActive, 1, 1_000_000),
}));
const { wal, batches } = await openBatchWal<TxkvRecord>(rt, cfg.dataDir, 'txkv records');
const dataNodes = [cfg.id, ...Object.keys(cfg.peers)];

const core = new TxkvNode({
  id: cfg.id,
  dataNodes,
  variant: cfg.variant as TxkvVariant,
  params: p,
  rng: rt.rng.fork(),
  sessionId: `${Date.now().toString(36)}.${rt.rng.int(0, 2 ** 30).toString(36)}`,
  restore: batches,
});

let transport: Transport | null = null;
const { queue, waiting } = startBatchQueue(rt, core, wal, () => transport!);
transport = await startPeersAndTicks(rt, queue, decodeTxkvPeerMessage, (c, m) => c.step(m), (c) => c.tick(), p.tickMs);

// ---------------------------------------------------------------------------- the Consistent Core

const MAP_KEY = 'partition-map';
const coreClients = Object.values(cfg.roles?.core ?? {}).map((addr) => {
  const { host, port } = parseHostPort('core', addr);
  return new RpcClient(host, port);
});
let coreTurn = 0;

/** Whether a value read from the core is a partition map of this cluster. */
function asMap(v: unknown): PartitionMap | null {
  const m = v as PartitionMap | null;
  if (m === null || typeof m !== 'object' || !Number.isSafeInteger(m.version) || m.version < 1) return null;
  if (!Array.isArray(m.owners) || m.owners.length !== PARTITIONS || m.owners.some((o) => !dataNodes.includes(o))) return null;
  return m;
}

async function pollMap(): Promise<void> {
  if (coreClients.length === 0) return;
  const c = coreClients[coreTurn % coreClients.length]!;
  const r = await c.call({ type: 'read', key: MAP_KEY }, p.mapPollMs);
  if (!r.ok || r.body.type === 'error') {
    if (r.ok && r.body.code === ErrorCode.keyDoesNotExist) {
      // Every data node computes the same initial map, so racing first writes agree.
      await c.call({ type: 'write', key: MAP_KEY, value: initialMap(dataNodes) }, p.mapPollMs);
    } else coreTurn++;
    return;
  }
  const m = asMap(r.body.value);
  if (m === null) rt.logger.info(`the core's partition map is not one of this cluster: ${JSON.stringify(r.body.value).slice(0, 200)}`);
  else queue.enqueue((n) => n.setMap(m));
}
let polling = false;
setInterval(() => {
  if (polling) return;
  polling = true;
  void pollMap().finally(() => (polling = false));
}, p.mapPollMs);

// ---------------------------------------------------------------------------- clients

const TXKV_RPCS = { txn: RPCS.txn } as const;

await serveClients(
  rt,
  waiting,
  (req) => decodeClientRequest(TXKV_RPCS, req),
  (n, reqId, r) => n.request(reqId, { ops: r.txn }),
  () => ({ ...core.status(), transport: transport?.stats }),
  `data peers ${Object.keys(cfg.peers).join(',') || '-'}; core ${Object.keys(cfg.roles?.core ?? {}).join(',') || 'none'}`,
);
