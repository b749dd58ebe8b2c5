/**
 * Single-Socket Channel transport between nodes. Each node keeps ONE outbound TCP connection per
 * peer and sends one-way NDJSON messages on it, in order; it never sends anything back on a
 * connection it accepted. So every link between two nodes is two connections, one per direction,
 * and each proxy the harness puts in front of a peer carries one direction only: a one-way
 * partition really is one-way. Replies are just messages in the other direction.
 *
 * Network semantics, like the real thing: a message may be lost (a connection drops with bytes in
 * flight, a peer is down), but the messages that arrive over one connection arrive in send order.
 * While a peer is unreachable the sender reconnects with exponential backoff and jitter, keeping a
 * bounded queue of the newest messages to deliver once connected.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { parseHostPort } from './config.js';
import type { Logger } from './log.js';
import { LineSplitter, MAX_VALUE_DEPTH, nestsDeeperThan } from './ndjson.js';
import type { Rng } from './rng.js';

/** A message between nodes: any JSON object with a `type`. `from`/`to` are stamped by the transport. */
export interface PeerMessage {
  type: string;
  from?: string;
  to?: string;
  [field: string]: unknown;
}

/** The type of the first line on a peer connection in a cluster with a token. */
const HELLO_TYPE = 'hello';

/** Options of {@link Transport.start}. */
export interface TransportOptions {
  /** This node's id, stamped as `from` on every message. */
  id: string;
  /** Port on 127.0.0.1 for inbound peer connections; 0 picks a free one. */
  peerPort: number;
  /** Peer id -> "host:port" to dial. */
  peers: Record<string, string>;
  logger: Logger;
  /** Called for each message received, in arrival order per sender. */
  onMessage: (msg: PeerMessage) => void;
  /** Jitter source for the reconnect backoff. */
  rng: Rng;
  /** The cluster's shared token (see `NodeConfig.clusterToken`): sent first on each outbound connection, required first on each inbound one. */
  clusterToken?: string;
  /** First reconnect delay (default 20 ms); doubles up to `backoffMaxMs`. */
  backoffMinMs?: number;
  /** Longest reconnect delay (default 500 ms). */
  backoffMaxMs?: number;
  /** Most messages kept per peer while it is unreachable; the oldest are dropped (default 1000). */
  maxQueuedMessages?: number;
  /** Most bytes buffered in a connected socket before new messages are dropped (default 8 MiB). */
  maxBufferedBytes?: number;
}

/** Counters for the `status` admin message and tests. */
export interface TransportStats {
  sent: number;
  received: number;
  dropped: number;
  connects: number;
}

class OutboundChannel {
  private socket: Socket | null = null;
  private connected = false;
  private queue: string[] = [];
  private backoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly host: string;
  private readonly port: number;

  constructor(
    private readonly peerId: string,
    addr: string,
    private readonly t: Transport,
    private readonly opts: Required<Pick<TransportOptions, 'backoffMinMs' | 'backoffMaxMs' | 'maxQueuedMessages' | 'maxBufferedBytes'>> & { rng: Rng },
  ) {
    const hp = parseHostPort(peerId, addr);
    this.host = hp.host;
    this.port = hp.port;
    this.backoffMs = opts.backoffMinMs;
    this.dial();
  }

  private dial(): void {
    if (this.closed) return;
    const s = connect({ host: this.host, port: this.port });
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      this.backoffMs = this.opts.backoffMinMs;
      this.t.stats.connects++;
      if (this.t.helloLine) s.write(this.t.helloLine);
      const pending = this.queue;
      this.queue = [];
      for (const line of pending) this.write(line);
    });
    // Nothing is ever expected back on an outbound channel; drain and ignore.
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      this.connected = false;
      this.socket = null;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const jitter = this.opts.rng.int(0, Math.max(1, Math.floor(this.backoffMs / 2)));
    const delayMs = this.backoffMs + jitter;
    this.backoffMs = Math.min(this.opts.backoffMaxMs, this.backoffMs * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dial();
    }, delayMs);
  }

  private write(line: string): void {
    const s = this.socket!;
    if (s.writableLength > this.opts.maxBufferedBytes) {
      this.t.stats.dropped++;
      return;
    }
    s.write(line);
  }

  send(line: string): void {
    if (this.closed) return;
    if (this.connected && this.socket) {
      this.write(line);
      return;
    }
    this.queue.push(line);
    if (this.queue.length > this.opts.maxQueuedMessages) {
      this.queue.shift();
      this.t.stats.dropped++;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
  }
}

/** The node's peer transport: outbound channels to every peer and the inbound server. */
export class Transport {
  /** Counters of messages sent, received and dropped, and successful connects. */
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, connects: 0 };
  private readonly channels = new Map<string, OutboundChannel>();
  private readonly inbound = new Set<Socket>();
  private server: Server | null = null;
  private seq = 0;
  /** The port actually bound for inbound peer connections. */
  port = 0;
  /** The first line of every outbound connection when the cluster has a token. */
  readonly helloLine: string | undefined;

  private constructor(private readonly opts: TransportOptions) {
    this.helloLine =
      opts.clusterToken === undefined ? undefined : JSON.stringify({ type: HELLO_TYPE, from: opts.id, token: opts.clusterToken }) + '\n';
  }

  /** Binds the inbound server and starts dialing every peer. */
  static async start(opts: TransportOptions): Promise<Transport> {
    const t = new Transport(opts);
    await t.listen();
    const chOpts = {
      backoffMinMs: opts.backoffMinMs ?? 20,
      backoffMaxMs: opts.backoffMaxMs ?? 500,
      maxQueuedMessages: opts.maxQueuedMessages ?? 1000,
      maxBufferedBytes: opts.maxBufferedBytes ?? 8 << 20,
      rng: opts.rng,
    };
    for (const [pid, addr] of Object.entries(opts.peers)) t.channels.set(pid, new OutboundChannel(pid, addr, t, chOpts));
    return t;
  }

  private async listen(): Promise<void> {
    const server = createServer((socket) => {
      this.inbound.add(socket);
      // With a cluster token the first line must be the hello that carries it; anything else
      // (a stranger, a forged message) closes the connection before a message is read.
      let admitted = this.opts.clusterToken === undefined;
      const splitter = new LineSplitter(
        (line) => {
          if (admitted) return this.onLine(line);
          if (this.isHello(line)) admitted = true;
          else {
            this.opts.logger.info('closed a peer connection that did not present the cluster token');
            socket.destroy();
          }
        },
        () => this.opts.logger.info('dropped an oversized peer message'),
        16 << 20,
      );
      socket.on('data', (c: Buffer) => splitter.push(c));
      socket.on('error', () => {});
      socket.on('close', () => this.inbound.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.peerPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.opts.logger.info(`peer listener error: ${e.message}`));
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : this.opts.peerPort;
  }

  private isHello(line: string): boolean {
    try {
      const m = JSON.parse(line) as Record<string, unknown> | null;
      return typeof m === 'object' && m !== null && m.type === HELLO_TYPE && m.token === this.opts.clusterToken;
    } catch {
      return false;
    }
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.opts.logger.info('dropped an unparsable peer message');
      return;
    }
    if (typeof msg !== 'object' || msg === null || typeof (msg as PeerMessage).type !== 'string') {
      this.opts.logger.info('dropped a peer message without a type');
      return;
    }
    if (nestsDeeperThan(msg, MAX_VALUE_DEPTH + 16)) {
      this.opts.logger.info(`dropped a peer message nested deeper than ${MAX_VALUE_DEPTH + 16} levels`);
      return;
    }
    const m = msg as PeerMessage;
    this.stats.received++;
    this.opts.logger.msg('recv', String(m.from ?? '?'), this.opts.id, m.type, m.mid as number | undefined);
    this.opts.onMessage(m);
  }

  /** The peer ids this transport sends to. */
  peerIds(): string[] {
    return [...this.channels.keys()];
  }

  /**
   * Sends a one-way message to a peer. Returns at once; the message may be lost like any network
   * message. Unknown peers are ignored (and logged).
   */
  send(to: string, msg: PeerMessage): void {
    const ch = this.channels.get(to);
    if (!ch) {
      this.opts.logger.info(`send to unknown peer ${to} ignored`);
      return;
    }
    const mid = ++this.seq;
    const line = JSON.stringify({ ...msg, from: this.opts.id, to, mid }) + '\n';
    this.stats.sent++;
    this.opts.logger.msg('send', this.opts.id, to, msg.type, mid);
    ch.send(line);
  }

  /** Sends the message to every peer. */
  broadcast(msg: PeerMessage): void {
    for (const pid of this.channels.keys()) this.send(pid, msg);
  }

  /** Closes every channel and the inbound server. */
  async close(): Promise<void> {
    for (const ch of this.channels.values()) ch.close();
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
