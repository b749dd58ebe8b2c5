/**
 * Fuzz surface `proxy`: hostile HTTP requests against a real embedded Toxiproxy server
 * (`faultline toxiproxy` as a child process on loopback), one request a case, in a seeded order.
 *
 * Requests are drawn with fast-check: any method (CONNECT and unparsable ones included), known
 * and junk paths, JSON junk, huge and deeply nested bodies, proxies with bad listen and upstream
 * values, toxics with bad types, streams, toxicities and attributes, populate lists, resets, and
 * now and then a few bytes through a proxy. Each answer must come within REQUEST_BOUND_MS and be
 * documented (README.md in harness/toxiproxy): a status the route can give, every API error a JSON
 * `{"error","status"}` with a reason, a 500 only for a listen address that cannot be used, and
 * the router's own 404/405/403 bodies. Afterwards the server must still answer GET /version, and
 * the sockets it listens on must be exactly the API port and the enabled proxies' listen ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { CLI_JS } from '../support/raftkv-cluster.js';
import type { FuzzReport } from './types.js';

/** Longest wait for one answer; the server answers in milliseconds, bodies of a few MB included. */
const REQUEST_BOUND_MS = 10_000;
/** The server's request body limit: larger bodies are 413 on every route. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Longest a data-plane poke keeps its connection. */
const POKE_MS = 50;
/** Every this many cases, every proxy is deleted and the listeners are compared with the API's. */
const CLEAN_EVERY = 250;
/** Proxy names the cases share, so that later requests find earlier proxies and toxics. */
const NAMES = ['f0', 'f1', 'f2', 'f3'];
const TOXIC_NAMES = ['t0', 't1', 'latency_downstream', 'slicer_upstream'];
const TOXIC_TYPES = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop', 'ndjson_filter', 'packet_loss'];
const TYPE_KEYS: Record<string, string[]> = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
  ndjson_filter: ['delay_ms', 'probability'],
  packet_loss: ['loss_rate', 'correlation'],
};
const ATTRIBUTE_KEYS = ['latency', 'jitter', 'rate', 'delay', 'timeout', 'average_size', 'size_variation', 'bytes', 'types', 'action', 'delay_ms', 'probability', 'field', 'loss_rate', 'correlation'];

/** A 500 the real server also gives: a listen address that cannot be parsed, resolved, bound or is refused. */
const LISTEN_ERROR = /^(listen tcp[ :]|address |lookup )/;

type Body = { kind: 'text'; text: string } | { kind: 'huge'; bytes: number } | { kind: 'deep'; depth: number; open: string; close: string };

type Case =
  | { kind: 'http'; method: string; path: string; body: Body | null; browser: boolean }
  | { kind: 'poke'; name: string; data: string };

// ---------------------------------------------------------------------------------------------
// Case generation

const junkString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '%', '%2F', '..', '/', '?', '#', '__proto__', 'constructor', 'é', '\ud800', 'a'.repeat(5000)),
);
const junkNumber = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.integer(),
  fc.constantFrom(0, -0, 1.5, -1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e300, 3_600_000, 3_600_001, 0.5),
  fc.double(),
);
const junkValue: fc.Arbitrary<unknown> = fc.oneof(junkNumber, junkString, fc.boolean(), fc.constant(null), fc.json().map((t) => JSON.parse(t) as unknown));

const listen = fc.oneof(
  fc.constantFrom(
    '127.0.0.1:0', 'localhost:0', '[::1]:0', '127.0.0.2:0', '', ':0', '0.0.0.0:0', '[::]:0', '10.255.0.1:0', '[fe80::1]:0',
    'example.invalid:0', 'nohostport', '127.0.0.1:', '127.0.0.1:99999', '127.0.0.1:-1', '127.0.0.1:abc', '[::1', '::1:0',
    '127.0.0.1:1', 'API', // 'API' is replaced by the API's own port: always in use
  ),
  junkString,
);
const upstream = fc.oneof(fc.constantFrom('ECHO', '127.0.0.1:1', '', 'nohostport', '[::1]:1', '127.0.0.1:99999'), junkString);
const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: junkString });
const toxicName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TOXIC_NAMES) }, { weight: 1, arbitrary: junkString });

/** Drops keys whose value is undefined, so that fast-check's optional fields are absent, not null. */
const compact = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 3 });

const loopbackListen = fc.constantFrom('127.0.0.1:0', 'localhost:0', '[::1]:0', '127.0.0.2:0');
const proxyBody = fc.oneof(
  // Mostly proxies that can exist, so that later cases find them; then hostile addresses; then junk of any type.
  { weight: 3, arbitrary: fc.record({ name: fc.constantFrom(...NAMES), listen: loopbackListen, upstream: fc.constant('ECHO'), enabled: maybe(fc.boolean()) }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constantFrom(...NAMES), listen: maybe(listen), upstream: maybe(upstream), enabled: maybe(fc.boolean()) }) },
  {
    weight: 1,
    arbitrary: fc.record({ name: maybe(fc.oneof(name, junkValue)), listen: maybe(fc.oneof(listen, junkValue)), upstream: maybe(fc.oneof(upstream, junkValue)), enabled: maybe(fc.oneof(fc.boolean(), junkValue)) }),
  },
).map(compact);
/** Integers around every attribute's edges: negative, zero, the one-hour limit, Node's timer range, the safe-integer end. */
const edgeInt = fc.oneof(
  fc.integer({ min: -3, max: 64 }),
  fc.constantFrom(-1, 0, 1, 999, 3_600_000, 3_600_001, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)),
  fc.integer(),
);
const attributes = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...ATTRIBUTE_KEYS), edgeInt, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...ATTRIBUTE_KEYS), fc.oneof(junkNumber, junkValue, fc.array(junkString, { maxLength: 3 })), { maxKeys: 4 }) },
  { weight: 1, arbitrary: junkValue },
);
const toxicBody = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...TOXIC_TYPES).chain((type) =>
      fc.record({
        name: maybe(fc.constantFrom(...TOXIC_NAMES)),
        type: fc.constant(type),
        stream: maybe(fc.constantFrom('upstream', 'downstream')),
        toxicity: maybe(fc.constantFrom(0, 0.5, 1, -1, 5)),
        // The type's own keys at their edges, so that range checks are reached.
        attributes: maybe(fc.oneof({ weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...(TYPE_KEYS[type] ?? ATTRIBUTE_KEYS)), edgeInt, { maxKeys: 3 }) }, { weight: 1, arbitrary: attributes })),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      name: maybe(fc.oneof(toxicName, junkValue)),
      type: maybe(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TOXIC_TYPES) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('down', 'packet-loss', 'LATENCY'), junkValue) })),
      stream: maybe(fc.oneof(fc.constantFrom('upstream', 'downstream', 'UpStream', 'sideways'), junkValue)),
      toxicity: maybe(fc.oneof(junkNumber, junkValue)),
      attributes: maybe(attributes),
    }),
  },
).map(compact);

const text = (v: unknown): Body => ({ kind: 'text', text: JSON.stringify(v) ?? 'undefined' });
const body: fc.Arbitrary<Body | null> = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(proxyBody, toxicBody, fc.array(proxyBody, { maxLength: 4 })).map(text) },
  { weight: 2, arbitrary: junkValue.map(text) },
  { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', '{', '{"name":', '[1,2', 'nul', '{} trailing', '\u0000', '{"a":1}{"b":2}')).map((t): Body => ({ kind: 'text', text: t })) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 * 1024 * 1024 }).map((bytes): Body => ({ kind: 'huge', bytes })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}'])).map(([depth, [open, close]]): Body => ({ kind: 'deep', depth, open: open!, close: close! })) },
);

const seg = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(a, fc.boolean()).map(([s, raw]) => (raw ? s.replace(/[\s\u0000-\u001f\u007f-\uffff]/g, '_') : encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'))));
const path = fc.oneof(
  fc.constantFrom('/proxies', '/populate', '/reset', '/version', '/metrics', '/', '/proxies/', '/nope', '*', 'example.com:443', 'http://elsewhere/proxies'),
  seg(name).map((n) => `/proxies/${n}`),
  seg(name).map((n) => `/proxies/${n}/toxics`),
  fc.tuple(seg(name), seg(toxicName)).map(([n, t]) => `/proxies/${n}/toxics/${t}`),
  fc.tuple(seg(name), fc.string({ maxLength: 10 })).map(([n, q]) => `/proxies/${n}?${encodeURIComponent(q.replace(/[\ud800-\udfff]/g, '\ufffd'))}`),
  seg(junkString).map((j) => `/${j}`),
);
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'BREW', 'get', 'M-SEARCH', '') },
);

/** A path segment naming one of the shared proxies or toxics, as clients write it. */
const known = (names: string[]): fc.Arbitrary<string> => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: seg(fc.constantFrom(...names, '')) });

/** A request that the API should act on: the right method for its path. */
const apiCall = fc.oneof(
  fc.tuple(fc.constant('POST'), fc.constant('/proxies'), proxyBody.map(text)),
  fc.tuple(fc.constantFrom('POST', 'PATCH'), known(NAMES).map((n) => `/proxies/${n}`), proxyBody.map(text)),
  fc.tuple(fc.constant('POST'), known(NAMES).map((n) => `/proxies/${n}/toxics`), toxicBody.map(text)),
  fc.tuple(fc.constantFrom('POST', 'PATCH'), fc.tuple(known(NAMES), known(TOXIC_NAMES)).map(([n, t]) => `/proxies/${n}/toxics/${t}`), toxicBody.map(text)),
  fc.tuple(fc.constant('POST'), fc.constant('/populate'), fc.array(proxyBody, { maxLength: 4 }).map(text)),
  fc.tuple(fc.constant('DELETE'), fc.oneof(known(NAMES).map((n) => `/proxies/${n}`), fc.tuple(known(NAMES), known(TOXIC_NAMES)).map(([n, t]) => `/proxies/${n}/toxics/${t}`)), fc.constant(null)),
  fc.tuple(fc.constant('POST'), fc.constant('/reset'), fc.constant(null)),
);

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  { weight: 6, arbitrary: apiCall.map(([m, p, b]): Case => ({ kind: 'http', method: m, path: p, body: b, browser: false })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('http' as const), method, path, body, browser: fc.integer({ min: 0, max: 9 }).map((n) => n === 0) }).map((c): Case => c) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('poke' as const), name: fc.constantFrom(...NAMES), data: fc.string({ maxLength: 2000 }) }) },
);

// ---------------------------------------------------------------------------------------------
// The server and a raw HTTP client

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}


async function startServer(seed: number): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI_JS, 'toxiproxy', '--port', '0', '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolveP, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /API on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolveP(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`faultline toxiproxy exited ${code} before listening: ${out}${err}`)));
  });
  return { child, port, stderr: () => err };
}

function bodyBytes(b: Body | null): Buffer {
  if (b === null) return Buffer.alloc(0);
  if (b.kind === 'text') return Buffer.from(b.text, 'utf8');
  if (b.kind === 'huge') return Buffer.alloc(b.bytes, 'x');
  return Buffer.from(b.open.repeat(b.depth) + '1' + b.close.repeat(b.depth), 'utf8');
}

/** Sends one request on a fresh connection and reads the answer until the server closes. */
function exchange(port: number, method: string, target: string, body: Buffer | null, browser: boolean): Promise<Answer | string> {
  return new Promise((done) => {
    const socket = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let settled = false;
    const finish = (r: Answer | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      done(r);
    };
    const timer = setTimeout(() => finish(`no answer within ${REQUEST_BOUND_MS} ms`), REQUEST_BOUND_MS);
    let error = '';
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A write refused after the server answered early is not a failure; the answer read so far decides.
      error = e.code ?? e.message;
    });
    socket.on('data', (d) => parts.push(d));
    socket.on('close', () => {
      const r = parseAnswer(Buffer.concat(parts), method);
      finish(typeof r === 'string' && error ? `${r} (${error})` : r);
    });
    const head = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', `User-Agent: ${browser ? 'Mozilla/5.0 (X11)' : 'node'}`];
    if (body !== null) head.push('Content-Type: application/json', `Content-Length: ${body.length}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    if (body !== null && body.length > 0) socket.write(body);
  });
}

function parseAnswer(raw: Buffer, method: string): Answer | string {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return raw.length === 0 ? 'connection closed without an answer' : `unparsable answer ${JSON.stringify(text.slice(0, 80))}`;
  const lines = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]!);
  if (!m) return `bad status line ${JSON.stringify(lines[0])}`;
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  let body = text.slice(end + 4);
  if (headers.get('transfer-encoding') === 'chunked') return 'chunked answer (every answer should carry Content-Length)';
  const length = headers.get('content-length');
  if (method !== 'HEAD' && length !== undefined && Buffer.byteLength(body) !== Number(length)) {
    return `body of ${Buffer.byteLength(body)} bytes, Content-Length ${length}`;
  }
  if (method === 'HEAD') body = '';
  return { status: Number(m[1]), headers, body };
}

// ---------------------------------------------------------------------------------------------
// What is documented

type RouteName = 'proxies' | 'populate' | 'reset' | 'version' | 'proxy' | 'toxics' | 'toxic';

/** Statuses each route and method can answer (README.md in harness/toxiproxy, "The API"). */
const DOCUMENTED: Record<RouteName, Record<string, number[]>> = {
  proxies: { GET: [200], POST: [201, 400, 409, 500] },
  populate: { POST: [201, 400, 500] },
  reset: { POST: [204, 500] },
  version: { GET: [200] },
  proxy: { GET: [200, 404], POST: [200, 400, 404, 500], PATCH: [200, 400, 404, 500], DELETE: [204, 404] },
  toxics: { GET: [200, 404], POST: [200, 400, 404, 409] },
  toxic: { GET: [200, 404], POST: [200, 400, 404], PATCH: [200, 400, 404], DELETE: [204, 404] },
};
const NODE_METHODS = new Set(['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'M-SEARCH']);

/** The route a target names, as the server's router reads it (absolute form included). */
function routeOf(target: string): RouteName | null {
  let p = target;
  if (!p.startsWith('/')) {
    try {
      p = new URL(p).pathname;
    } catch {
      return null;
    }
  }
  try {
    p = decodeURIComponent(p.split('?')[0]!);
  } catch {
    p = p.split('?')[0]!;
  }
  if (p === '/proxies') return 'proxies';
  if (p === '/populate') return 'populate';
  if (p === '/reset') return 'reset';
  if (p === '/version') return 'version';
  if (/^\/proxies\/[^/]+$/.test(p)) return 'proxy';
  if (/^\/proxies\/[^/]+\/toxics$/.test(p)) return 'toxics';
  if (/^\/proxies\/[^/]+\/toxics\/[^/]+$/.test(p)) return 'toxic';
  return null;
}

/** True for request targets HTTP/1.1 allows with this method (RFC 9112 3.2). */
function wellFormedTarget(method: string, target: string): boolean {
  if (target.startsWith('/') || /^https?:\/\//.test(target)) return true;
  return method === 'CONNECT' || (method === 'OPTIONS' && target === '*');
}

/** Why an answer is not documented, or null when it is. */
function judge(c: Extract<Case, { kind: 'http' }>, a: Answer): string | null {
  if (!NODE_METHODS.has(c.method) || !wellFormedTarget(c.method, c.path)) {
    // Node's parser may refuse these before any routing: 400 with a JSON reason.
    if (a.status === 400) return apiError(a, 400, c.method);
  }
  if (!NODE_METHODS.has(c.method)) return `method ${JSON.stringify(c.method)}: status ${a.status}, expected 400`;
  if (c.body?.kind === 'huge' && c.body.bytes > MAX_BODY_BYTES && a.status === 413) return apiError(a, 413, c.method);
  const route = routeOf(c.path);
  if (route === null) {
    if (a.status !== 404) return `unknown path: status ${a.status}, expected 404`;
    return c.method === 'HEAD' || a.body === '404 page not found\n' ? null : `unknown path: body ${JSON.stringify(a.body.slice(0, 80))}`;
  }
  const allowed = DOCUMENTED[route][c.method];
  if (allowed === undefined) {
    if (a.status !== 405) return `${c.method} on ${route}: status ${a.status}, expected 405`;
    return a.body === '' ? null : `405 with a body ${JSON.stringify(a.body.slice(0, 80))}`;
  }
  if (c.browser) return a.status === 403 && a.body === 'User agent not allowed\n' ? null : `browser user agent: status ${a.status}, expected 403`;
  if (!allowed.includes(a.status)) return `status ${a.status} not documented for ${c.method} ${route} (${allowed.join(', ')}): ${a.body.slice(0, 200)}`;
  if (a.status >= 400) {
    const why = apiError(a, a.status, c.method);
    if (why || c.method === 'HEAD') return why;
    const e = JSON.parse(a.body) as { error: string };
    if (a.status === 500 && !LISTEN_ERROR.test(e.error)) return `500 that is not a listen error: ${e.error.slice(0, 200)}`;
    return null;
  }
  if (a.status === 204) return a.body === '' ? null : '204 with a body';
  try {
    JSON.parse(a.body);
  } catch {
    return `${a.status} body is not JSON: ${JSON.stringify(a.body.slice(0, 80))}`;
  }
  return null;
}

/** Why an error answer is not `{"error":"<reason>","status":<status>}`, or null. */
function apiError(a: Answer, status: number, method: string): string | null {
  // An answer to HEAD has the status and headers of the GET answer and never a body.
  if (method === 'HEAD') return a.body === '' ? null : `HEAD answer ${a.status} with a body`;
  let e: unknown;
  try {
    e = JSON.parse(a.body);
  } catch {
    return `${a.status} body is not JSON: ${JSON.stringify(a.body.slice(0, 80))}`;
  }
  const o = e as { error?: unknown; status?: unknown };
  if (typeof o.error !== 'string' || o.error.length === 0) return `${a.status} without a reason: ${a.body.slice(0, 80)}`;
  if (o.status !== status) return `${a.status} whose body says status ${String(o.status)}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Listeners

/** The TCP ports `pid` listens on (Linux /proc: its socket inodes in state LISTEN). */
function listeningPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // The descriptor closed while we read the folder.
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** Ports the API says are listening: its own and every enabled proxy's. */
async function reportedPorts(apiPort: number): Promise<Set<number> | string> {
  const a = await exchange(apiPort, 'GET', '/proxies', null, false);
  if (typeof a === 'string') return `GET /proxies: ${a}`;
  const proxies = JSON.parse(a.body) as Record<string, { listen: string; enabled: boolean }>;
  const ports = new Set([apiPort]);
  for (const p of Object.values(proxies)) if (p.enabled) ports.add(Number(p.listen.slice(p.listen.lastIndexOf(':') + 1)));
  return ports;
}

/** Null when the listeners match the API's report (polled briefly: a closed listener goes on the next turn). */
async function listenerMismatch(pid: number, apiPort: number): Promise<string | null> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const want = await reportedPorts(apiPort);
    if (typeof want === 'string') return want;
    const have = listeningPorts(pid);
    const extra = [...have].filter((p) => !want.has(p));
    const missing = [...want].filter((p) => !have.has(p));
    if (extra.length === 0 && missing.length === 0) return null;
    last = `listening on ports the API does not report: [${extra.join(', ')}]; reported but not listening: [${missing.join(', ')}]`;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

// ---------------------------------------------------------------------------------------------

/** Runs `cases` seeded cases against one server; every undocumented answer is a failure line. */
export async function fuzzProxy(cases: number, seed: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const echo = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoAddr = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
  const server = await startServer(seed);
  const pid = server.child.pid!;
  const all = fc.sample(caseArb, { numRuns: cases, seed });
  let tried = 0;
  try {
    for (let i = 0; i < all.length; i++) {
      const c = all[i]!;
      tried++;
      const label = `case ${i} (seed ${seed})`;
      if (c.kind === 'poke') {
        await poke(server.port, c, echoAddr);
      } else {
        const fill = (t: string): string => t.replaceAll('"ECHO"', JSON.stringify(echoAddr)).replaceAll('"API"', JSON.stringify(`127.0.0.1:${server.port}`));
        const b = c.body?.kind === 'text' ? { kind: 'text' as const, text: fill(c.body.text) } : c.body;
        const a = await exchange(server.port, c.method, c.path, b === null ? null : bodyBytes(b), c.browser);
        const shown = `${c.method} ${c.path.slice(0, 80)} ${b === null ? '' : b.kind === 'text' ? b.text.slice(0, 120) : `<${b.kind}>`}`;
        const why = typeof a === 'string' ? a : judge(c, a);
        if (why) failures.push(`${label}: ${shown} -> ${why}`);
      }
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        failures.push(`${label}: the server died (${server.child.exitCode ?? server.child.signalCode}): ${server.stderr().slice(0, 300)}`);
        break;
      }
      if ((i + 1) % CLEAN_EVERY === 0 || i === all.length - 1) {
        const mismatch = await listenerMismatch(pid, server.port);
        if (mismatch) failures.push(`${label}: ${mismatch}`);
        if (i < all.length - 1) await deleteAll(server.port);
      }
    }
    const v = await exchange(server.port, 'GET', '/version', null, false);
    if (typeof v === 'string' || v.status !== 200) failures.push(`after ${tried} cases (seed ${seed}): GET /version -> ${typeof v === 'string' ? v : v.status}`);
  } finally {
    server.child.kill('SIGKILL');
    echo.close();
  }
  return { surface: 'proxy', tried, failures };
}

async function deleteAll(port: number): Promise<void> {
  const a = await exchange(port, 'GET', '/proxies', null, false);
  if (typeof a === 'string') return;
  for (const n of Object.keys(JSON.parse(a.body) as object)) await exchange(port, 'DELETE', `/proxies/${encodeURIComponent(n)}`, null, false);
}

/** A few bytes through a proxy that forwards to the echo upstream, if there is one by that name. */
async function poke(apiPort: number, c: Extract<Case, { kind: 'poke' }>, echoAddr: string): Promise<void> {
  const a = await exchange(apiPort, 'GET', `/proxies/${c.name}`, null, false);
  if (typeof a === 'string' || a.status !== 200) return;
  const p = JSON.parse(a.body) as { listen: string; upstream: string; enabled: boolean };
  // Only the fuzz's own upstream: a junk upstream could name a host on the network.
  if (!p.enabled || p.upstream !== echoAddr) return;
  const i = p.listen.lastIndexOf(':');
  await new Promise<void>((done) => {
    const s = net.connect({ host: p.listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(p.listen.slice(i + 1)) });
    s.on('error', () => {});
    s.on('connect', () => s.write(c.data));
    const t = setTimeout(() => s.destroy(), POKE_MS);
    s.on('close', () => {
      clearTimeout(t);
      done();
    });
  });
}
