/**
 * Test support for the embedded Toxiproxy server: TCP echo/scripted upstreams on loopback, a
 * client socket that records what it receives and how it ended, and a raw HTTP helper.
 * Everything binds 127.0.0.1 on port 0 and is closed by the test that made it.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from '../../../harness/toxiproxy/server.js';
import { freePorts } from '../../../harness/cluster/ports.js';

/** A TCP upstream on loopback. By default it echoes; `onConnection` replaces that. */
export interface Upstream {
  port: number;
  addr: string;
  sockets: Set<net.Socket>;
  /** Per accepted connection: what it received and how it ended. */
  conns: Array<{ socket: net.Socket; data: Buffer[]; ended: 'open' | 'eof' | 'reset' | 'closed'; endedAt: number }>;
  close(): Promise<void>;
}

export async function startUpstream(onConnection?: (s: net.Socket) => void): Promise<Upstream> {
  const sockets = new Set<net.Socket>();
  const conns: Upstream['conns'] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    const rec = { socket: s, data: [] as Buffer[], ended: 'open' as 'open' | 'eof' | 'reset' | 'closed', endedAt: 0 };
    conns.push(rec);
    s.on('data', (d) => rec.data.push(d));
    s.on('end', () => {
      if (rec.ended === 'open') {
        rec.ended = 'eof';
        rec.endedAt = performance.now();
      }
      // The echo answers a FIN with a FIN; scripted upstreams decide for themselves.
      if (!onConnection) s.end();
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (rec.ended === 'open') {
        rec.ended = e.code === 'ECONNRESET' ? 'reset' : 'closed';
        rec.endedAt = performance.now();
      }
    });
    s.on('close', () => {
      sockets.delete(s);
      if (rec.ended === 'open') {
        rec.ended = 'closed';
        rec.endedAt = performance.now();
      }
    });
    if (onConnection) onConnection(s);
    else s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    addr: `127.0.0.1:${port}`,
    sockets,
    conns,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A client connection that records everything it receives. */
export class Client {
  readonly socket: net.Socket;
  readonly chunks: Array<{ data: Buffer; at: number }> = [];
  ended: 'open' | 'eof' | 'reset' | 'closed' | 'refused' = 'open';
  endedAt = 0;
  readonly startedAt = performance.now();
  private waiters: Array<() => void> = [];

  constructor(addr: string) {
    const i = addr.lastIndexOf(':');
    this.socket = net.connect({ host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)), allowHalfOpen: true });
    this.socket.on('data', (d) => {
      this.chunks.push({ data: d, at: performance.now() });
      this.wake();
    });
    this.socket.on('end', () => this.finish('eof'));
    this.socket.on('error', (e: NodeJS.ErrnoException) =>
      this.finish(e.code === 'ECONNRESET' ? 'reset' : e.code === 'ECONNREFUSED' ? 'refused' : 'closed'),
    );
    this.socket.on('close', () => this.finish('closed'));
  }

  private finish(how: Client['ended']): void {
    if (this.ended === 'open') {
      this.ended = how;
      this.endedAt = performance.now();
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === 'open') return resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  received(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.data));
  }

  /** Waits until `pred` holds, or fails after `timeoutMs`. */
  async until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for at least `n` bytes in total. */
  bytes(n: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.received().length >= n, timeoutMs, `${n} bytes`);
  }

  /** Waits for the connection to end (EOF, reset or close). */
  end(timeoutMs = 5000): Promise<void> {
    return this.until(() => this.ended !== 'open', timeoutMs, 'the end of the connection');
  }

  /** Writes and measures the time until `n` more bytes arrived. */
  async roundTrip(data: string, timeoutMs = 5000): Promise<number> {
    const before = this.received().length;
    const t0 = performance.now();
    this.socket.write(data);
    await this.bytes(before + Buffer.byteLength(data), timeoutMs);
    return performance.now() - t0;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Opens a client and waits for the TCP connect. */
export async function connect(addr: string): Promise<Client> {
  const c = new Client(addr);
  await c.connected();
  return c;
}

/** True when a TCP connect to `addr` is refused. */
export async function isRefused(addr: string): Promise<boolean> {
  const c = new Client(addr);
  await c.until(() => c.ended !== 'open' || c.socket.readyState === 'open', 3000, 'connect or refusal');
  const refused = c.ended === 'refused';
  c.destroy();
  return refused;
}

/** A raw HTTP exchange (fetch, as the node client uses). */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(base + path, { method, ...(body !== undefined ? { body } : {}), headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** Starts a server on a free loopback port with a fixed seed. */
export function startServer(seed = 1): Promise<ToxiproxyServer> {
  return startToxiproxyServer({ host: '127.0.0.1', port: 0, seed });
}

/** What a test file shares: the embedded server, a client of it, and an echo upstream. */
export interface ServerFixture {
  srv: ToxiproxyServer;
  tp: Toxiproxy;
  echo: Upstream;
}

/**
 * Registers the hooks that start a server (with `seed`), a client and an echo upstream before the
 * tests of a file and stop them after; with `cleanEach`, every proxy is deleted after each test.
 * The fields of the returned object are set once the hooks have run.
 */
export function serverFixture(seed = 1, cleanEach = true): ServerFixture {
  const fx = {} as ServerFixture;
  beforeAll(async () => {
    fx.srv = await startServer(seed);
    fx.tp = new Toxiproxy(fx.srv.url);
    fx.echo = await startUpstream();
  });
  afterAll(async () => {
    await fx.srv.close();
    await fx.echo.close();
  });
  if (cleanEach) {
    afterEach(async () => {
      for (const name of [...fx.srv.api.proxies.keys()]) await http(fx.srv.url, 'DELETE', `/proxies/${name}`);
    });
  }
  return fx;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (the harness's own finder; closed again before it is returned). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
