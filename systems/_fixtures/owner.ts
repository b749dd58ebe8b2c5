/**
 * The shape shared by the test fixtures whose data lives on one node, built on systems/lib like
 * any system: n1 holds the data and answers requests; every other node forwards each client
 * request to n1 over the peer transport (through the harness's proxy for that link) and n1 sends
 * the answer back the same way, so partitions and latency on the links reach the clients. This
 * module is the client listener, the forwarding and the status facts; each fixture brings only
 * its store.
 *
 * The fixtures exist to prove the harness (one always right, one that lies on reads, one that
 * never answers, one that dies at start); they are not pattern implementations.
 */
import { decodeRequest, type RequestOf, type RpcSet } from '../../workloads/wire/rpc.js';
import { startClientListener, type ReplyBody } from '../lib/client-listener.js';
import { ErrorCode, RpcError } from '../lib/errors.js';
import { announceReady, exitFatal, type NodeRuntime } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { Transport, type PeerMessage } from '../lib/transport.js';

/** How long a forwarded request may wait for n1's answer before the client is told "timeout". */
const FORWARD_TIMEOUT_MS = 1000;
/** Most forwarded requests waiting for n1 at once; beyond it clients get error 11. */
const MAX_FORWARDS_PENDING = 10_000;
/** The node that holds the data. */
export const OWNER = 'n1';

/** What a fixture's data node does with a decoded request: the reply body (an error body included). */
export interface OwnedStore<S extends RpcSet> {
  apply(req: RequestOf<S>): ReplyBody | Promise<ReplyBody>;
  close(): void;
}

/** True when this node holds the data (it is n1, or it has no n1 to forward to). */
export function isOwnerNode(rt: NodeRuntime): boolean {
  return rt.config.id === OWNER || rt.config.peers[OWNER] === undefined;
}

/** An error body becomes the {@link RpcError} the client listener answers with. */
function settle(reply: ReplyBody): ReplyBody {
  if (reply.type !== 'error') return reply;
  const code = typeof reply.code === 'number' ? reply.code : ErrorCode.crash;
  throw new RpcError(code, typeof reply.text === 'string' ? reply.text : 'error');
}

/**
 * Serves clients on the node's client port (the store on n1, forwarding elsewhere) and, on n1,
 * forwarded requests from the peer transport; then prints `ready`. Requests are decoded through
 * `rpcs` before anything else, on the node that received them and again on n1.
 */
export async function serveOwnerOrForward<S extends RpcSet>(
  rt: NodeRuntime,
  rpcs: S,
  store: OwnedStore<S> | null,
  opts: { role: string; facts?: () => Record<string, unknown>; describe?: string },
): Promise<void> {
  const { config, logger } = rt;
  let served = 0;
  let nextForwardId = 1;
  const pending = new Map<number, { done: (r: ReplyBody) => void; timer: NodeJS.Timeout }>();
  const peers = new Set(Object.keys(config.peers));

  const onPeerMessage = (m: PeerMessage): void => {
    if (m.type === 'fwd' && store !== null && typeof m.from === 'string' && peers.has(m.from) && Number.isSafeInteger(m.id)) {
      const body = m.body;
      const from = m.from;
      const answer = (reply: ReplyBody): void => transport.send(from, { type: 'fwd_ok', id: m.id, body: reply });
      const d =
        typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string'
          ? decodeRequest(rpcs, body as { type: string })
          : ({ ok: false, code: ErrorCode.malformedRequest, text: 'a forwarded request must be an object with a type' } as const);
      if (d.ok) void Promise.resolve(store.apply(d.request)).then(answer);
      else answer({ type: 'error', code: d.code, text: d.text });
    } else if (m.type === 'fwd_ok' && typeof m.id === 'number') {
      const p = pending.get(m.id);
      if (p === undefined || typeof m.body !== 'object' || m.body === null) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      p.done(m.body as ReplyBody);
    }
  };

  const transport = await Transport.start({
    id: config.id,
    peerPort: config.peerPort,
    peers: config.peers,
    logger,
    rng: rt.rng.fork(),
    onMessage: onPeerMessage,
    ...(config.clusterToken !== undefined ? { clusterToken: config.clusterToken } : {}),
  }).catch((e: unknown) => exitFatal(rt, `cannot listen for peers on 127.0.0.1:${config.peerPort}: ${(e as Error).message}`));

  /** Sends a decoded request to n1; an answer that does not come in time is indefinite (timeout). */
  const forward = (req: RequestOf<S>): Promise<ReplyBody> =>
    new Promise((resolve) => {
      if (pending.size >= MAX_FORWARDS_PENDING) {
        resolve({ type: 'error', code: ErrorCode.temporarilyUnavailable, text: 'too many requests waiting for n1' });
        return;
      }
      const id = nextForwardId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ type: 'error', code: ErrorCode.timeout, text: 'n1 did not answer in time' });
      }, FORWARD_TIMEOUT_MS);
      pending.set(id, { done: resolve, timer });
      transport.send(OWNER, { type: 'fwd', id, body: req });
    });

  try {
    await startClientListener({
      port: config.clientPort,
      clock: rt.clock,
      logger,
      handler: async (raw) => {
        const req = decodeClientRequest(rpcs, raw);
        served++;
        return settle(await (store !== null ? store.apply(req) : forward(req)));
      },
      status: () => ({ role: store ? opts.role : 'forwarder', ...(opts.facts?.() ?? {}), served }),
    });
  } catch (e) {
    exitFatal(rt, `cannot listen on 127.0.0.1:${config.clientPort}: ${(e as Error).message}`);
  }
  process.on('exit', () => store?.close());
  const what = opts.describe ? `${opts.describe}, ` : '';
  announceReady(rt, `${what}${store ? 'holds the data' : `forwarding to ${OWNER}`}`);
}
