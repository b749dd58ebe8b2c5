/**
 * raftkv node process: `node main.js --config <file>`. The thin shell around the protocol core
 * (core/raft.ts): it owns the sockets, the timer, the disk and the clock, and nothing else.
 *
 * - Peers: the Single-Socket Channel transport of systems/lib (one outbound connection per peer).
 * - Clients: the register workload (`read`, `write`, `cas` with `key`) and transactions (`txn`, for
 *   list-append and rw-register) on the client listener; any node takes any request (followers
 *   forward commands and ask the leader for a read index).
 * - Disk: every Ready's persist batch is one Write-Ahead Log record (truncate, entries, term and
 *   vote), fsynced BEFORE the Ready's votes and acknowledgements leave the node (a leader's
 *   appends and the replies, which promise nothing about this disk, go while it syncs). A Ready
 *   that carries a snapshot (taken here, or installed from the leader) carries the node's whole
 *   durable state instead: it is saved as the WAL's snapshot at the index of an empty record
 *   appended for it (it supersedes every record up to there), and the segments below that
 *   Low-Water Mark are deleted. On start the
 *   newest valid snapshot is loaded and the records after it are replayed to rebuild the log,
 *   term and vote (and the key-value state the snapshot holds).
 * - Singular Update Queue: ticks, peer messages and client requests are queued and handed to the
 *   core one at a time by a single loop; while a batch is being fsynced new inputs wait, and the
 *   next Ready carries them all (so fsyncs are shared by many requests).
 *
 * Params (config `params`): tickMs, heartbeatTicks, electionTicksMin, electionTicksMax,
 * maxEntriesPerMessage, maxInflightPerPeer, retryTicks, requestTimeoutTicks, maxPendingRequests,
 * preVote, snapshotEveryEntries, walSegmentBytes, seed, logMessages.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { booleanParam, ConfigError, numberParam } from '../lib/config.js';
import { ErrorCode } from '../lib/errors.js';
import { createNode, EXIT_DISK_DAMAGED, exitFatal, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { serveClients, startPeerTransport, startUpdateQueue, WaitingList } from '../lib/shell.js';
import type { PeerMessage as WireMessage } from '../lib/transport.js';
import { Wal, WalCorruptError } from '../lib/wal.js';
import { InvariantError, RaftNode } from './core/raft.js';
import { raftkvStateMachine } from './core/machine.js';
import type { ClientRequest, DurableImage, Entry, HardState, PeerMessage, PersistBatch, RaftParams, Variant } from './core/types.js';
import { DEFAULT_PARAMS, RAFTKV_VARIANTS } from './core/types.js';
import { decodePeerMessage } from './peer-decode.js';

const rt = createNode(RAFTKV_VARIANTS);
const cfg = rt.config;
const log = rt.logger;

const params: RaftParams = withConfigErrors(() => {
  const p: RaftParams = {
    tickMs: numberParam(cfg, 'tickMs', DEFAULT_PARAMS.tickMs, 1, 10_000),
    heartbeatTicks: numberParam(cfg, 'heartbeatTicks', DEFAULT_PARAMS.heartbeatTicks, 1, 1000),
    electionTicksMin: numberParam(cfg, 'electionTicksMin', DEFAULT_PARAMS.electionTicksMin, 2, 10_000),
    electionTicksMax: numberParam(cfg, 'electionTicksMax', DEFAULT_PARAMS.electionTicksMax, 3, 20_000),
    leaseFraction: numberParam(cfg, 'leaseFraction', DEFAULT_PARAMS.leaseFraction, 0, 1),
    maxEntriesPerMessage: numberParam(cfg, 'maxEntriesPerMessage', DEFAULT_PARAMS.maxEntriesPerMessage, 1, 100_000),
    maxInflightPerPeer: numberParam(cfg, 'maxInflightPerPeer', DEFAULT_PARAMS.maxInflightPerPeer, 1, 1000),
    retryTicks: numberParam(cfg, 'retryTicks', DEFAULT_PARAMS.retryTicks, 1, 100_000),
    requestTimeoutTicks: numberParam(cfg, 'requestTimeoutTicks', DEFAULT_PARAMS.requestTimeoutTicks, 1, 1_000_000),
    maxPendingRequests: numberParam(cfg, 'maxPendingRequests', DEFAULT_PARAMS.maxPendingRequests, 1, 1_000_000),
    snapshotEveryEntries: numberParam(cfg, 'snapshotEveryEntries', DEFAULT_PARAMS.snapshotEveryEntries, 1, 100_000_000),
    preVote: booleanParam(cfg, 'preVote', DEFAULT_PARAMS.preVote),
  };
  if (!Number.isInteger(p.snapshotEveryEntries)) throw new ConfigError('params.snapshotEveryEntries must be an integer');
  if (p.electionTicksMax <= p.electionTicksMin) {
    throw new ConfigError('params.electionTicksMax must be greater than params.electionTicksMin');
  }
  return p;
});

/** Bytes of a WAL segment before a new one is started (small values make compaction visible). */
const walSegmentBytes = withConfigErrors(() => {
  const v = numberParam(cfg, 'walSegmentBytes', 8 << 20, 4096, 1 << 30);
  if (!Number.isInteger(v)) throw new ConfigError('params.walSegmentBytes must be an integer');
  return v;
});

// ---------------------------------------------------------------------------- disk

/** One WAL record per persisted Ready. */
interface PersistRecord {
  tr: number | null;
  e: Entry[];
  hs: HardState | null;
}

let wal: Wal;
try {
  // A node that forgot entries or a vote it acknowledged can make the cluster lose committed
  // entries: damage the CRCs see is refused, never cut.
  wal = await Wal.open({ dir: join(cfg.dataDir, 'wal'), segmentBytes: walSegmentBytes, strictRecovery: true });
} catch (e) {
  if (e instanceof WalCorruptError) exitFatal(rt, e.message, EXIT_DISK_DAMAGED);
  throw e;
}
const restored: DurableImage = { hardState: { term: 0, votedFor: null }, snapshot: null, entries: [] };
const recoveredSnapshot = wal.recovery.snapshot;
if (recoveredSnapshot !== null) {
  let img: DurableImage;
  try {
    img = JSON.parse(recoveredSnapshot.data.toString('utf8')) as DurableImage;
  } catch {
    exitFatal(rt, `write-ahead log snapshot ${recoveredSnapshot.index} is not valid JSON`);
  }
  if (img.hardState === undefined || !Array.isArray(img.entries) || img.snapshot === undefined) {
    exitFatal(rt, `write-ahead log snapshot ${recoveredSnapshot.index} lacks the hard state, snapshot or entries`);
  }
  restored.hardState = img.hardState;
  restored.snapshot = img.snapshot;
  restored.entries = img.entries;
}
if (wal.recovery.gap !== null) {
  exitFatal(rt, `write-ahead log records ${wal.recovery.gap.from}..${wal.recovery.gap.to} are in neither the snapshot nor the log`);
}
/** Index of the last entry the snapshot covers: the restored entries start right after it. */
const base = restored.snapshot?.lastIncludedIndex ?? 0;
for (const rec of wal.recovery.records) {
  let r: PersistRecord;
  try {
    r = JSON.parse(rec.data.toString('utf8')) as PersistRecord;
  } catch {
    exitFatal(rt, `write-ahead log record ${rec.index} is not valid JSON`);
  }
  if (r.tr !== null) restored.entries.length = Math.max(0, Math.min(restored.entries.length, r.tr - 1 - base));
  for (const e of r.e) {
    if (e.index !== base + restored.entries.length + 1) {
      exitFatal(rt, `write-ahead log record ${rec.index}: entry ${e.index} does not follow ${base + restored.entries.length}`);
    }
    restored.entries.push(e);
  }
  if (r.hs !== null) restored.hardState = r.hs;
}
log.info(
  `recovered term ${restored.hardState.term}, vote ${restored.hardState.votedFor ?? '-'}, ${restored.entries.length} log entries ` +
    `after the snapshot at ${base}, from ${wal.recovery.records.length} records`,
);

// ---------------------------------------------------------------------------- core

const node = new RaftNode({
  id: cfg.id,
  peers: Object.keys(cfg.peers),
  variant: cfg.variant as Variant,
  params,
  clock: rt.clock,
  rng: rt.rng.fork(),
  sessionId: `${cfg.id}@${Date.now().toString(36)}.${rt.rng.int(0, 2 ** 30).toString(36)}`,
  restore: restored,
  ...raftkvStateMachine(cfg.variant as Variant),
});

let lastRole = '';

/** Empty record written before a snapshot, so that each snapshot supersedes a record of its own. */
const MARKER: PersistRecord = { tr: null, e: [], hs: null };
/** Snapshots installed from a leader so far (to tell them from the ones taken here in the log). */
let installedSeen = 0;

async function persist(p: PersistBatch): Promise<void> {
  if (p.image !== null) {
    // The image is the whole durable state after this batch: it becomes the WAL's snapshot at a
    // fresh record index (recovery = snapshot + the records after it), and the segments wholly
    // below that Low-Water Mark go. A crash before the snapshot file is renamed into place leaves
    // the previous state, and nothing that depends on the new one has been sent yet.
    const at = wal.append(Buffer.from(JSON.stringify(MARKER), 'utf8'));
    await wal.sync();
    await wal.saveSnapshot(at, Buffer.from(JSON.stringify(p.image), 'utf8'));
    const dropped = wal.discardBefore(at);
    const installed = node.status().snapshotsInstalled;
    const how = installed > installedSeen ? 'installed from the leader' : 'taken';
    installedSeen = installed;
    log.info(`snapshot at entry ${p.image.snapshot?.lastIncludedIndex ?? 0} ${how} (WAL record ${at}), ${dropped} segments discarded`);
    return;
  }
  if (p.truncateFrom === null && p.entries.length === 0 && p.hardState === null) return;
  const rec: PersistRecord = { tr: p.truncateFrom, e: p.entries, hs: p.hardState };
  wal.append(Buffer.from(JSON.stringify(rec), 'utf8'));
  await wal.sync();
}

const queue = startUpdateQueue(rt, node, {
  hasReady: (n) => n.hasReady(),
  pass: async (n) => {
    const rd = n.ready();
    for (const m of rd.early) transport.send(m.to, m as unknown as WireMessage);
    waiting.settle(rd.replies, (code) => (code === ErrorCode.temporarilyUnavailable ? { leader: n.status().leader } : {}));
    await persist(rd.persist);
    for (const m of rd.messages) transport.send(m.to, m as unknown as WireMessage);
    n.advance();
    const s = n.status();
    const role = `${s.role}/${s.term}/${s.leader ?? '-'}`;
    if (role !== lastRole) {
      lastRole = role;
      log.info(`role ${s.role}, term ${s.term}, leader ${s.leader ?? 'unknown'}, commit ${s.commitIndex}, last ${s.lastIndex}`);
    }
  },
  // A broken invariant (or a failed fsync) ends the node: going on could ack something false.
  describeError: (e) => (e instanceof InvariantError ? `invariant broken: ${e.message}` : null),
});
const waiting = new WaitingList(queue);

// ---------------------------------------------------------------------------- peers

const transport = await startPeerTransport(rt, decodePeerMessage, (m) => queue.enqueue((n) => n.step(m)));

setInterval(() => queue.enqueue((n) => n.tick()), params.tickMs);

// ---------------------------------------------------------------------------- clients

/**
 * The RPCs raftkv serves: the registry's, with a read that may ask for read-your-writes
 * consistency from a follower at or after a log index the client has seen.
 */
const RAFTKV_RPCS = {
  ...RPCS,
  read: {
    ...RPCS.read,
    request: RPCS.read.request.extend({
      consistency: z.enum(['linearizable', 'ryw']).optional(),
      min_index: z.number().int().nonnegative().safe().optional(),
    }),
  },
} as const;

/** Keys may be any JSON value; their JSON text is the internal key, so 1 and "1" stay apart. */
function toCoreRequest(req: WireRequest): ClientRequest {
  const r = decodeClientRequest(RAFTKV_RPCS, req);
  switch (r.type) {
    case 'read':
      return { type: 'read', key: JSON.stringify(r.key), consistency: r.consistency, minIndex: r.min_index };
    case 'write':
      return { type: 'write', key: JSON.stringify(r.key), value: r.value };
    case 'cas':
      return { type: 'cas', key: JSON.stringify(r.key), from: r.from, to: r.to };
    case 'txn':
      return { type: 'txn', ops: r.txn };
  }
}

await serveClients(rt, waiting, toCoreRequest, (n, reqId, r) => n.request(reqId, r), () => ({ ...node.status(), transport: transport.stats }), `peers ${Object.keys(cfg.peers).join(',') || '-'}`);
