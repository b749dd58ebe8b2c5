/**
 * Maelstrom's services, run in the harness process: `lin-kv`, `seq-kv`, `lww-kv` and `lin-tso`,
 * with Maelstrom's semantics (docs/maelstrom.md, "Services"), and the control connection every
 * shim opens to report its message counters.
 *
 * Each shim connects once per start of its node and says `{"hello":{node,incarnation}}`; then
 * every line is either a message for a service (`{"src":"n1","dest":"lin-kv","body":...}`),
 * answered on the same connection, or `{"counters":...}`. Every service request and its reply is
 * recorded in the history as one event of the harness process `service`, which checkers leave out.
 *
 *   lin-kv   one map; read, write, cas (with create_if_not_exists) act on it at once: linearizable.
 *   seq-kv   the map's every state is kept; an op that changes nothing (a read, a cas that fails)
 *            may observe any state at or after the last one its node saw, one that changes state
 *            acts on the newest (and its node has seen the newest): sequentially consistent.
 *   lww-kv   three replicas; each op goes to one at random; writes carry a timestamp and the
 *            replicas merge last-writer-wins every LWW_MERGE_MS: eventually consistent.
 *   lin-tso  `ts` answers `ts_ok` with a timestamp greater than every earlier one.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorCode } from '../../workloads/wire/errors.js';
import { MutableRng } from '../random.js';
import { emptyCounters, lineSplitter, parseMessage, type MaelstromMessage, type ServiceName, type ShimCounters, type ShimReport } from './protocol.js';

/** How often lww-kv's replicas merge. */
const LWW_MERGE_MS = 100;
/** Replicas of lww-kv. */
const LWW_REPLICAS = 3;
/** States seq-kv keeps for nodes that lag; an older state than this many writes ago is no longer offered. */
const SEQ_STATES_MAX = 1000;

type Body = MaelstromMessage['body'];
type Reply = Record<string, unknown>;

function err(code: number, text: string): Reply {
  return { type: 'error', code, text };
}

/** JSON keys: 1 and "1" are different keys, as in Maelstrom. */
function keyOf(k: unknown): string {
  return JSON.stringify(k);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** read/write/cas on one map (the state of lin-kv, and of each state of seq-kv). */
function kvOp(map: ReadonlyMap<string, unknown>, body: Body): { reply: Reply; next: Map<string, unknown> | null } {
  if (body.type !== 'read' && body.type !== 'write' && body.type !== 'cas') {
    return { reply: err(ErrorCode.notSupported, `${body.type} is not supported by this service (read, write, cas)`), next: null };
  }
  if (!('key' in body)) return { reply: err(ErrorCode.malformedRequest, `${body.type} needs a key`), next: null };
  const k = keyOf(body.key);
  switch (body.type) {
    case 'read':
      return map.has(k) ? { reply: { type: 'read_ok', value: map.get(k) }, next: null } : { reply: err(ErrorCode.keyDoesNotExist, 'key does not exist'), next: null };
    case 'write': {
      const next = new Map(map);
      next.set(k, body.value);
      return { reply: { type: 'write_ok' }, next };
    }
    case 'cas': {
      if (!map.has(k)) {
        if (body.create_if_not_exists !== true) return { reply: err(ErrorCode.keyDoesNotExist, 'key does not exist'), next: null };
      } else if (!sameValue(map.get(k), body.from)) {
        return { reply: err(ErrorCode.preconditionFailed, `current value ${JSON.stringify(map.get(k))} is not ${JSON.stringify(body.from)}`), next: null };
      }
      const next = new Map(map);
      next.set(k, body.to);
      return { reply: { type: 'cas_ok' }, next };
    }
    default:
      return { reply: err(ErrorCode.notSupported, `${body.type} is not supported by this service`), next: null };
  }
}

/** lin-kv: one map. */
class LinKv {
  private map = new Map<string, unknown>();
  handle(_node: string, body: Body): Reply {
    const r = kvOp(this.map, body);
    if (r.next) this.map = r.next;
    return r.reply;
  }
}

/** seq-kv: every state kept (up to SEQ_STATES_MAX), and for each node the index of the last it saw. */
class SeqKv {
  private states: Map<string, unknown>[] = [new Map()];
  /** Index in `states` of states[0]: states older than it were let go. */
  private base = 0;
  private seen = new Map<string, number>();
  constructor(private readonly rng: MutableRng) {}

  handle(node: string, body: Body): Reply {
    const newest = this.base + this.states.length - 1;
    const from = Math.max(this.base, this.seen.get(node) ?? this.base);
    const latest = this.states[this.states.length - 1]!;
    if (body.type === 'write' || body.type === 'cas') {
      const r = kvOp(latest, body);
      if (r.next) {
        this.states.push(r.next);
        if (this.states.length > SEQ_STATES_MAX) {
          this.states.shift();
          this.base++;
        }
        this.seen.set(node, this.base + this.states.length - 1);
        return r.reply;
      }
      if (body.type === 'write') return r.reply;
      // A cas that changes nothing observes a state, which may be an old one: judge it there.
    }
    const at = this.rng.int(from, newest);
    this.seen.set(node, at);
    return kvOp(this.states[at - this.base]!, body).reply;
  }
}

/** lww-kv: replicas merged last-writer-wins. */
class LwwKv {
  private readonly replicas: Map<string, { value: unknown; ts: number }>[] = Array.from({ length: LWW_REPLICAS }, () => new Map());
  private clock = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly rng: MutableRng) {
    this.timer = setInterval(() => this.merge(), LWW_MERGE_MS);
    this.timer.unref();
  }

  private merge(): void {
    const a = this.replicas[this.rng.int(0, LWW_REPLICAS - 1)]!;
    const b = this.replicas[this.rng.int(0, LWW_REPLICAS - 1)]!;
    for (const [x, y] of [[a, b], [b, a]] as const) {
      for (const [k, v] of x) {
        const w = y.get(k);
        if (!w || w.ts < v.ts) y.set(k, v);
      }
    }
  }

  handle(_node: string, body: Body): Reply {
    const replica = this.replicas[this.rng.int(0, LWW_REPLICAS - 1)]!;
    const plain = new Map([...replica].map(([k, v]) => [k, v.value]));
    const r = kvOp(plain, body);
    if (r.next && 'key' in body) replica.set(keyOf(body.key), { value: r.next.get(keyOf(body.key)), ts: ++this.clock });
    return r.reply;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** lin-tso: increasing timestamps. */
class LinTso {
  private ts = 0;
  handle(_node: string, body: Body): Reply {
    if (body.type !== 'ts') return err(ErrorCode.notSupported, `${body.type} is not supported by lin-tso (only ts)`);
    return { type: 'ts_ok', ts: ++this.ts };
  }
}

/** What the services record: one event per request, with its reply. */
export type ServiceRecord = (value: { service: ServiceName; node: string; request: Body; reply: Reply }) => void;

/** The services and the counters of every shim, behind one TCP port. */
export class MaelstromServices {
  private readonly linKv = new LinKv();
  private readonly seqKv: SeqKv;
  private readonly lwwKv: LwwKv;
  private readonly linTso = new LinTso();
  /** The last counters of each start of each node. */
  private readonly counters = new Map<string, { node: string; counters: ShimCounters }>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    seed: number,
    private readonly record: ServiceRecord,
  ) {
    const rng = new MutableRng(seed);
    this.seqKv = new SeqKv(rng);
    this.lwwKv = new LwwKv(rng);
  }

  /** Listens on a free loopback port. */
  static async start(seed: number, record: ServiceRecord): Promise<MaelstromServices> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const s = new MaelstromServices(server, port, seed, record);
    server.on('connection', (socket) => s.accept(socket));
    return s;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    let who: { node: string; incarnation: string } | null = null;
    const split = lineSplitter((line) => {
      if (line.startsWith('{"hello"') || line.startsWith('{"counters"')) {
        let report: ShimReport;
        try {
          report = JSON.parse(line) as ShimReport;
        } catch {
          return;
        }
        if (report.hello) who = report.hello;
        if (report.counters && who) this.counters.set(`${who.node} ${who.incarnation}`, { node: who.node, counters: report.counters });
        return;
      }
      const r = parseMessage(line);
      if (r.ok) socket.write(`${JSON.stringify(this.handle(r.msg))}\n`);
    });
    socket.on('data', (chunk: string) => {
      if (!split(chunk)) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Answers one message for a service. */
  handle(m: MaelstromMessage): MaelstromMessage {
    const service = m.dest as ServiceName;
    const body = m.body;
    const table: Record<ServiceName, { handle(node: string, body: Body): Reply }> = { 'lin-kv': this.linKv, 'seq-kv': this.seqKv, 'lww-kv': this.lwwKv, 'lin-tso': this.linTso };
    const reply = Object.hasOwn(table, service) ? table[service].handle(m.src, body) : err(ErrorCode.nodeNotFound, `no service ${String(service)}`);
    if (body.msg_id !== undefined) reply.in_reply_to = body.msg_id;
    this.record({ service, node: m.src, request: body, reply });
    return { src: service, dest: m.src, body: reply as Body };
  }

  /** The counters of every node, summed over its starts. */
  totals(): ShimCounters {
    const t = emptyCounters();
    for (const { counters } of this.counters.values()) {
      for (const k of ['clients', 'servers'] as const) {
        t[k].sendCount += counters[k].sendCount;
        t[k].recvCount += counters[k].recvCount;
      }
    }
    return t;
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lwwKv.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
