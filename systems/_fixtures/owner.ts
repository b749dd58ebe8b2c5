/**
 * The shape shared by the fixtures whose data lives on one node: n1 holds the data and answers
 * requests; every other node forwards each client request to n1 over its peer link (through the
 * harness's proxy for that link) and relays the answer, so partitions and latency on the links
 * reach the clients. This module is the client listener, the peer listener and the forwarding;
 * each fixture brings only its store.
 */
import { connect, type Socket } from 'node:net';
import { handleAdmin, listen, log, onLines, send, sniffMsgId, type Message, type NodeConfig } from './common.js';

/** How long a forwarded request may wait for n1's answer before the client is told "timeout". */
const FORWARD_TIMEOUT_MS = 1000;
/** The node that holds the data. */
export const OWNER = 'n1';

type Reply = Message;

/** What a fixture's data node does with a request. */
export interface OwnedStore {
  apply(req: Message): Reply | Promise<Reply>;
  close(): void;
}

/** True when this node holds the data (it is n1, or it has no n1 to forward to). */
export function isOwnerNode(config: NodeConfig): boolean {
  return config.id === OWNER || config.peers[OWNER] === undefined;
}

/** A connection from this node to n1's peer port (through the proxy), with requests in flight. */
class OwnerLink {
  private socket: Socket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { done: (r: Reply) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly address: string) {}

  private open(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const [host, port] = this.address.split(':');
    const s = connect(Number(port), host);
    s.setNoDelay(true);
    onLines(s, (msg) => {
      if (!msg || msg.type !== 'fwd_ok') return;
      const p = this.pending.get(Number(msg.id));
      if (!p) return;
      this.pending.delete(Number(msg.id));
      clearTimeout(p.timer);
      p.done(msg.body as Reply);
    });
    s.on('close', () => {
      if (this.socket === s) this.socket = null;
      // Requests that were in flight may or may not have been applied by n1: indefinite.
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.done({ type: 'error', code: 13, text: 'connection to n1 lost' });
      }
    });
    this.socket = s;
    return s;
  }

  forward(body: Message): Promise<Reply> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ type: 'error', code: 0, text: 'n1 did not answer in time' });
      }, FORWARD_TIMEOUT_MS);
      this.pending.set(id, { done: resolve, timer });
      const s = this.open();
      send(s, { type: 'fwd', id, body });
    });
  }
}

/**
 * Serves clients on the node's client port (the store on n1, forwarding elsewhere) and, on n1,
 * forwarded requests on the peer port; then prints `ready`. `facts` are the admin status fields.
 */
export async function serveOwnerOrForward(
  config: NodeConfig,
  store: OwnedStore | null,
  opts: { role: string; facts?: () => Message; describe?: string },
): Promise<void> {
  const link = store ? null : new OwnerLink(config.peers[OWNER] as string);
  let served = 0;
  const serve = (req: Message): Promise<Reply> => {
    served++;
    return store ? Promise.resolve(store.apply(req)) : (link as OwnerLink).forward(req);
  };

  await listen(config.clientPort, (socket) => {
    socket.setNoDelay(true);
    onLines(socket, (msg, raw) => {
      if (!msg) {
        const id = sniffMsgId(raw);
        if (id !== null) send(socket, { type: 'error', in_reply_to: id, code: 12, text: 'malformed request' });
        return;
      }
      if (handleAdmin(socket, msg, () => ({ role: store ? opts.role : 'forwarder', ...(opts.facts?.() ?? {}), served }))) return;
      const { msg_id: msgId, ...body } = msg;
      void serve(body).then((reply) => send(socket, { ...reply, in_reply_to: msgId }));
    });
  });

  // Peer port: n1 answers forwarded requests; the other nodes accept and ignore.
  await listen(config.peerPort, (socket) => {
    socket.setNoDelay(true);
    onLines(socket, (msg) => {
      if (!msg || msg.type !== 'fwd' || !store) return;
      const body = msg.body !== null && typeof msg.body === 'object' ? (msg.body as Message) : {};
      void Promise.resolve(store.apply(body)).then((reply) => send(socket, { type: 'fwd_ok', id: msg.id, body: reply }));
    });
  });

  const what = opts.describe ? `${opts.describe}, ` : '';
  log(config.id, `listening: client ${config.clientPort}, peer ${config.peerPort}, ${what}${store ? 'holds the data' : `forwarding to ${OWNER}`}`);
  process.stdout.write('ready\n');
  process.on('exit', () => store?.close());
}
