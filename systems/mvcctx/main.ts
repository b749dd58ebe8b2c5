/**
 * mvcctx node process: `node main.js --config <file>`. The thin shell around the protocol core
 * (core/mvcc.ts: MVCC transactions ordered by a Hybrid Clock, with Clock-Bound Wait): it owns the
 * sockets, the timer, the disk and the wall clock, and nothing else.
 *
 * - Clients: `txn` (docs/protocol.md), list-append and rw-register micro-operations, on any node,
 *   which coordinates the transaction.
 * - Peers: the other nodes over the Single-Socket Channel transport; every message is decoded
 *   (peer-decode.ts) before the core sees it, and a bad one is dropped and logged.
 * - Disk: every Ready's records (a start, a prepared transaction with its intents, a commit
 *   decision, an applied commit or abort) are one Write-Ahead Log record, fsynced before the
 *   PrepareOks, Commits and client replies that depend on them leave (systems/lib/shell.ts,
 *   `startBatchQueue`); a restart replays the log into the core. The start record of this
 *   incarnation is durable before the node sends anything, so its transaction ids are new.
 * - Wall clock: the core's Hybrid Clock reads `clock.wallMs()`, the machine's clock plus the
 *   offset the harness's clock fault sets with the `clock-offset` admin message, so a skewed node
 *   really stamps skewed timestamps.
 *
 * Params (config `params`): maxOffsetMs, mode (`uncertainty-restart` or `commit-wait`),
 * txnTimeoutTicks, maxRestarts, gcWindowMs, resendTicks, queryTicks, intentWaitTicks, tickMs, seed,
 * logMessages.
 * The variant small-max-offset overrides maxOffsetMs.
 */
import { RPCS } from '../../workloads/wire/rpc.js';
import { choiceParam, numberParam } from '../lib/config.js';
import { createNode, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { openBatchWal, serveClients, startBatchQueue, startPeersAndTicks } from '../lib/shell.js';
import type { Transport, PeerMessage as WireMessage } from '../lib/transport.js';
import type { BatchCoreReady } from '../lib/batch-core.js';
import { DEFAULT_PARAMS, MVCCTX_VARIANTS, MvccNode, type MvccParams, type PeerMessage, type Record_, type Variant, type WaitMode } from './core/mvcc.js';
import { decodePeerMessage } from './peer-decode.js';

const rt = createNode(MVCCTX_VARIANTS);
const cfg = rt.config;
type Ready = BatchCoreReady<PeerMessage, Record_>;
const MODES: readonly WaitMode[] = ['uncertainty-restart', 'commit-wait'];
const tickMs = withConfigErrors(() => numberParam(cfg, 'tickMs', 10, 1, 10_000));
const params: MvccParams = withConfigErrors(() => ({
  maxOffsetMs: numberParam(cfg, 'maxOffsetMs', DEFAULT_PARAMS.maxOffsetMs, 0, 3_600_000),
  mode: choiceParam(cfg, 'mode', MODES, DEFAULT_PARAMS.mode),
  txnTimeoutTicks: numberParam(cfg, 'txnTimeoutTicks', DEFAULT_PARAMS.txnTimeoutTicks, 1, 1_000_000),
  maxRestarts: numberParam(cfg, 'maxRestarts', DEFAULT_PARAMS.maxRestarts, 0, 1000),
  gcWindowMs: numberParam(cfg, 'gcWindowMs', DEFAULT_PARAMS.gcWindowMs, 1, 86_400_000),
  resendTicks: numberParam(cfg, 'resendTicks', DEFAULT_PARAMS.resendTicks, 1, 1_000_000),
  queryTicks: numberParam(cfg, 'queryTicks', DEFAULT_PARAMS.queryTicks, 1, 1_000_000),
  intentWaitTicks: numberParam(cfg, 'intentWaitTicks', DEFAULT_PARAMS.intentWaitTicks, 0, 1_000_000),
}));

// ---------------------------------------------------------------------------- disk and core

// An owner that forgot a prepared transaction, or a coordinator that forgot its decision, can
// apply a transaction in part: damage is refused (exit 3), never cut.
const { wal, batches } = await openBatchWal<Record_>(rt, cfg.dataDir, 'mvcctx records');
const restore = batches.flat();
const nodes = [...new Set([cfg.id, ...Object.keys(cfg.peers)])];
const core = new MvccNode({
  id: cfg.id,
  nodes,
  variant: cfg.variant as Variant,
  params,
  wallMs: () => rt.clock.wallMs(),
  restore,
  log: (line) => rt.logger.info(line),
});
rt.logger.info(`recovered ${restore.length} records from ${batches.length} WAL records: ${JSON.stringify(core.status())}`);

// The start record is durable before this incarnation sends anything or takes a transaction:
// a transaction id names the start, and two starts must never share one.
const first = core.ready();
wal.append(Buffer.from(JSON.stringify(first.persist), 'utf8'));
await wal.sync();
core.advance(first);

let transport: Transport | null = null;
const { queue, waiting } = startBatchQueue<Ready, MvccNode>(rt, core, wal, () => transport!);
transport = await startPeersAndTicks(rt, queue, decodePeerMessage, (c, m) => c.step(m), (c) => c.tick(), tickMs);
// The commits of decisions this node took before it restarted and whose owners had not all
// acknowledged (the core resends them on its timer too).
for (const m of [...first.early, ...first.messages]) transport.send(m.to, m as unknown as WireMessage);

// ---------------------------------------------------------------------------- clients

const MVCCTX_RPCS = { txn: RPCS.txn } as const;

await serveClients(
  rt,
  waiting,
  (req) => decodeClientRequest(MVCCTX_RPCS, req),
  (n, reqId, r) => n.request(reqId, r.txn),
  () => ({ ...core.status(), transport: transport?.stats }),
  `mode ${params.mode}, max offset ${core.params.maxOffsetMs} ms; peers ${Object.keys(cfg.peers).join(',') || '-'}`,
);
