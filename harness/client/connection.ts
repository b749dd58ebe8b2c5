/**
 * One NDJSON-over-TCP connection from a client to a node: requests are lines with a fresh
 * `msg_id`, replies are matched by `in_reply_to` and may come in any order (pipelining).
 *
 * Each request resolves exactly once, to one of:
 * - `reply`: the node answered (an error reply is still a reply);
 * - `timeout`: no answer within the request's timeout (the node may still apply it);
 * - `lost`: the connection broke with the request in flight (it may have been applied).
 * A request on a connection that is already closed resolves to `unsent`: it never left.
 */
import { connect, type Socket } from 'node:net';

/** How one request ended. */
export type RequestOutcome =
  | { kind: 'reply'; body: Record<string, unknown> }
  | { kind: 'timeout' }
  | { kind: 'lost'; reason: string }
  | { kind: 'unsent'; reason: string };

/** The longest line accepted from a node; beyond it the connection is dropped. */
const LINE_BYTES_MAX = 16 * 1024 * 1024;

interface Pending {
  resolve: (o: RequestOutcome) => void;
  timer: NodeJS.Timeout;
}

/** A pipelined NDJSON connection. */
export class NdjsonConnection {
  private nextMsgId = 1;
  private readonly pending = new Map<number, Pending>();
  private buf = '';
  private closedReason: string | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.onClose(err.message));
    socket.on('close', () => this.onClose('connection closed'));
  }

  /** Connects, or rejects with a short reason (refused, timed out). */
  static connect(host: string, port: number, timeoutMs: number): Promise<NdjsonConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new NdjsonConnection(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(err.code ?? err.message));
      });
    });
  }

  /** True until the connection broke or was closed. */
  get open(): boolean {
    return this.closedReason === null;
  }

  /** Sends one request and waits for its reply, at most `timeoutMs`. */
  request(body: Record<string, unknown>, timeoutMs: number): Promise<RequestOutcome> {
    if (this.closedReason !== null) return Promise.resolve({ kind: 'unsent', reason: this.closedReason });
    const msgId = this.nextMsgId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.pending.set(msgId, { resolve, timer });
      this.socket.write(`${JSON.stringify({ ...body, msg_id: msgId })}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    if (this.buf.length > LINE_BYTES_MAX) {
      this.socket.destroy();
      this.onClose('reply line too long');
      return;
    }
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // A line we cannot read answers nothing we can name; its request will time out.
      }
      if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) continue;
      const body = msg as Record<string, unknown>;
      const id = body.in_reply_to;
      if (typeof id !== 'number') continue;
      const p = this.pending.get(id);
      if (!p) continue; // A late reply to a request that already timed out.
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve({ kind: 'reply', body });
    }
  }

  private onClose(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve({ kind: 'lost', reason });
    }
  }

  /** Closes the connection; requests in flight resolve as `lost`. */
  close(): void {
    this.socket.destroy();
    this.onClose('closed by the client');
  }
}
