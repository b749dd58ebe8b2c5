/**
 * A small request/reply client for NDJSON services (the protocol of the client listener): one
 * TCP connection, requests numbered by `msg_id`, replies matched by `in_reply_to`, each with a
 * timeout. A system uses it to call a process of another role (lockd's nodes call the fenced
 * resource). A broken connection fails what was in flight and is opened again by the next call.
 */
import { connect, type Socket } from 'node:net';
import { LineSplitter } from './ndjson.js';

/** A reply body, or why there is none. */
export type RpcOutcome = { ok: true; body: Record<string, unknown> & { type: string } } | { ok: false; why: string };

export class RpcClient {
  private socket: Socket | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (o: RpcOutcome) => void>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends `body` and resolves with the reply, or with why none came within `timeoutMs`. */
  call(body: Record<string, unknown> & { type: string }, timeoutMs: number): Promise<RpcOutcome> {
    const s = this.open();
    const id = this.nextId++;
    return new Promise<RpcOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ ok: false, why: `no reply within ${timeoutMs} ms` });
      }, timeoutMs);
      this.waiting.set(id, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
      s.write(`${JSON.stringify({ ...body, msg_id: id })}\n`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    if (this.socket !== null) return this.socket;
    const s = connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    const lines = new LineSplitter(
      (line) => {
        let m: { in_reply_to?: unknown } & Record<string, unknown>;
        try {
          m = JSON.parse(line) as typeof m;
        } catch {
          return;
        }
        const w = typeof m.in_reply_to === 'number' ? this.waiting.get(m.in_reply_to) : undefined;
        if (w === undefined) return;
        this.waiting.delete(m.in_reply_to as number);
        w({ ok: true, body: m as Record<string, unknown> & { type: string } });
      },
      () => {},
    );
    s.on('data', (chunk: Buffer) => lines.push(chunk));
    const fail = (why: string): void => {
      if (this.socket === s) this.socket = null;
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w({ ok: false, why });
      }
    };
    s.on('error', (e) => fail(e.message));
    s.on('close', () => fail('connection closed'));
    this.socket = s;
    return s;
  }
}
