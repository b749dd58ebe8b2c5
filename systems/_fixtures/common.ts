/**
 * Shared shell of the test fixtures in systems/_fixtures: the node config, the NDJSON listener,
 * and the rule that a node exits when its stdin closes.
 *
 * The fixtures are small programs that speak the wire protocol (shared/specs/wire-protocol.md)
 * and exist to prove the harness: one that is always right, one that lies on reads, one that
 * never answers, one that dies at start. They are not pattern implementations.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

/** The node config the harness writes (docs/formats.md). */
export interface NodeConfig {
  id: string;
  variant: string;
  clientPort: number;
  peerPort: number;
  peers: Record<string, string>;
  dataDir: string;
  params: Record<string, unknown>;
}

/** A JSON object received on a connection. */
export type Message = Record<string, unknown>;

/** Reads `--config <file>` from the command line. */
export function loadConfig(argv: string[] = process.argv.slice(2)): NodeConfig {
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (!file) {
    process.stderr.write('usage: main.js --config <file.json>\n');
    process.exit(2);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as NodeConfig;
}

/** Logs one line to stderr (the harness keeps it in nodes/<id>.log). */
export function log(id: string, text: string): void {
  process.stderr.write(`${new Date().toISOString()} ${id} ${text}\n`);
}

/** Exits when stdin closes: a harness that dies, even by SIGKILL, takes its nodes with it. */
export function exitWhenStdinCloses(): void {
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

/** Splits a socket's bytes into lines and hands each parsed object (or the parse error) on. */
export function onLines(socket: Socket, handle: (msg: Message | null, raw: string) => void): void {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line === '') continue;
      let msg: Message | null = null;
      try {
        const v: unknown = JSON.parse(line);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) msg = v as Message;
      } catch {
        msg = null;
      }
      handle(msg, line);
    }
  });
  socket.on('error', () => {});
}

/** Writes one object as a line, if the socket is still open. */
export function send(socket: Socket, msg: Message): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(msg)}\n`);
}

/** The `msg_id` of an unparsable line, when one can be found in its text. */
export function sniffMsgId(raw: string): number | null {
  const m = /"msg_id"\s*:\s*(-?\d+)/.exec(raw);
  return m ? Number(m[1]) : null;
}

/** Listens on 127.0.0.1:port and calls `onSocket` for each connection. */
export function listen(port: number, onSocket: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onSocket);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Answers the admin messages every node accepts: `clock-offset` (a fixture has no clock to skew,
 * it only records the offset) and `status`. Returns true when the message was an admin message.
 */
export function handleAdmin(socket: Socket, msg: Message, facts: () => Message): boolean {
  if (msg.type !== 'admin') return false;
  if (msg.action === 'clock-offset') {
    send(socket, { type: 'admin_ok', in_reply_to: msg.msg_id, clockOffsetMs: msg.ms });
  } else if (msg.action === 'status') {
    send(socket, { type: 'admin_ok', in_reply_to: msg.msg_id, ...facts() });
  } else {
    send(socket, { type: 'error', in_reply_to: msg.msg_id, code: 10, text: `unknown admin action ${String(msg.action)}` });
  }
  return true;
}
