/**
 * raftkv node process: `node main.js --config <file>`. The thin shell around the protocol core
 * (core/raft.ts): it owns the sockets, the timer, the disk and the clock, and nothing else.
 *
 * - Peers: the Single-Socket Channel transport of systems/lib (one outbound connection per peer).
 * - Clients: the register workload (`read`, `write`, `cas` with `key`) and transactions (`txn`, for
 *   list-append and rw-register) on the client listener; any node takes any request (followers
 *   forward commands and ask the leader for a read index).
 * - Disk and the update loop: raft-shell.ts, shared with every shell of the Raft core. Every
 *   Ready's persist batch is one Write-Ahead Log record, fsynced BEFORE the Ready's votes and
 *   acknowledgements leave the node; a snapshot is saved as the WAL's snapshot (Low-Water Mark).
 * - Singular Update Queue: ticks, peer messages and client requests are queued and handed to the
 *   core one at a time by a single loop; while a batch is being fsynced new inputs wait, and the
 *   next Ready carries them all (so fsyncs are shared by many requests).
 *
 * Params (config `params`): tickMs, heartbeatTicks, electionTicksMin, electionTicksMax,
 * maxEntriesPerMessage, maxInflightPerPeer, retryTicks, requestTimeoutTicks, maxPendingRequests,
 * preVote, snapshotEveryEntries, walSegmentBytes, seed, logMessages.
 */
import { z } from 'zod';
import { RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { createNode } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { serveClients, startPeerTransport } from '../lib/shell.js';
import { RaftNode } from './core/raft.js';
import { raftkvStateMachine } from './core/machine.js';
import type { ClientRequest, RaftParams, Variant } from './core/types.js';
import { RAFTKV_VARIANTS } from './core/types.js';
import { openRaftDisk, raftParamsFromConfig, startRaftLoop } from './raft-shell.js';
import { decodePeerMessage } from './peer-decode.js';

const rt = createNode(RAFTKV_VARIANTS);
const cfg = rt.config;

const params: RaftParams = raftParamsFromConfig(rt);
const disk = await openRaftDisk(rt);
const restored = disk.restored;

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

const raftLoop = startRaftLoop(rt, node, disk);
const { queue, waiting } = raftLoop;

// ---------------------------------------------------------------------------- peers

const transport = await startPeerTransport(rt, decodePeerMessage, (m) => queue.enqueue((n) => n.step(m)));
raftLoop.transport = transport;

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
