/**
 * gossipd node process: `node main.js --config <file>`. The thin shell around the protocol core
 * (core/gossip.ts): it owns the sockets, the timer, the disk and the clock, and nothing else.
 *
 * - Peers: the Single-Socket Channel transport of systems/lib; every message is decoded
 *   (peer-decode.ts) before the core sees it, and a bad one is dropped and logged.
 * - Clients: the metadata workload (`read`, `write` with `key`; `state` and `claims` for the
 *   final phase) on the client listener; any node takes any request.
 * - Disk: the generation is written and fsynced before the node listens (Generation Clock: the
 *   next boot takes the next one). A Ready's records (client writes, coordinator claims) are one
 *   Write-Ahead Log record, fsynced BEFORE the Ready's replies, so an acknowledged write survives
 *   kill -9. On start the records are replayed: the node's own entries and its claims.
 * - Singular Update Queue: ticks, peer messages and client requests are handed to the core one at
 *   a time by a single loop (systems/lib/shell.ts).
 *
 * Members are the node and its peers in join order, the order of their ids (n1 joined first, n2
 * next...): the harness starts them in that order.
 *
 * Params (config `params`): tickMs, gossipTicks, fanout, suspectMs, downMs, claimDelayMs,
 * tickGapMs, renewMs, seed, logMessages.
 */
import { join } from 'node:path';
import { GOSSIP_RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { numberParam } from '../lib/config.js';
import { createNode, exitFatal, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { openStrictWal, serveClients, startPeersAndTicks, startUpdateQueue, WaitingList } from '../lib/shell.js';
import type { PeerMessage as WireMessage } from '../lib/transport.js';
import { type ClientRequest, DEFAULT_PARAMS, GOSSIPD_VARIANTS, GossipInvariantError, GossipNode, type GossipParams, type Variant } from './core/gossip.js';
import { decodePeerMessage } from './peer-decode.js';
import { clientKey, joinOrder, replayRecords, type WalRecord } from './records.js';

const rt = createNode(GOSSIPD_VARIANTS);
const cfg = rt.config;
const log = rt.logger;

const tickMs = withConfigErrors(() => numberParam(cfg, 'tickMs', 50, 1, 10_000));
/** Each timing param's least and greatest value; the defaults are the core's. */
const BOUNDS: Record<Exclude<keyof GossipParams, 'maxOwnEntries'>, [number, number]> = {
  gossipTicks: [1, 10_000],
  fanout: [1, 64],
  suspectMs: [1, 600_000],
  downMs: [1, 600_000],
  claimDelayMs: [0, 600_000],
  tickGapMs: [1, 600_000],
  renewMs: [1, 600_000],
};
const params: GossipParams = withConfigErrors(() => {
  const p: GossipParams = { ...DEFAULT_PARAMS };
  for (const [name, [min, max]] of Object.entries(BOUNDS) as [keyof typeof BOUNDS, [number, number]][]) p[name] = numberParam(cfg, name, DEFAULT_PARAMS[name], min, max);
  return p;
});

// ---------------------------------------------------------------------------- disk

const wal = await openStrictWal(rt, join(cfg.dataDir, 'wal'));
const restored = (() => {
  try {
    return replayRecords(wal.recovery.records.map((r) => r.data.toString('utf8')));
  } catch (e) {
    exitFatal(rt, (e as Error).message);
  }
})();

const node = new GossipNode({
  id: cfg.id,
  members: joinOrder([cfg.id, ...Object.keys(cfg.peers)]),
  variant: cfg.variant as Variant,
  params,
  rng: rt.rng.fork(),
  restored,
  nowMs: () => rt.clock.monoMs(),
  wallUs: () => rt.clock.trueWallUs(),
});
// The Generation Clock: this incarnation's generation is durable before anyone hears of it.
if (node.gen !== restored.lastGen) {
  wal.append(Buffer.from(JSON.stringify([{ t: 'gen', gen: node.gen }] satisfies WalRecord[]), 'utf8'));
  await wal.sync();
}
log.info(`generation ${node.gen} (the last was ${restored.lastGen}); restored ${restored.own.length} writes and ${restored.claims.length} claims`);

const queue = startUpdateQueue(rt, node, {
  hasReady: (n) => n.hasReady(),
  pass: async (n) => {
    const rd = n.ready();
    for (const m of rd.early) transport.send(m.to, m as unknown as WireMessage);
    if (rd.persist.length > 0) {
      wal.append(Buffer.from(JSON.stringify(rd.persist), 'utf8'));
      await wal.sync();
    }
    waiting.settle(rd.replies);
    for (const m of rd.messages) transport.send(m.to, m as unknown as WireMessage);
    n.advance(rd);
  },
  describeError: (e) => (e instanceof GossipInvariantError ? `invariant: ${e.message}` : null),
});
const waiting = new WaitingList(queue);

// ---------------------------------------------------------------------------- peers

const transport = await startPeersAndTicks(rt, queue, decodePeerMessage, (n, m) => n.step(m), (n) => n.tick(), tickMs);

// ---------------------------------------------------------------------------- clients

function toCoreRequest(req: WireRequest): ClientRequest {
  const r = decodeClientRequest(GOSSIP_RPCS, req);
  switch (r.type) {
    case 'read':
      return { type: 'read', key: clientKey(r.key) };
    case 'write':
      return { type: 'write', key: clientKey(r.key), value: r.value };
    case 'state':
    case 'claims':
      return { type: r.type };
  }
}

await serveClients(rt, waiting, toCoreRequest, (n, reqId, r) => n.request(reqId, r), () => ({ ...node.statusView(), transport: transport.stats }), `members ${joinOrder([cfg.id, ...Object.keys(cfg.peers)]).join(',')}`);
