/**
 * The shim: one process per Maelstrom node, started by the cluster like any faultline node
 * (`node dist/harness/maelstrom/shim.js --config <file>`), which starts the user's unchanged
 * Maelstrom program with pipes and routes every line it writes by `dest`:
 *
 *   - to another node: over this node's outbound link to that node's peer port, which is the
 *     directed link's proxy, so partitions, latency and message faults apply to node-to-node
 *     traffic only (each message carries a copy of its body's `type` at the top, for the proxy's
 *     message filter; the receiving shim strips it);
 *   - to a client (`c...`): back on the client connection that owns that client id;
 *   - to a service (`lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`): on the control connection to the
 *     harness, which runs the services (services.ts).
 *
 * Before anything else it sends `init` and waits for `init_ok` (then the workload's setup
 * messages, as broadcast's `topology`), and only then prints `ready`; messages from peers that
 * arrive earlier are held until then. It never sends the node anything the node did not ask for:
 * the harness's admin requests (status, clock-offset) are answered by the shim itself.
 *
 * A line that is not a message (not JSON, no `dest`...) or no `init_ok` in time ends the shim
 * with one line naming the node and the line (PROTOCOL_ERROR_PREFIX) and exit code EXIT_PROTOCOL.
 * The node is in the shim's process group: kill -9 and SIGSTOP of the group reach both, and the
 * shim kills the node when its own stdin closes or when it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { deriveSeed, MutableRng } from '../random.js';
import {
  classOf,
  emptyCounters,
  EXIT_PROTOCOL,
  isClientId,
  isServiceName,
  LINE_BYTES_MAX,
  lineSplitter,
  parseMessage,
  PROTOCOL_ERROR_PREFIX,
  quoteLine,
  type MaelstromMessage,
  type ShimReport,
} from './protocol.js';
import type { ShimParams } from './params.js';

/** How often the counters go to the harness. */
const REPORT_MS = 250;
/** How long the node may take to exit once its stdin is closed, at the end. */
const STOP_GRACE_MS = 1000;
/** Messages held for a peer while its link connects; more are dropped, as a network would. */
const PEER_QUEUE_MAX = 10_000;
/** Reconnect delays of a peer link (doubling). */
const RECONNECT_MS = { min: 20, max: 500 } as const;

interface ShimConfig {
  id: string;
  clientPort: number;
  peerPort: number;
  peers: Record<string, string>;
  params: { maelstrom: ShimParams; logMessages?: boolean };
}

function readConfig(): ShimConfig {
  const i = process.argv.indexOf('--config');
  const path = i >= 0 ? process.argv[i + 1] : undefined;
  if (!path) {
    process.stderr.write('usage: shim.js --config <file>\n');
    process.exit(2);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as ShimConfig;
}

const config = readConfig();
const self = config.id;
const mp = config.params.maelstrom;
const nodeIds = [self, ...Object.keys(config.peers)].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const selfIndex = nodeIds.indexOf(self) + 1;
const rng = new MutableRng(deriveSeed(mp.seed, self));
const counters = emptyCounters();
const incarnation = `${process.pid}-${Date.now()}`;
const log = (text: string) => process.stderr.write(`maelstrom-shim ${self}: ${text}\n`);

let initDone = false;
let stopping = false;
const heldForInit: string[] = [];

/** Logs one message for the report's message diagram (`@msg`, as systems/lib/log.ts writes them). */
function logMessage(dir: 'send' | 'recv', m: MaelstromMessage): void {
  if (!config.params.logMessages) return;
  const t = Math.round(performance.timeOrigin * 1000 + performance.now() * 1000);
  process.stderr.write(`@msg ${JSON.stringify({ t, dir, from: m.src, to: m.dest, type: m.body.type, id: m.body.msg_id ?? m.body.in_reply_to ?? 0 })}\n`);
}

/** Ends the shim because the node broke the protocol: one line in the log, the node killed. */
function protocolError(text: string): never {
  process.stderr.write(`${PROTOCOL_ERROR_PREFIX}node ${self} (${mp.bin}) ${text}\n`);
  killNode();
  process.exit(EXIT_PROTOCOL);
}

// ---- the node process ------------------------------------------------------------------------

const child: ChildProcess = spawn(mp.bin, mp.args, { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdin?.on('error', () => {});
log(`started ${mp.bin} as pid ${String(child.pid)}`);

function killNode(): void {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

process.on('exit', killNode);

child.on('error', (err) => {
  process.stderr.write(`${PROTOCOL_ERROR_PREFIX}node ${self}: cannot start ${mp.bin} (${(err as NodeJS.ErrnoException).code ?? err.message})\n`);
  process.exit(EXIT_PROTOCOL);
});

child.on('exit', (code, signal) => {
  if (stopping) return;
  const how = signal ? `was ended by ${signal}` : `exited with code ${String(code)}`;
  if (!initDone) {
    process.stderr.write(`${PROTOCOL_ERROR_PREFIX}node ${self} (${mp.bin}) ${how} before it answered init\n`);
    process.exit(EXIT_PROTOCOL);
  }
  log(`the node ${how}`);
  sendReport();
  process.exit(code ?? 1);
});

/** Writes one message to the node's stdin; Node buffers it when the node does not read (paused). */
function deliver(m: MaelstromMessage): void {
  const line = JSON.stringify({ src: m.src, dest: m.dest, body: m.body });
  counters[classOf(m.src, m.dest)].recvCount++;
  logMessage('recv', m);
  if (!initDone && m.src !== initClient) {
    heldForInit.push(line);
    return;
  }
  child.stdin?.write(`${line}\n`);
}

let lineNo = 0;
const splitOut = lineSplitter((line) => {
  lineNo++;
  const r = parseMessage(line);
  if (!r.ok) protocolError(`wrote line ${lineNo} on stdout, which ${r.problem}: ${quoteLine(line)}`);
  if (r.msg.src !== self) protocolError(`wrote line ${lineNo} on stdout with "src" ${JSON.stringify(r.msg.src)}, not its node id ${self}: ${quoteLine(line)}`);
  route(r.msg, line);
});
child.stdout?.setEncoding('utf8');
child.stdout?.on('data', (chunk: string) => {
  if (!splitOut(chunk)) protocolError(`wrote a line of more than ${LINE_BYTES_MAX} bytes on stdout`);
});

// ---- routing what the node writes -------------------------------------------------------------

function route(m: MaelstromMessage, line: string): void {
  const dest = m.dest;
  counters[classOf(m.src, dest)].sendCount++;
  logMessage('send', m);
  if (dest === self) {
    deliver(m);
  } else if (Object.hasOwn(config.peers, dest)) {
    peerLink(dest).send(JSON.stringify({ type: m.body.type, src: m.src, dest, body: m.body }));
  } else if (isServiceName(dest)) {
    control.send(JSON.stringify(m));
  } else if (isClientId(dest)) {
    if (dest === initClient) onInitReply(m);
    else clientsById.get(dest)?.send(JSON.stringify(m.body));
    // A reply to a client whose connection is gone is lost, as with a client that timed out.
  } else {
    protocolError(`wrote line ${lineNo} on stdout to "dest" ${JSON.stringify(dest)}, which is no node (${nodeIds.join(', ')}), client or service of this test: ${quoteLine(line)}`);
  }
}

/** A line-framed outbound connection that reconnects, dropping what it cannot send. */
class Link {
  private socket: Socket | null = null;
  private connected = false;
  private everConnected = false;
  private queue: string[] = [];
  private delayMs: number = RECONNECT_MS.min;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** Lines read back on this connection. */
    private readonly onLine: ((line: string) => void) | null,
    /** Sent first on every new connection. */
    private readonly greeting: (() => string) | null,
    /**
     * A peer link: say `{"hello"}` and count the link up only once the peer's shim says
     * `{"welcome"}` back through the proxy, since the proxy accepts a connection before it knows
     * whether the peer listens yet.
     */
    private readonly handshake = false,
  ) {
    this.open();
  }

  private up(s: Socket): void {
    this.connected = true;
    this.everConnected = true;
    this.delayMs = RECONNECT_MS.min;
    for (const l of this.queue) s.write(`${l}\n`);
    this.queue = [];
  }

  private open(): void {
    const s = connect(this.port, this.host);
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      if (this.greeting) s.write(`${this.greeting()}\n`);
      if (this.handshake) s.write(`${JSON.stringify({ hello: self })}\n`);
      else this.up(s);
    });
    if (this.handshake) {
      onLines(s, (line) => {
        if (!this.connected && line.startsWith('{"welcome"')) this.up(s);
      });
    } else if (this.onLine) onLines(s, this.onLine);
    s.on('error', () => {});
    s.on('close', () => {
      this.connected = false;
      this.socket = null;
      // What was queued for a connection that never came is lost, as on a cut link; except before
      // the first connection, while the peer's shim may still be starting (no fault is on yet).
      if (this.everConnected) this.queue = [];
      if (stopping) return;
      this.timer = setTimeout(() => this.open(), this.delayMs);
      this.delayMs = Math.min(RECONNECT_MS.max, this.delayMs * 2);
    });
  }

  send(line: string): void {
    if (this.connected && this.socket) this.socket.write(`${line}\n`);
    else if (this.queue.length < PEER_QUEUE_MAX) this.queue.push(line);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.socket?.end();
  }
}

const links = new Map<string, Link>();
function peerLink(dest: string): Link {
  let l = links.get(dest);
  if (!l) {
    const addr = config.peers[dest] as string;
    const colon = addr.lastIndexOf(':');
    l = new Link(addr.slice(0, colon), Number(addr.slice(colon + 1)), null, null, true);
    links.set(dest, l);
  }
  return l;
}

// ---- the control connection: services and counters ---------------------------------------------

const control = new Link(
  '127.0.0.1',
  mp.servicePort,
  (line) => {
    const r = parseMessage(line);
    if (!r.ok || r.msg.dest !== self) return;
    counters.servers.sendCount++;
    deliver(r.msg);
  },
  () => JSON.stringify({ hello: { node: self, incarnation } } satisfies ShimReport),
);

function sendReport(): void {
  control.send(JSON.stringify({ counters } satisfies ShimReport));
}
setInterval(sendReport, REPORT_MS).unref();

// ---- inbound peer messages ------------------------------------------------------------------------

/** Lines from one inbound connection, split by newline, whatever the chunks. */
function onLines(socket: Socket, each: (line: string) => void): void {
  const split = lineSplitter(each);
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (!split(chunk)) socket.destroy();
  });
  socket.on('error', () => {});
}

const peerServer: Server = createServer((socket) => {
  onLines(socket, (line) => {
    if (line.startsWith('{"hello"')) {
      socket.write(`${JSON.stringify({ welcome: self })}\n`);
      return;
    }
    const r = parseMessage(line);
    if (!r.ok || r.msg.dest !== self) return; // A peer's shim wrote it: nothing to blame on this node.
    const m: MaelstromMessage = { src: r.msg.src, dest: r.msg.dest, body: r.msg.body };
    // Maelstrom's network delivers out of order; TCP keeps order, so reordering is opt-in.
    if (mp.reorderMs > 0) setTimeout(() => deliver(m), rng.int(0, mp.reorderMs));
    else deliver(m);
  });
});

// ---- clients ------------------------------------------------------------------------------------

/** A client connection of the harness: a client id of its own, bodies in and out. */
interface ClientConn {
  id: string;
  send(line: string): void;
}
const clientsById = new Map<string, ClientConn>();
let clientSeq = 0;
const initClient = `c${selfIndex}`;

/** Client ids unique over the cluster: node i of N uses c(i + N*k), k = 1, 2, ... (c(i) sends init). */
function nextClientId(): string {
  clientSeq++;
  return `c${selfIndex + nodeIds.length * clientSeq}`;
}

const clientServer: Server = createServer((socket) => {
  const conn: ClientConn = { id: nextClientId(), send: (l) => socket.write(`${l}\n`) };
  clientsById.set(conn.id, conn);
  socket.setNoDelay(true);
  socket.on('close', () => clientsById.delete(conn.id));
  onLines(socket, (line) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (body === null || typeof body !== 'object' || typeof body.type !== 'string') return;
    if (body.type === 'admin') {
      conn.send(JSON.stringify(adminReply(body)));
      return;
    }
    const m = { src: conn.id, dest: self, body } as MaelstromMessage;
    counters.clients.sendCount++;
    deliver(m);
  });
});

/**
 * The harness's own requests, answered here: a Maelstrom node has no status to tell and its clock
 * is the machine's, which no message can skew.
 */
function adminReply(body: Record<string, unknown>): Record<string, unknown> {
  const in_reply_to = body.msg_id;
  if (body.action === 'status') return { type: 'admin_ok', in_reply_to, role: null, term: null };
  return { type: 'error', in_reply_to, code: 10, text: `a Maelstrom node takes no admin "${String(body.action)}": its clock and state are its own` };
}

// ---- init and setup ------------------------------------------------------------------------------

const pendingSetup = new Map<number, string>();
let nextMsgId = 1;

function sendToNode(type: string, fields: Record<string, unknown>): number {
  const msgId = nextMsgId++;
  const m: MaelstromMessage = { src: initClient, dest: self, body: { type, msg_id: msgId, ...fields } };
  pendingSetup.set(msgId, `${type}_ok`);
  counters.clients.sendCount++;
  deliver(m);
  return msgId;
}

const setupBodies = mp.setup[self] ?? [];
let setupStep = 0;
const initTimer = setTimeout(() => {
  const waiting = [...pendingSetup.values()][0] ?? 'init_ok';
  protocolError(`did not answer ${waiting === 'init_ok' ? 'init with init_ok' : `with ${waiting}`} within ${mp.initTimeoutMs} ms`);
}, mp.initTimeoutMs);

function onInitReply(m: MaelstromMessage): void {
  const id = m.body.in_reply_to;
  const expected = id === undefined ? undefined : pendingSetup.get(id);
  if (expected === undefined) return;
  if (m.body.type !== expected) {
    protocolError(`answered ${id === 1 ? 'init' : 'a setup message'} with ${quoteLine(JSON.stringify(m.body))}, not ${expected}`);
  }
  pendingSetup.delete(id as number);
  if (setupStep === 0) {
    initDone = true;
    for (const l of heldForInit.splice(0)) child.stdin?.write(`${l}\n`);
  }
  const next = setupBodies[setupStep++];
  if (next) {
    const { type, ...fields } = next;
    sendToNode(String(type), fields);
    return;
  }
  clearTimeout(initTimer);
  process.stdout.write('ready\n');
}

// ---- start and stop ------------------------------------------------------------------------------

let listening = 0;
const onListening = () => {
  if (++listening < 2) return;
  sendToNode('init', { node_id: self, node_ids: nodeIds });
};
peerServer.listen(config.peerPort, '127.0.0.1', onListening);
clientServer.listen(config.clientPort, '127.0.0.1', onListening);
for (const s of [peerServer, clientServer]) {
  s.on('error', (err) => {
    log(`cannot listen: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    process.exit(1);
  });
}

// The harness closes stdin to stop the node (and a harness that died closes it too).
process.stdin.resume();
process.stdin.on('end', () => {
  stopping = true;
  sendReport();
  child.stdin?.end();
  const t = setTimeout(() => {
    killNode();
    process.exit(0);
  }, STOP_GRACE_MS);
  child.once('exit', () => {
    clearTimeout(t);
    control.close();
    setTimeout(() => process.exit(0), 20);
  });
});
