/**
 * txkv's Consistent Core process (the manifest's `core` role): `node core-main.js --config <file>`.
 * It is raftkv's Raft core with raftkv's key-value state machine, always in its correct variant,
 * whatever variant the run gives the data nodes: the partition map is one key of it
 * (`partition-map`, a value `{ version, owners }`), read linearizably by the data nodes and
 * changed by compare-and-set, so each version follows exactly one other.
 *
 * Its peers are the other processes of the role (the config's `peers`); its clients are the data
 * nodes. Disk, update loop and params are raftkv's (systems/raftkv/raft-shell.ts).
 */
import { RPCS } from '../../workloads/wire/rpc.js';
import type { ClientRequest as WireRequest } from '../lib/client-listener.js';
import { createNode } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { serveClients, startPeerTransport } from '../lib/shell.js';
import { raftkvStateMachine } from '../raftkv/core/machine.js';
import { RaftNode } from '../raftkv/core/raft.js';
import type { ClientRequest } from '../raftkv/core/types.js';
import { decodePeerMessage } from '../raftkv/peer-decode.js';
import { openRaftDisk, raftParamsFromConfig, startRaftLoop } from '../raftkv/raft-shell.js';
import { TXKV_VARIANTS } from './core/types.js';

const rt = createNode(TXKV_VARIANTS);
const cfg = rt.config;
const params = raftParamsFromConfig(rt);
const disk = await openRaftDisk(rt);

const node = new RaftNode({
  id: cfg.id,
  peers: Object.keys(cfg.peers),
  variant: 'correct',
  params,
  clock: rt.clock,
  rng: rt.rng.fork(),
  sessionId: `${cfg.id}@${Date.now().toString(36)}.${rt.rng.int(0, 2 ** 30).toString(36)}`,
  restore: disk.restored,
  ...raftkvStateMachine('correct'),
});

const raftLoop = startRaftLoop(rt, node, disk);
const { queue, waiting } = raftLoop;
const transport = await startPeerTransport(rt, decodePeerMessage, (m) => queue.enqueue((n) => n.step(m)));
raftLoop.transport = transport;
setInterval(() => queue.enqueue((n) => n.tick()), params.tickMs);

/** The map is read, written and compare-and-set; transactions are the data nodes' business. */
const CORE_RPCS = { read: RPCS.read, write: RPCS.write, cas: RPCS.cas } as const;

function toCoreRequest(req: WireRequest): ClientRequest {
  const r = decodeClientRequest(CORE_RPCS, req);
  switch (r.type) {
    case 'read':
      return { type: 'read', key: JSON.stringify(r.key) };
    case 'write':
      return { type: 'write', key: JSON.stringify(r.key), value: r.value };
    case 'cas':
      return { type: 'cas', key: JSON.stringify(r.key), from: r.from, to: r.to };
  }
}

await serveClients(rt, waiting, toCoreRequest, (n, reqId, r) => n.request(reqId, r), () => ({ ...node.status(), transport: transport.stats }), `core peers ${Object.keys(cfg.peers).join(',') || '-'}`);
