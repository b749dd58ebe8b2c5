/**
 * The process-shell half of a Raft node, shared by every system whose core is the Raft core of
 * ./core/raft.ts (raftkv, and lockd's Consistent Core): the Raft parameters read from the config,
 * the Write-Ahead Log that holds term, vote, log and snapshots (opened and replayed at start,
 * written and fsynced by every Ready), and the Singular Update Queue pass that orders sending,
 * persisting and advancing. A system's main.ts builds its core and calls these.
 *
 * Disk: every Ready's persist batch is one Write-Ahead Log record (truncate, entries, term and
 * vote), fsynced BEFORE the Ready's votes and acknowledgements leave the node (a leader's appends
 * and the replies, which promise nothing about this disk, go while it syncs). A Ready that carries
 * a snapshot carries the node's whole durable state instead: it is saved as the WAL's snapshot at
 * the index of an empty record appended for it, and the segments below that Low-Water Mark are
 * deleted. On start the newest valid snapshot is loaded and the records after it are replayed.
 */
import { join } from 'node:path';
import { booleanParam, ConfigError, numberParam } from '../lib/config.js';
import { ErrorCode } from '../lib/errors.js';
import { exitFatal, type NodeRuntime, withConfigErrors } from '../lib/node.js';
import { openStrictWal, startUpdateQueue, type UpdateQueue, WaitingList } from '../lib/shell.js';
import type { PeerMessage as WireMessage, Transport } from '../lib/transport.js';
import { InvariantError } from './core/raft.js';
import type { DurableImage, Entry, HardState, PersistBatch, RaftParams, Ready } from './core/types.js';
import { DEFAULT_PARAMS } from './core/types.js';

/** The Raft parameters of the node's config (`params`), each checked against its bounds (exit 254). */
export function raftParamsFromConfig(rt: NodeRuntime): RaftParams {
  const cfg = rt.config;
  return withConfigErrors(() => {
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
}

/** One WAL record per persisted Ready. */
interface PersistRecord {
  tr: number | null;
  e: Entry[];
  hs: HardState | null;
}

/** Empty record written before a snapshot, so that each snapshot supersedes a record of its own. */
const MARKER: PersistRecord = { tr: null, e: [], hs: null };

/** A node's Raft disk: what it held at start, and how a Ready's batch is made durable. */
export interface RaftDisk {
  restored: DurableImage;
  /** Writes and fsyncs a batch; `installed` is how many snapshots the core installed so far. */
  persist(p: PersistBatch, installed: number): Promise<void>;
}

/**
 * Opens the node's WAL under `<dataDir>/wal` and replays it (damage the CRCs see ends the process
 * with exit 3: a node that forgot entries or a vote it acknowledged can make the cluster lose
 * committed entries).
 */
export async function openRaftDisk(rt: NodeRuntime): Promise<RaftDisk> {
  const cfg = rt.config;
  const log = rt.logger;
  /** Bytes of a WAL segment before a new one is started (small values make compaction visible). */
  const walSegmentBytes = withConfigErrors(() => {
    const v = numberParam(cfg, 'walSegmentBytes', 8 << 20, 4096, 1 << 30);
    if (!Number.isInteger(v)) throw new ConfigError('params.walSegmentBytes must be an integer');
    return v;
  });

  const wal = await openStrictWal(rt, join(cfg.dataDir, 'wal'), walSegmentBytes);
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

  /** Snapshots installed from a leader so far (to tell them from the ones taken here in the log). */
  let installedSeen = 0;

  async function persist(p: PersistBatch, installed: number): Promise<void> {
    if (p.image !== null) {
      // The image is the whole durable state after this batch: it becomes the WAL's snapshot at a
      // fresh record index (recovery = snapshot + the records after it), and the segments wholly
      // below that Low-Water Mark go. A crash before the snapshot file is renamed into place leaves
      // the previous state, and nothing that depends on the new one has been sent yet.
      const at = wal.append(Buffer.from(JSON.stringify(MARKER), 'utf8'));
      await wal.sync();
      await wal.saveSnapshot(at, Buffer.from(JSON.stringify(p.image), 'utf8'));
      const dropped = wal.discardBefore(at);
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
  return { restored, persist };
}

/** What the update loop needs of a Raft-driven core (RaftNode, or a core built on it). */
export interface RaftDriven {
  hasReady(): boolean;
  ready(): Ready;
  advance(): void;
  status(): { role: string; term: number; leader: string | null; commitIndex: number; lastIndex: number; snapshotsInstalled: number };
}

/** The update loop of a Raft-driven node, its Request Waiting List, and where its messages go. */
export interface RaftLoop<C> {
  queue: UpdateQueue<C>;
  waiting: WaitingList<C>;
  /** Set once the peer transport is up (it needs the queue to deliver into). */
  transport: Transport | null;
}

/**
 * Starts the Singular Update Queue of a Raft-driven core: each pass sends the Ready's early
 * messages and replies, persists and fsyncs its batch, only then sends its votes and
 * acknowledgements, and advances. A role change is logged. A broken invariant (or a failed fsync)
 * ends the node: going on could ack something false.
 */
export function startRaftLoop<C extends RaftDriven>(rt: NodeRuntime, node: C, disk: RaftDisk): RaftLoop<C> {
  let lastRole = '';
  const send = (ms: readonly { to: string }[]): void => {
    for (const m of ms) loop.transport?.send(m.to, m as unknown as WireMessage);
  };
  // The pass runs only after this function returned, when `loop` is set.
  const queue = startUpdateQueue(rt, node, {
    hasReady: (n) => n.hasReady(),
    pass: async (n) => {
      const rd = n.ready();
      send(rd.early);
      loop.waiting.settle(rd.replies, (code) => (code === ErrorCode.temporarilyUnavailable ? { leader: n.status().leader } : {}));
      await disk.persist(rd.persist, n.status().snapshotsInstalled);
      send(rd.messages);
      n.advance();
      const s = n.status();
      const role = `${s.role}/${s.term}/${s.leader ?? '-'}`;
      if (role !== lastRole) {
        lastRole = role;
        rt.logger.info(`role ${s.role}, term ${s.term}, leader ${s.leader ?? 'unknown'}, commit ${s.commitIndex}, last ${s.lastIndex}`);
      }
    },
    describeError: (e) => (e instanceof InvariantError ? `invariant broken: ${e.message}` : null),
  });
  const loop: RaftLoop<C> = { queue, waiting: new WaitingList(queue), transport: null };
  return loop;
}
