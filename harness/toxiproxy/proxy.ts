/**
 * One proxy: a listener, its upstream, its toxics, and its open connections.
 *
 * Lifecycle follows the real server: starting binds `listen` (rewritten to the bound address);
 * stopping closes the listener and every connection; toxics survive a stop. Each accepted client
 * gets one upstream connection (dialled at once; on failure the client is closed, so it sees a
 * successful connect then EOF) and two links built from the toxics present at that moment.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { ApiError } from './errors.js';
import { bindHost, formatBound, resolveTcpAddr, splitHostPort } from './address.js';
import { Connection, Link, noEffects, type ProxyEffects } from './link.js';
import { MutableRng, deriveSeed } from '../random.js';
import type { Direction, ToxicDef } from './toxics.js';

/** At most this many open connections per proxy; further clients are closed at once. */
const MAX_CONNECTIONS_PER_PROXY = 10_000;

/** The JSON shape of a toxic, keys in the real server's order. */
export function toxicJson(t: ToxicDef): Record<string, unknown> {
  return { attributes: t.attributes, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity };
}

/** Receives each finished link's byte counts (the /metrics counters). */
export type LinkBytesSink = (labels: { direction: Direction; listener: string; proxy: string; upstream: string }, received: number, sent: number) => void;

/** A proxy and its data plane. */
export class ProxyInstance {
  listen: string;
  upstream: string;
  enabled = false;
  readonly upToxics: ToxicDef[] = [];
  readonly downToxics: ToxicDef[] = [];
  /** What this proxy's toxics and its stops did to the traffic, since it was created. */
  readonly effects: ProxyEffects = noEffects();
  private server: Server | null = null;
  private readonly conns = new Set<Connection>();
  private connCount = 0;

  constructor(
    readonly name: string,
    listen: string,
    upstream: string,
    private readonly seed: number,
    private readonly onLinkBytes?: LinkBytesSink,
  ) {
    this.listen = listen;
    this.upstream = upstream;
  }

  /** The proxy as the API shows it. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      Logger: {},
      toxics: this.toxics().map(toxicJson),
    };
  }

  /** Upstream toxics then downstream toxics, each in insertion order. */
  toxics(): ToxicDef[] {
    return [...this.upToxics, ...this.downToxics];
  }

  /** Binds the listener. Throws a 500 ApiError with Go's wording when it cannot. */
  async start(): Promise<void> {
    if (this.enabled) return;
    let host: string;
    let port: number;
    try {
      const r = await resolveTcpAddr(this.listen);
      host = r.host;
      port = r.port;
    } catch (e) {
      if (e instanceof ApiError) throw new ApiError(500, `listen tcp: ${e.message}`);
      throw e;
    }
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    server.on('connection', (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.close();
        const shown = host === '' ? `:${port}` : `${host.includes(':') ? `[${host}]` : host}:${port}`;
        reject(new ApiError(500, `listen tcp ${shown}: bind: ${errnoText(err)}`));
      };
      server.once('error', onError);
      server.listen({ host: bindHost(host), port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', () => {
          /* accept errors (EMFILE) are not fatal to the proxy */
        });
        resolve();
      });
    });
    this.server = server;
    this.listen = formatBound(server.address() as import('node:net').AddressInfo);
    this.enabled = true;
  }

  /** Closes the listener and every connection (FIN, or RST where reset_peer set linger 0). */
  stop(): void {
    if (this.server) {
      this.server.close();
      this.server = null;
    }
    // A disabled proxy cuts every connection it carried (attempts refused later are not seen).
    this.effects.connectionsCut += this.conns.size;
    for (const c of [...this.conns]) c.close();
    this.enabled = false;
  }

  private accept(client: Socket): void {
    if (!this.enabled || this.conns.size >= MAX_CONNECTIONS_PER_PROXY) {
      client.destroy();
      return;
    }
    const index = this.connCount++;
    let target: { host: string; port: number };
    try {
      target = splitHostPort(this.upstream, '');
    } catch {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.host || 'localhost', port: target.port, allowHalfOpen: true, noDelay: true });
    upstream.pause();
    client.on('error', () => {});
    let settled = false;
    const fail = (): void => {
      if (settled) return;
      settled = true;
      upstream.destroy();
      client.destroy();
    };
    upstream.once('error', fail);
    client.once('close', fail);
    upstream.once('connect', () => {
      if (settled) return;
      settled = true;
      upstream.off('error', fail);
      client.off('close', fail);
      if (client.destroyed || !this.enabled) {
        upstream.destroy();
        client.destroy();
        return;
      }
      const listener = this.listen;
      const upstreamAddr = this.upstream;
      const conn = new Connection(client, upstream, (c) => {
        this.conns.delete(c);
        // Counted when a link ends, as the real server does.
        for (const l of [c.up, c.down]) {
          this.onLinkBytes?.({ direction: l.direction, listener, proxy: this.name, upstream: upstreamAddr }, l.receivedBytes, l.sentBytes);
        }
      });
      const rng = new MutableRng(deriveSeed(deriveSeed(this.seed, this.name), String(index)));
      // A reset_peer toxic present at start sets SO_LINGER=0 on the connection (even at toxicity 0).
      conn.linger0 = this.toxics().some((t) => t.type === 'reset_peer');
      conn.effects = this.effects;
      conn.up = new Link(conn, 'upstream', client, upstream, rng, this.upToxics);
      conn.down = new Link(conn, 'downstream', upstream, client, rng, this.downToxics);
      this.conns.add(conn);
      conn.up.begin();
      conn.down.begin();
      client.resume();
      upstream.resume();
    });
  }

  /** The toxic list of one direction. */
  list(direction: Direction): ToxicDef[] {
    return direction === 'upstream' ? this.upToxics : this.downToxics;
  }

  /** Finds a toxic by name in either direction. */
  findToxic(name: string): ToxicDef | undefined {
    return this.upToxics.find((t) => t.name === name) ?? this.downToxics.find((t) => t.name === name);
  }

  /** Adds a toxic and applies it to every open connection. */
  addToxic(t: ToxicDef): void {
    this.list(t.direction).push(t);
    for (const c of this.conns) (t.direction === 'upstream' ? c.up : c.down).addToxic(t);
  }

  /** Restarts an updated toxic on every open connection. */
  updateToxic(t: ToxicDef): void {
    for (const c of this.conns) (t.direction === 'upstream' ? c.up : c.down).updateToxic(t.name);
  }

  /** Removes a toxic; a timeout toxic's removal closes the connections that had it. */
  removeToxic(t: ToxicDef): void {
    const list = this.list(t.direction);
    const i = list.indexOf(t);
    if (i >= 0) list.splice(i, 1);
    for (const c of [...this.conns]) {
      const link = t.direction === 'upstream' ? c.up : c.down;
      const had = link.removeToxic(t.name);
      if (had && t.type === 'timeout') c.close();
    }
  }

  /** Removes every toxic (as /reset does). */
  removeAllToxics(): void {
    for (const t of this.toxics()) this.removeToxic(t);
  }

  /** Open connections (for tests and metrics). */
  connectionCount(): number {
    return this.conns.size;
  }
}

function errnoText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EACCES':
      return 'permission denied';
    case 'EADDRNOTAVAIL':
      return 'cannot assign requested address';
    default:
      return err.message;
  }
}
