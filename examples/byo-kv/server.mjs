#!/usr/bin/env node
// byo-kv: a small key-value store that speaks faultline's wire protocol, written as a plain Node
// script with no faultline code, to show how to put your own system under faultline.
//
//   faultline run --system ./examples/byo-kv/faultline.system.json --nemesis partition,kill
//
// How it works. The node with the smallest id is the primary: it holds the map and, in the
// `correct` variant, appends every write to <dataDir>/kv.log and fsyncs it before answering, so a
// kill -9 loses nothing acknowledged; on start it replays the log. Every other node forwards the
// requests its clients send to the primary over its peer link (the address faultline gives it in
// `peers`, which is a fault-injecting proxy), and relays the answer. A forwarded request that gets
// no answer in time is answered with error 0 (timeout): the client cannot know whether it happened.
//
// The contract with faultline (docs/protocol.md):
//   - started as `node server.mjs --config <file>`; the file holds id, variant, clientPort,
//     peerPort, peers ({ id: "host:port" }), dataDir and params;
//   - prints `ready` on stdout once it listens on its client port;
//   - newline-delimited JSON requests and replies on the client port (Maelstrom bodies);
//   - logs to stderr; exits when its stdin closes.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

const FORWARD_TIMEOUT_MS = 1000;
const RECONNECT_MS = 100;
const LINE_BYTES_MAX = 1_000_000;

// ---- configuration -------------------------------------------------------------------------
const configIndex = process.argv.indexOf('--config');
if (configIndex < 0 || !process.argv[configIndex + 1]) {
  process.stderr.write('usage: server.mjs --config <file.json>\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(process.argv[configIndex + 1], 'utf8'));
const { id, variant = 'correct', clientPort, peerPort, peers = {}, dataDir } = config;
const byIdOrder = (a, b) => a.localeCompare(b, 'en', { numeric: true });
const primaryId = [id, ...Object.keys(peers)].sort(byIdOrder)[0];
const isPrimary = primaryId === id;
const log = (msg) => process.stderr.write(`${new Date().toISOString()} ${id} ${msg}\n`);
// The wall clock the node reports; faultline's clock fault shifts it with an admin message.
let clockOffsetMs = 0;

// ---- the primary's state: a map, made durable by a log ---------------------------------------
const data = new Map(); // JSON of the key -> value
let logFd = null;
if (isPrimary) {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'kv.log');
  if (variant === 'correct' && existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      // A torn last line (killed mid-append) was never acknowledged: skip it.
      try {
        const { k, v } = JSON.parse(line);
        data.set(k, v);
      } catch {}
    }
    log(`replayed ${data.size} keys from ${path}`);
  }
  if (variant === 'correct') logFd = openSync(path, 'a');
}

function persist(k, v) {
  data.set(k, v);
  if (logFd === null) return; // no-fsync variant: memory only
  writeSync(logFd, `${JSON.stringify({ k, v })}\n`);
  fsyncSync(logFd);
}

/** Applies one client request at the primary and returns the reply body. */
function apply(req) {
  const k = JSON.stringify(req.key ?? null);
  switch (req.type) {
    case 'read':
      return { type: 'read_ok', value: data.has(k) ? data.get(k) : null };
    case 'write':
      persist(k, req.value);
      return { type: 'write_ok' };
    case 'cas': {
      if (!data.has(k)) return { type: 'error', code: 20, text: 'key does not exist' };
      if (JSON.stringify(data.get(k)) !== JSON.stringify(req.from)) {
        return { type: 'error', code: 22, text: `expected ${JSON.stringify(req.from)}, found ${JSON.stringify(data.get(k))}` };
      }
      persist(k, req.to);
      return { type: 'cas_ok' };
    }
    default:
      return { type: 'error', code: 10, text: `unsupported request type ${JSON.stringify(req.type)}` };
  }
}

// ---- forwarding to the primary over the peer link --------------------------------------------
let primarySocket = null;
let nextForwardId = 1;
const forwards = new Map(); // forward id -> { reply, timer }

function connectPrimary() {
  const [host, port] = peers[primaryId].split(':');
  const socket = connect({ host, port: Number(port) });
  socket.setNoDelay(true);
  socket.on('connect', () => {
    primarySocket = socket;
    log(`connected to primary ${primaryId}`);
  });
  onLines(socket, (line) => {
    const msg = JSON.parse(line);
    const f = forwards.get(msg.forward_id);
    if (!f) return; // answered already (timed out)
    logPeerMessage('recv', primaryId, id, 'forward_reply', msg.forward_id);
    forwards.delete(msg.forward_id);
    clearTimeout(f.timer);
    f.reply(msg.body);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (primarySocket === socket) primarySocket = null;
    setTimeout(connectPrimary, RECONNECT_MS).unref();
  });
}

function forward(req, reply) {
  const forwardId = nextForwardId++;
  const timer = setTimeout(() => {
    forwards.delete(forwardId);
    // The primary may or may not have applied it: an indefinite error.
    reply({ type: 'error', code: 0, text: `no answer from primary ${primaryId} within ${FORWARD_TIMEOUT_MS} ms` });
  }, FORWARD_TIMEOUT_MS);
  forwards.set(forwardId, { reply, timer });
  if (!primarySocket) return; // the timer answers; requests are not queued across reconnects
  logPeerMessage('send', id, primaryId, 'forward', forwardId);
  primarySocket.write(`${JSON.stringify({ forward_id: forwardId, from: id, body: req })}\n`);
}

/** Optional: peer messages in the format faultline draws as a message diagram. */
function logPeerMessage(dir, from, to, type, msgId) {
  process.stderr.write(`@msg ${JSON.stringify({ t: Date.now() * 1000, dir, from, to, type, id: msgId })}\n`);
}

// ---- sockets -------------------------------------------------------------------------------
/** Calls `onLine` with each complete line received on a socket. */
function onLines(socket, onLine) {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buf += chunk;
    if (buf.length > LINE_BYTES_MAX && !buf.includes('\n')) {
      log('dropping a connection that sent an over-long line');
      socket.destroy();
      return;
    }
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onLine(line);
    }
  });
}

function handleClientRequest(req, reply) {
  if (req.type === 'admin') {
    if (req.action === 'clock-offset' && typeof req.ms === 'number') {
      clockOffsetMs = req.ms;
      return reply({ type: 'admin_ok' });
    }
    if (req.action === 'status') {
      return reply({ type: 'admin_ok', role: isPrimary ? 'primary' : 'forwarder', primary: primaryId, keys: data.size, clockMs: Date.now() + clockOffsetMs });
    }
    return reply({ type: 'error', code: 10, text: `unsupported admin action ${JSON.stringify(req.action)}` });
  }
  if (isPrimary) return reply(apply(req));
  forward(req, reply);
}

const clientServer = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  onLines(socket, (line) => {
    let req;
    try {
      req = JSON.parse(line);
      if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new Error('not an object');
    } catch {
      // Malformed input never crashes the node: answer 12 when there is a msg_id to answer to.
      const m = /"msg_id"\s*:\s*(\d+)/.exec(line);
      if (m) socket.write(`${JSON.stringify({ type: 'error', code: 12, text: 'malformed request', in_reply_to: Number(m[1]) })}\n`);
      return;
    }
    handleClientRequest(req, (body) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify({ ...body, in_reply_to: req.msg_id })}\n`);
    });
  });
});

// The primary accepts forwarded requests from the other nodes on its peer port.
const peerServer = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  onLines(socket, (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    logPeerMessage('recv', msg.from, id, 'forward', msg.forward_id);
    const body = isPrimary ? apply(msg.body) : { type: 'error', code: 11, text: `${id} is not the primary` };
    logPeerMessage('send', id, msg.from, 'forward_reply', msg.forward_id);
    socket.write(`${JSON.stringify({ forward_id: msg.forward_id, body })}\n`);
  });
});

let listening = 0;
const onListening = () => {
  if (++listening === 2) {
    log(`${isPrimary ? 'primary' : `forwarding to ${primaryId}`}, variant ${variant}, clients on ${clientPort}, peers on ${peerPort}`);
    process.stdout.write('ready\n');
  }
};
clientServer.listen(clientPort, '127.0.0.1', onListening);
peerServer.listen(peerPort, '127.0.0.1', onListening);
if (!isPrimary) connectPrimary();

// Exit when the harness goes away (its end of our stdin closes).
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
process.on('exit', () => {
  if (logFd !== null) closeSync(logFd);
});
