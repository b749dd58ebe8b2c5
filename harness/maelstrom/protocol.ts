/**
 * Maelstrom's node protocol as the shim and the services read it (docs/maelstrom.md): one JSON
 * object a line, `{"src","dest","body"}`, the body's `type` required, `msg_id` and `in_reply_to`
 * optional. Ids starting with `n` are nodes, with `c` clients; the services have their names.
 *
 * Shared by the shim (a process of its own, harness/maelstrom/shim.ts) and the harness side
 * (services.ts, params.ts), so that both judge a line by the same rules.
 */

/** A Maelstrom message. */
export interface MaelstromMessage {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [field: string]: unknown };
}

/** The services the harness runs, addressed by name. */
export const SERVICE_NAMES = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'] as const;

/** A service's name. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** True for the name of a service of the harness. */
export function isServiceName(id: string): id is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(id);
}

/** True for a client id (`c1`, `c42`). */
export function isClientId(id: string): boolean {
  return id.startsWith('c');
}

/** The longest line read from a node; Maelstrom has no limit, but a node that writes more is broken. */
export const LINE_BYTES_MAX = 8 * 1024 * 1024;

/** At most this much of a bad line is quoted in an error. */
const QUOTE_CHARS_MAX = 200;

/** A line quoted for an error message, cut at QUOTE_CHARS_MAX. */
export function quoteLine(line: string): string {
  const cut = line.length > QUOTE_CHARS_MAX ? `${line.slice(0, QUOTE_CHARS_MAX)}...` : line;
  return JSON.stringify(cut);
}

/**
 * Parses one line a node wrote on stdout: the message, or what is wrong with it in a few words
 * (`is not JSON`, `has no "dest"`), for an error that quotes the line.
 */
export function parseMessage(line: string): { ok: true; msg: MaelstromMessage } | { ok: false; problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, problem: 'is not a JSON object' };
  const m = v as Record<string, unknown>;
  if (typeof m.src !== 'string' || m.src === '') return { ok: false, problem: m.src === undefined ? 'has no "src"' : '"src" is not a non-empty string' };
  if (typeof m.dest !== 'string' || m.dest === '') return { ok: false, problem: m.dest === undefined ? 'has no "dest"' : '"dest" is not a non-empty string' };
  const body = m.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, problem: body === undefined ? 'has no "body"' : '"body" is not a JSON object' };
  const b = body as Record<string, unknown>;
  if (typeof b.type !== 'string' || b.type === '') return { ok: false, problem: b.type === undefined ? 'has a body without "type"' : 'has a body whose "type" is not a non-empty string' };
  for (const k of ['msg_id', 'in_reply_to'] as const) {
    if (b[k] !== undefined && !Number.isSafeInteger(b[k])) return { ok: false, problem: `has a body whose "${k}" is not an integer` };
  }
  return { ok: true, msg: m as unknown as MaelstromMessage };
}

/** The kinds of messages Maelstrom's net statistics count: with a client at one end, or between servers. */
export type MessageClass = 'clients' | 'servers';

/** Maelstrom's classes: a message with a client at either end is a client message; the rest (nodes, services) are server messages. */
export function classOf(src: string, dest: string): MessageClass {
  return isClientId(src) || isClientId(dest) ? 'clients' : 'servers';
}

/** Counts of one class, as Maelstrom's `:net` reports them. */
export interface NetCounts {
  sendCount: number;
  recvCount: number;
}

/** The counters one shim keeps and reports. */
export interface ShimCounters {
  clients: NetCounts;
  servers: NetCounts;
}

/** Zeroed counters. */
export function emptyCounters(): ShimCounters {
  return { clients: { sendCount: 0, recvCount: 0 }, servers: { sendCount: 0, recvCount: 0 } };
}

/** What the shim tells the harness on its control connection, besides the messages for services. */
export interface ShimReport {
  /** Sent first: which node and which start of it (a restart is a new incarnation). */
  hello?: { node: string; incarnation: string };
  /** Cumulative counters of this incarnation. */
  counters?: ShimCounters;
}

/** The exit code of a shim whose node broke the protocol (a bad line, no init_ok). */
export const EXIT_PROTOCOL = 3;

/** The prefix of the one line a shim writes to the node's log when the node broke the protocol. */
export const PROTOCOL_ERROR_PREFIX = 'maelstrom-protocol-error: ';

/**
 * A splitter of a byte stream into lines, whatever the chunks: feed it chunks, it calls `onLine`
 * for every complete non-empty line; returns false (and stops) once the unterminated rest is
 * longer than LINE_BYTES_MAX.
 */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => boolean {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
    return buf.length <= LINE_BYTES_MAX;
  };
}
