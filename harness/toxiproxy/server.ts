/**
 * The embedded Toxiproxy-compatible server: the HTTP API of toxiproxy-server 2.12.0 over the
 * data plane in proxy.ts / link.ts.
 *
 * Routes, statuses, error shapes and quirks follow the real server (see README.md in this folder
 * for the API and the deliberate differences). Requests are handled one at a time, in arrival
 * order, so that API calls never interleave half-way (the real server holds a lock per
 * collection for the same reason).
 *
 *   const srv = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 1 });
 *   // srv.url -> 'http://127.0.0.1:40123'; drive it with toxiproxy-node-client
 *   await srv.close();
 */
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { ApiError, MSG, badBody, missingField, proxyNotFound, toxicNotFound } from './errors.js';
import { isLoopbackHost, refuseRemoteListen, resolveTcpAddr } from './address.js';
import { freshSeed } from '../random.js';
import { checkFields, decodeFirstValue } from './json.js';
import { ProxyInstance, toxicJson, type LinkBytesSink } from './proxy.js';
import { defaultAttributes, isToxicType, mergeAttributes, type Direction, type ToxicDef } from './toxics.js';

/** The Toxiproxy version this server's API matches, and the version it reports. */
export const TOXIPROXY_API_VERSION = '2.12.0';
/** Reported by GET /version: the API version plus a tag telling the embedded server apart. */
export const SERVER_VERSION = `${TOXIPROXY_API_VERSION}-faultline`;

/** Request bodies larger than this are refused (413), on every route. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** At most this many proxies on one server. */
const MAX_PROXIES = 10_000;
/** At most this many toxics on one proxy. */
const MAX_TOXICS_PER_PROXY = 1_000;

/** A proxy definition as /populate and --config take it. */
export interface ProxySpec {
  name: string;
  listen?: string;
  upstream: string;
  enabled?: boolean | null;
}

/** Options of the embedded server. */
export interface ToxiproxyServerOptions {
  /** API bind host; loopback by default, as the real server. Other hosts need `allowRemote`. */
  host?: string;
  /**
   * Allow an API host and proxy listen addresses beyond loopback (`0.0.0.0`, `[::]`, `:P`, an
   * empty listen, other interfaces). Off by default, unlike the real server, which binds them.
   */
  allowRemote?: boolean;
  /** API port; 0 picks a free one. */
  port?: number;
  /** Seed of every random decision (toxicity, jitter, slicer). */
  seed?: number;
  /** Serve /metrics with the per-proxy byte counters (the real server's -proxy-metrics). */
  proxyMetrics?: boolean;
}

/** A running embedded server. */
export interface ToxiproxyServer {
  url: string;
  host: string;
  port: number;
  seed: number;
  /** The API model, for direct use (populate from a config file, inspection in tests). */
  api: ToxiproxyApi;
  /** Stops the API and every proxy; leaves no sockets or timers behind. */
  close(): Promise<void>;
}

/** The result of a populate call: created or kept proxies, or the error that stopped it. */
export interface PopulateResult {
  proxies: ProxyInstance[];
  error?: ApiError;
}

/** The API's state and operations, independent of HTTP. */
export class ToxiproxyApi {
  readonly proxies = new Map<string, ProxyInstance>();
  /** Byte counters by metric line labels, when metrics are on. */
  readonly byteCounters = new Map<string, { received: number; sent: number }>();
  private readonly onLinkBytes: LinkBytesSink | undefined;

  constructor(
    readonly seed: number,
    readonly proxyMetrics = false,
    readonly allowRemote = false,
  ) {
    this.onLinkBytes = proxyMetrics
      ? (labels, received, sent) => {
          const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
          // Prometheus orders labels alphabetically.
          const key = `direction="${labels.direction}",listener="${esc(labels.listener)}",proxy="${esc(labels.proxy)}",upstream="${esc(labels.upstream)}"`;
          const c = this.byteCounters.get(key) ?? { received: 0, sent: 0 };
          c.received += received;
          c.sent += sent;
          this.byteCounters.set(key, c);
        }
      : undefined;
  }

  /** A new proxy instance wired to this API's metrics. */
  private instance(name: string, listen: string, upstream: string): ProxyInstance {
    return new ProxyInstance(name, listen, upstream, this.seed, this.onLinkBytes);
  }

  /** The Prometheus text of the byte counters. */
  metricsText(): string {
    const keys = [...this.byteCounters.keys()].sort();
    const lines: string[] = [];
    for (const [metric, field, help] of [
      ['toxiproxy_proxy_received_bytes_total', 'received', 'The total bytes received from a proxy link.'],
      ['toxiproxy_proxy_sent_bytes_total', 'sent', 'The total bytes sent by a proxy link.'],
    ] as const) {
      if (keys.length === 0) continue;
      lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} counter`);
      for (const k of keys) lines.push(`${metric}{${k}} ${this.byteCounters.get(k)![field]}`);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  get(name: string): ProxyInstance {
    const p = this.proxies.get(name);
    if (!p) throw proxyNotFound();
    return p;
  }

  async create(spec: ProxySpec): Promise<ProxyInstance> {
    if (!spec.name) throw missingField('name');
    if (!spec.upstream) throw missingField('upstream');
    if (this.proxies.has(spec.name)) throw new ApiError(409, MSG.proxyExists);
    if (this.proxies.size >= MAX_PROXIES) throw new ApiError(400, `too many proxies (at most ${MAX_PROXIES})`);
    // Checked even for a disabled proxy, so that a later enable or /reset cannot open it.
    refuseRemoteListen(spec.listen ?? '', this.allowRemote);
    const p = this.instance(spec.name, spec.listen ?? '', spec.upstream);
    if (spec.enabled !== false) await p.start();
    this.proxies.set(spec.name, p);
    return p;
  }

  /** Go's Proxy.Differs: listen (resolved) or upstream changed. */
  private async differs(p: ProxyInstance, listen: string, upstream: string): Promise<boolean> {
    const r = await resolveTcpAddr(listen);
    return p.listen !== r.text || p.upstream !== upstream;
  }

  async update(name: string, body: Record<string, unknown>): Promise<ProxyInstance> {
    const p = this.get(name);
    const listen = (body['listen'] as string | undefined) ?? p.listen;
    refuseRemoteListen(listen, this.allowRemote);
    const upstream = (body['upstream'] as string | undefined) ?? p.upstream;
    const enabled = (body['enabled'] as boolean | undefined) ?? p.enabled;
    if (await this.differs(p, listen, upstream)) {
      p.stop();
      p.listen = listen;
      p.upstream = upstream;
    }
    if (enabled !== p.enabled) {
      if (enabled) await p.start();
      else p.stop();
    }
    return p;
  }

  remove(name: string): void {
    const p = this.get(name);
    p.stop();
    this.proxies.delete(name);
  }

  /** /populate: validates every item first, then creates, keeps or replaces each in order. */
  async populate(items: ProxySpec[]): Promise<PopulateResult> {
    for (let i = 0; i < items.length; i++) {
      if (!items[i]!.name) throw missingField(`name at proxy ${i + 1}`);
      if (!items[i]!.upstream) throw missingField(`upstream at proxy ${i + 1}`);
    }
    const out: ProxyInstance[] = [];
    for (const item of items) {
      try {
        refuseRemoteListen(item.listen ?? '', this.allowRemote);
        const existing = this.proxies.get(item.name);
        if (existing) {
          let differs = true;
          try {
            differs = await this.differs(existing, item.listen ?? '', item.upstream);
          } catch {
            differs = true;
          }
          if (!differs) {
            out.push(existing);
            continue;
          }
          existing.stop();
          const fresh = this.instance(item.name, item.listen ?? '', item.upstream);
          // On a bind failure the stopped old proxy stays registered, as on the real server.
          if (item.enabled !== false) await fresh.start();
          this.proxies.set(item.name, fresh);
          out.push(fresh);
        } else {
          out.push(await this.create(item));
        }
      } catch (e) {
        if (e instanceof ApiError) return { proxies: out, error: e };
        throw e;
      }
    }
    return { proxies: out };
  }

  /** /reset: enables every proxy and removes every toxic; stops at the first proxy that cannot start. */
  async reset(): Promise<void> {
    for (const p of this.proxies.values()) {
      if (!p.enabled) await p.start();
      p.removeAllToxics();
    }
  }

  addToxic(proxyName: string, body: unknown): ToxicDef {
    const p = this.get(proxyName);
    const obj = checkFields(body, 'Toxic', { name: 'string', type: 'string', stream: 'string', toxicity: 'number' });
    const stream = (obj['stream'] as string | undefined) ?? 'downstream';
    const lower = stream.toLowerCase();
    if (lower !== 'upstream' && lower !== 'downstream') throw new ApiError(400, MSG.invalidStream);
    const direction: Direction = lower;
    const type = (obj['type'] as string | undefined) ?? '';
    const name = (obj['name'] as string | undefined) || `${type}_${stream}`;
    if (!isToxicType(type)) throw new ApiError(400, MSG.invalidToxicType);
    if (p.findToxic(name)) throw new ApiError(409, MSG.toxicExists);
    if (p.toxics().length >= MAX_TOXICS_PER_PROXY) throw new ApiError(400, `too many toxics (at most ${MAX_TOXICS_PER_PROXY})`);
    const attributes = mergeAttributes(type, defaultAttributes(type), obj['attributes']);
    const toxicity = toxicityOf(obj['toxicity'], 1);
    const t: ToxicDef = { name, type, stream, direction, toxicity, attributes };
    p.addToxic(t);
    return t;
  }

  getToxic(proxyName: string, toxicName: string): ToxicDef {
    const t = this.get(proxyName).findToxic(toxicName);
    if (!t) throw toxicNotFound();
    return t;
  }

  /** Updates attributes (merged) and toxicity; name, type and stream in the body are ignored. */
  updateToxic(proxyName: string, toxicName: string, bodyText: string): ToxicDef {
    const p = this.get(proxyName);
    const t = p.findToxic(toxicName);
    if (!t) throw toxicNotFound();
    const obj = checkFields(decodeFirstValue(bodyText), 'Toxic', { toxicity: 'number' });
    const attributes = mergeAttributes(t.type, t.attributes, obj['attributes']);
    const toxicity = toxicityOf(obj['toxicity'], t.toxicity);
    t.attributes = attributes;
    t.toxicity = toxicity;
    p.updateToxic(t);
    return t;
  }

  removeToxic(proxyName: string, toxicName: string): void {
    const p = this.get(proxyName);
    const t = p.findToxic(toxicName);
    if (!t) throw toxicNotFound();
    p.removeToxic(t);
  }

  /** Stops every proxy. */
  stopAll(): void {
    for (const p of this.proxies.values()) p.stop();
  }
}

/**
 * A number as Go's float32 holds and prints it: rounded to float32, then the shortest decimal that
 * rounds back to the same float32 (so 0.2 stays 0.2 and 1/3 becomes 0.33333334).
 */
export function float32(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return f;
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

/** A body's toxicity as float32, or `dflt` when absent; out of float32 range is a 400 as in Go. */
function toxicityOf(v: unknown, dflt: number): number {
  if (typeof v !== 'number') return dflt;
  const f = float32(v);
  if (!Number.isFinite(f)) throw badBody(`json: cannot unmarshal number ${v} into Go struct field Toxic.toxicity of type float32`);
  return f;
}

/** Parses a list of proxy specs (populate body or config file). Throws 400 ApiErrors. */
export function parseProxySpecs(body: unknown): ProxySpec[] {
  // JSON null decodes to an empty list in Go.
  if (body === null) return [];
  if (!Array.isArray(body)) {
    throw badBody(`json: cannot unmarshal ${body === null ? 'null' : typeof body === 'object' ? 'object' : typeof body} into Go value of type []main.Proxy`);
  }
  return body.map((item) => {
    const o = checkFields(item, 'Proxy', { name: 'string', listen: 'string', upstream: 'string', enabled: 'bool' });
    return {
      name: (o['name'] as string | undefined) ?? '',
      listen: (o['listen'] as string | undefined) ?? '',
      upstream: (o['upstream'] as string | undefined) ?? '',
      enabled: (o['enabled'] as boolean | undefined) ?? null,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP

type Handler = (ctx: { params: string[]; body: () => string; res: ServerResponse }) => Promise<void> | void;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** The headers of Go's http.Error, which every error of the real server goes through. */
const TEXT_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...TEXT_HEADERS, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError): void {
  sendText(res, err.status, `${JSON.stringify({ error: err.message, status: err.status })}\n`);
}

function sortedProxies(api: ToxiproxyApi): Record<string, unknown> {
  // No prototype, so that a proxy named __proto__ is a key like any other.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of [...api.proxies.keys()].sort()) out[name] = api.proxies.get(name)!.toJSON();
  return out;
}

function proxyBody(text: string): Record<string, unknown> {
  return checkFields(decodeFirstValue(text), 'Proxy', { name: 'string', listen: 'string', upstream: 'string', enabled: 'bool' });
}

const ANY_METHOD = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function routes(api: ToxiproxyApi): Route[] {
  const update: Handler = async ({ params, body, res }) => {
    api.get(params[0]!);
    sendJson(res, 200, (await api.update(params[0]!, proxyBody(body()))).toJSON());
  };
  const updateToxic: Handler = ({ params, body, res }) => {
    sendJson(res, 200, toxicJson(api.updateToxic(params[0]!, params[1]!, body())));
  };
  const metrics: Handler = ({ res }) => {
    const text = api.metricsText();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const table: Route[] = [
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: ({ res }) => sendJson(res, 200, sortedProxies(api)),
        POST: async ({ body, res }) => {
          const o = proxyBody(body());
          const spec: ProxySpec = {
            name: (o['name'] as string | undefined) ?? '',
            listen: (o['listen'] as string | undefined) ?? '',
            upstream: (o['upstream'] as string | undefined) ?? '',
            enabled: (o['enabled'] as boolean | undefined) ?? null,
          };
          sendJson(res, 201, (await api.create(spec)).toJSON());
        },
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async ({ body, res }) => {
          // /populate answers errors as application/json with a `proxies` field (no trailing newline).
          let result: PopulateResult;
          try {
            result = await api.populate(parseProxySpecs(decodeFirstValue(body())));
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            sendJson(res, e.status, { error: e.message, status: e.status, proxies: null });
            return;
          }
          const proxies = result.proxies.map((p) => p.toJSON());
          if (result.error) {
            const e = result.error;
            sendJson(res, e.status, { error: e.message, status: e.status, proxies: proxies.length ? proxies : null });
          } else {
            sendJson(res, 201, { proxies });
          }
        },
      },
    },
    {
      pattern: /^\/reset$/,
      methods: {
        POST: async ({ res }) => {
          await api.reset();
          sendNoContent(res);
        },
      },
    },
    {
      pattern: /^\/version$/,
      methods: {
        GET: ({ res }) => {
          const text = `{"version": "${SERVER_VERSION}"}\n`;
          res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
          res.end(text);
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: ({ params, res }) => sendJson(res, 200, api.get(params[0]!).toJSON()),
        POST: update,
        PATCH: update,
        DELETE: ({ params, res }) => {
          api.remove(params[0]!);
          sendNoContent(res);
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: ({ params, res }) => sendJson(res, 200, api.get(params[0]!).toxics().map(toxicJson)),
        POST: ({ params, body, res }) => {
          api.get(params[0]!);
          sendJson(res, 200, toxicJson(api.addToxic(params[0]!, decodeFirstValue(body()))));
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: ({ params, res }) => sendJson(res, 200, toxicJson(api.getToxic(params[0]!, params[1]!))),
        POST: updateToxic,
        PATCH: updateToxic,
        DELETE: ({ params, res }) => {
          api.removeToxic(params[0]!, params[1]!);
          sendNoContent(res);
        },
      },
    },
  ];
  // /metrics exists only when metrics are on (any method); otherwise it is 404 like any unknown path.
  if (api.proxyMetrics) table.push({ pattern: /^\/metrics$/, methods: Object.fromEntries(ANY_METHOD.map((m) => [m, metrics])) });
  return table;
}

/** A 20-character request id in the alphabet of the real server's xids. */
function requestIdFactory(): () => string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const startS = Math.floor(Date.now() / 1000);
  let counter = 0;
  return () => {
    let n = BigInt(startS) * 2n ** 40n + BigInt(counter++ & 0xffffffffff);
    let s = '';
    for (let i = 0; i < 20; i++) {
      s = alphabet[Number(n & 31n)]! + s;
      n >>= 5n;
    }
    return s;
  };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else parts.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/** The route and path parameters of a request target; no route means 404. */
function findRoute(table: Route[], url: string | undefined): { route?: Route; params: string[] } {
  let target = url ?? '/';
  // The absolute form (`GET http://host/proxies`) names the same path, as Go's server reads it.
  if (!target.startsWith('/')) {
    try {
      target = new URL(target).pathname;
    } catch {
      return { params: [] };
    }
  }
  let path: string;
  try {
    path = decodeURIComponent(target.split('?')[0]!);
  } catch {
    path = target;
  }
  for (const route of table) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1) };
  }
  return { params: [] };
}

/** How long a raw answer's connection keeps reading what the client still sends. */
const RAW_DRAIN_MS = 2_000;

/** Writes a whole response on a raw socket (CONNECT and unparsable requests have no ServerResponse). */
function writeRaw(socket: Duplex, status: number, headers: Record<string, string>, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
  for (const [k, v] of Object.entries({ ...headers, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' })) head.push(`${k}: ${v}`);
  // Bytes the client still sends are read and dropped for a while, so that its kernel does not
  // answer our close with a reset that discards this answer.
  socket.on('data', () => {});
  socket.resume();
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), RAW_DRAIN_MS).unref();
}

/** Starts the embedded server. Rejects when the API port cannot be bound. */
export async function startToxiproxyServer(opts: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  const host = opts.host ?? '127.0.0.1';
  const allowRemote = opts.allowRemote === true;
  // An API that opens listeners to any upstream has no authentication: loopback unless asked.
  if (!allowRemote && !isLoopbackHost(host)) {
    throw new Error(`the API host ${host} is not a loopback address; pass allowRemote (--allow-remote) to listen on it`);
  }
  const seed = opts.seed ?? freshSeed();
  const api = new ToxiproxyApi(seed, opts.proxyMetrics ?? false, allowRemote);
  const table = routes(api);
  const nextId = requestIdFactory();
  let queue: Promise<void> = Promise.resolve();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { route, params } = findRoute(table, req.url);
    // The whole body is read before any answer: closing while a client still sends makes its
    // kernel reset the connection, which can discard the answer before the client reads it.
    const text = await readBody(req);
    if (!route) {
      sendText(res, 404, '404 page not found\n');
      return;
    }
    const handler = route.methods[req.method ?? ''];
    if (!handler) {
      res.writeHead(405, { 'Content-Length': 0 });
      res.end();
      return;
    }
    res.setHeader('X-Toxiproxy-Request-Id', nextId());
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      sendText(res, 403, 'User agent not allowed\n');
      return;
    }
    const run = async (): Promise<void> => {
      try {
        if (text === null) throw new ApiError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
        await handler({ params, body: () => text, res });
      } catch (e) {
        if (e instanceof ApiError) sendError(res, e);
        else sendError(res, new ApiError(500, (e as Error)?.message ?? String(e)));
      }
    };
    // One request at a time, in arrival order.
    const done = queue.then(run);
    queue = done.catch(() => {});
    await done;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) sendError(res, new ApiError(500, String(e)));
    });
  });
  // CONNECT gets what any request with that method gets: 405 on an API path, 404 elsewhere.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    if (findRoute(table, req.url).route) writeRaw(socket, 405, {}, '');
    else writeRaw(socket, 404, TEXT_HEADERS, '404 page not found\n');
  });
  // A request Node cannot parse (unknown method, bad framing, huge headers) gets a reason too.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node reports a parse error again for every later chunk of the same connection; the first answered.
    if (socket.writableEnded) return;
    socket.on('error', () => {});
    if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const reason = `bad request: ${err.code ?? 'unparsable'}: ${err.message}`;
    writeRaw(socket, status, TEXT_HEADERS, `${JSON.stringify({ error: reason, status })}\n`);
  });
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 8474, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    seed,
    api,
    close(): Promise<void> {
      closed ??= (async () => {
        await queue;
        api.stopAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
      })();
      return closed;
    },
  };
}
