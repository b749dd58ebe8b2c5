/**
 * paxoskv's Multi-Paxos mode shell (core/multipaxos.ts); see main.ts for the process and params.
 *
 * - Disk: a Ready's acceptor changes (promise, accepted values) are one WAL record, fsynced BEFORE
 *   the Ready's Promises, Accepteds and Prepares leave. A Ready that carries an image (the core
 *   compacted its log) is saved as the WAL's snapshot at the index of an empty record appended
 *   for it, and the segments below that Low-Water Mark are deleted, as raftkv does. On start the
 *   snapshot is loaded and the records after it replayed; damage the CRCs see is refused (exit 3).
 * - Clients: `read`, `write`, `cas` and `txn` (list-append, rw-register); any node takes any
 *   request and a follower forwards it to the leader.
 */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { ConfigError, numberParam } from '../lib/config.js';
import { exitFatal, type NodeRuntime, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { openStrictWal, serveClients, startPeerTransport, startUpdateQueue, WaitingList } from '../lib/shell.js';
import type { PeerMessage as WireMessage } from '../lib/transport.js';
import { DEFAULT_MULTI_PARAMS, emptyDurable, type LogOp, type MultiDurable, type MultiParams, MultiPaxosNode, type MultiRecord } from './core/multipaxos.js';
import type { Variant } from './core/paxos.js';
import { applyToDurable } from './multisim.js';
import { decodeMultiMessage } from './peer-decode.js';

/** Runs a node in Multi-Paxos mode until the process ends. */
export async function runMulti(rt: NodeRuntime): Promise<void> {
  const cfg = rt.config;
  const log = rt.logger;
  const tickMs = withConfigErrors(() => numberParam(cfg, 'tickMs', 10, 1, 10_000));
  const d = DEFAULT_MULTI_PARAMS;
  const params: MultiParams = withConfigErrors(() => {
    const p: MultiParams = {
      heartbeatTicks: numberParam(cfg, 'heartbeatTicks', d.heartbeatTicks, 1, 1000),
      electionTicksMin: numberParam(cfg, 'electionTicksMin', d.electionTicksMin, 2, 10_000),
      electionTicksMax: numberParam(cfg, 'electionTicksMax', d.electionTicksMax, 3, 20_000),
      retryTicks: numberParam(cfg, 'retryTicks', d.retryTicks, 1, 100_000),
      requestTimeoutTicks: numberParam(cfg, 'requestTimeoutTicks', d.requestTimeoutTicks, 1, 1_000_000),
      maxPendingRequests: numberParam(cfg, 'maxPendingRequests', d.maxPendingRequests, 1, 1_000_000),
      snapshotEvery: numberParam(cfg, 'snapshotEvery', d.snapshotEvery, 1, 100_000_000),
      maxLearnEntries: numberParam(cfg, 'maxLearnEntries', d.maxLearnEntries, 1, 100_000),
      forwardMemoryTicks: numberParam(cfg, 'forwardMemoryTicks', d.forwardMemoryTicks, 1, 10_000_000),
    };
    if (p.electionTicksMax <= p.electionTicksMin) throw new ConfigError('params.electionTicksMax must be greater than params.electionTicksMin');
    return p;
  });
  const walSegmentBytes = withConfigErrors(() => numberParam(cfg, 'walSegmentBytes', 8 << 20, 4096, 1 << 30));

  // -------------------------------------------------------------------------- disk

  const wal = await openStrictWal(rt, join(cfg.dataDir, 'wal'), Math.floor(walSegmentBytes));
  let restored: MultiDurable = emptyDurable();
  const snap = wal.recovery.snapshot;
  if (snap !== null) {
    try {
      restored = JSON.parse(snap.data.toString('utf8')) as MultiDurable;
    } catch {
      exitFatal(rt, `write-ahead log snapshot ${snap.index} is not valid JSON`);
    }
    if (restored.promised === undefined || !Array.isArray(restored.accepted) || restored.snap === undefined) {
      exitFatal(rt, `write-ahead log snapshot ${snap.index} lacks the promise, accepted values or applied state`);
    }
  }
  if (wal.recovery.gap !== null) exitFatal(rt, `write-ahead log records ${wal.recovery.gap.from}..${wal.recovery.gap.to} are in neither the snapshot nor the log`);
  for (const rec of wal.recovery.records) {
    let batch: MultiRecord[];
    try {
      batch = JSON.parse(rec.data.toString('utf8')) as MultiRecord[];
    } catch {
      exitFatal(rt, `write-ahead log record ${rec.index} is not valid JSON`);
    }
    if (!Array.isArray(batch)) exitFatal(rt, `write-ahead log record ${rec.index} is not a list of acceptor changes`);
    restored = applyToDurable(restored, { image: null, persist: batch });
  }
  log.info(`recovered promise ${JSON.stringify(restored.promised)}, ${restored.accepted.length} accepted slots, applied state up to ${restored.snap?.upTo ?? 0}`);

  // -------------------------------------------------------------------------- core

  // The Forward ids of this start: a random base (not from rt.rng, which a restart may seed the
  // same), so that a Forward or ForwardReply of the previous start still in the network never
  // matches one of this start's. 2^31 bases of 2^21 ids stay below 2^53.

  const node = new MultiPaxosNode({ id: cfg.id, peers: Object.keys(cfg.peers), variant: cfg.variant as Variant, params, rng: rt.rng.fork(), restore: restored, fidBase: randomInt(2 ** 31) * 2 ** 21 });
  let lastRole = '';

  async function persist(image: MultiDurable | null, records: MultiRecord[]): Promise<void> {
    if (image !== null) {
      // The image is the whole durable state: the WAL's snapshot at a fresh record index.
      const at = wal.append(Buffer.from('[]', 'utf8'));
      await wal.sync();
      await wal.saveSnapshot(at, Buffer.from(JSON.stringify(image), 'utf8'));
      const dropped = wal.discardBefore(at);
      log.info(`snapshot of the state up to slot ${image.snap?.upTo ?? 0} (WAL record ${at}), ${dropped} segments discarded`);
    }
    if (records.length > 0) {
      wal.append(Buffer.from(JSON.stringify(records), 'utf8'));
      await wal.sync();
    }
  }

  const queue = startUpdateQueue(rt, node, {
    hasReady: (n) => n.hasReady(),
    pass: async (n) => {
      const rd = n.ready();
      for (const m of rd.early) transport.send(m.to, m as unknown as WireMessage);
      waiting.settle(rd.replies, () => ({ leader: n.leader }));
      await persist(rd.image, rd.persist);
      for (const m of rd.messages) transport.send(m.to, m as unknown as WireMessage);
      n.advance(rd);
      const s = n.status();
      const role = `${String(s.role)}/${String(s.ballot)}/${String(s.leader)}`;
      if (role !== lastRole) {
        lastRole = role;
        log.info(`role ${String(s.role)}, ballot ${String(s.ballot)}, leader ${String(s.leader ?? 'unknown')}, applied ${String(s.applied)}`);
      }
    },
  });
  const waiting = new WaitingList(queue);

  const transport = await startPeerTransport(rt, decodeMultiMessage, (m) => queue.enqueue((n) => n.step(m)));
  setInterval(() => queue.enqueue((n) => n.tick()), tickMs);

  // -------------------------------------------------------------------------- clients

  /** Keys may be any JSON value; their JSON text is the internal key, so 1 and "1" stay apart. */
  function toLogOp(req: WireRequest): LogOp {
    const r = decodeClientRequest(RPCS, req);
    switch (r.type) {
      case 'read':
        return { f: 'read', key: JSON.stringify(r.key) };
      case 'write':
        return { f: 'write', key: JSON.stringify(r.key), value: r.value };
      case 'cas':
        return { f: 'cas', key: JSON.stringify(r.key), from: r.from, to: r.to };
      case 'txn':
        return { f: 'txn', ops: r.txn };
    }
  }

  await serveClients(rt, waiting, toLogOp, (n, reqId, r) => n.request(reqId, r), () => ({ ...node.status(), transport: transport.stats }), `mode multi, peers ${Object.keys(cfg.peers).join(',') || '-'}`);
}
