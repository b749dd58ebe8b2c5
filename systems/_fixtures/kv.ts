/**
 * The key-value node shared by the `atomic-kv` and `stale-kv` fixtures.
 *
 * Node n1 holds the map and persists every change (an fsynced append-only log in its data dir)
 * before it answers, so a kill -9 loses nothing that was acknowledged. Every other node forwards
 * each client request to n1 over its peer link, i.e. through the harness's proxy for that link,
 * and relays the answer: partitions and latency on the links therefore reach the clients.
 *
 * With `staleReads`, n1 answers reads from a copy of the map that is refreshed only every
 * `staleLagMs` (default 400 ms): the register workload must find that non-linearizable.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  exitWhenStdinCloses, handleAdmin, listen, loadConfig, log, onLines, send, sniffMsgId,
  type Message, type NodeConfig,
} from './common.js';

/** How long a forwarded request may wait for n1's answer before the client is told "timeout". */
const FORWARD_TIMEOUT_MS = 1000;
const OWNER = 'n1';

interface Options {
  staleReads: boolean;
}

type Reply = Message;

class Store {
  private readonly map = new Map<string, unknown>();
  private copy = new Map<string, unknown>();
  private readonly logFile: string;
  private fd: number;

  constructor(dataDir: string, private readonly staleReads: boolean, lagMs: number) {
    mkdirSync(dataDir, { recursive: true });
    this.logFile = join(dataDir, 'kv.log');
    if (existsSync(this.logFile)) {
      const text = readFileSync(this.logFile, 'utf8');
      // Cut a torn last line (kill -9 in the middle of an append), so the next append starts on a
      // line of its own instead of being glued to the fragment and lost at the next replay.
      const end = text.lastIndexOf('\n') + 1;
      if (end < text.length) truncateSync(this.logFile, Buffer.byteLength(text.slice(0, end)));
      for (const line of text.slice(0, end).split('\n')) {
        // A torn last line (kill -9 in the middle of a write) was never acknowledged: skip it.
        try {
          const [k, v] = JSON.parse(line) as [string, unknown];
          this.map.set(k, v);
        } catch {
          /* torn or empty line */
        }
      }
    }
    this.fd = openSync(this.logFile, 'a');
    this.copy = new Map(this.map);
    if (staleReads) setInterval(() => (this.copy = new Map(this.map)), lagMs).unref();
  }

  private persist(key: string, value: unknown): void {
    appendFileSync(this.fd, `${JSON.stringify([key, value])}\n`);
    fsyncSync(this.fd);
  }

  apply(req: Message): Reply {
    const key = JSON.stringify(req.key ?? null);
    switch (req.type) {
      case 'read': {
        const from = this.staleReads ? this.copy : this.map;
        return { type: 'read_ok', value: from.has(key) ? from.get(key) : null };
      }
      case 'write':
        this.map.set(key, req.value);
        this.persist(key, req.value);
        return { type: 'write_ok' };
      case 'cas': {
        if (!this.map.has(key)) return { type: 'error', code: 20, text: 'key does not exist' };
        const cur = this.map.get(key);
        if (JSON.stringify(cur) !== JSON.stringify(req.from)) {
          return { type: 'error', code: 22, text: `expected ${JSON.stringify(req.from)}, found ${JSON.stringify(cur)}` };
        }
        this.map.set(key, req.to);
        this.persist(key, req.to);
        return { type: 'cas_ok' };
      }
      default:
        return { type: 'error', code: 10, text: `unsupported request type ${String(req.type)}` };
    }
  }

  close(): void {
    closeSync(this.fd);
  }
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

/** Starts a kv fixture node from its config. */
export async function runKvNode(opts: Options): Promise<void> {
  const config: NodeConfig = loadConfig();
  exitWhenStdinCloses();
  const isOwner = config.id === OWNER || config.peers[OWNER] === undefined;
  const lagMs = Number(config.params.staleLagMs ?? 400);
  const store = isOwner ? new Store(config.dataDir, opts.staleReads, lagMs) : null;
  const link = isOwner ? null : new OwnerLink(config.peers[OWNER] as string);
  let served = 0;

  const serve = async (req: Message): Promise<Reply> => {
    served++;
    if (store) return store.apply(req);
    return (link as OwnerLink).forward(req);
  };

  await listen(config.clientPort, (socket) => {
    socket.setNoDelay(true);
    onLines(socket, (msg, raw) => {
      if (!msg) {
        const id = sniffMsgId(raw);
        if (id !== null) send(socket, { type: 'error', in_reply_to: id, code: 12, text: 'malformed request' });
        return;
      }
      if (handleAdmin(socket, msg, () => ({ role: isOwner ? 'owner' : 'forwarder', served }))) return;
      const { msg_id: msgId, ...body } = msg;
      void serve(body).then((reply) => send(socket, { ...reply, in_reply_to: msgId }));
    });
  });

  // Peer port: n1 answers forwarded requests; the other nodes accept and ignore.
  await listen(config.peerPort, (socket) => {
    socket.setNoDelay(true);
    onLines(socket, (msg) => {
      if (!msg || msg.type !== 'fwd' || !store) return;
      send(socket, { type: 'fwd_ok', id: msg.id, body: store.apply(msg.body as Message) });
    });
  });

  log(config.id, `listening: client ${config.clientPort}, peer ${config.peerPort}, ${isOwner ? 'owner of the map' : `forwarding to ${OWNER}`}`);
  process.stdout.write('ready\n');
  process.on('exit', () => store?.close());
}
