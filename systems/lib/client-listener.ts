/**
 * The client listener: NDJSON over TCP on 127.0.0.1 with Maelstrom message bodies (see the wire
 * protocol spec). Clients pipeline: many requests in flight per connection, each reply carrying
 * `in_reply_to` and sent as soon as its handler finishes, in any order. The listener answers the
 * harness's admin messages itself (`clock-offset`, `status`) and shields the system from bad input:
 * an unparsable line gets `malformed-request` (12) when a `msg_id` can be found in it and is dropped
 * otherwise; nothing a client sends can crash the node.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from './clock.js';
import { ErrorCode, RpcError } from './errors.js';
import type { Logger } from './log.js';
import { LineSplitter, MAX_VALUE_DEPTH, nestsDeeperThan } from './ndjson.js';

/** A parsed client request: a JSON object with a string `type` and a numeric `msg_id`. */
export interface ClientRequest {
  type: string;
  msg_id: number;
  [field: string]: unknown;
}

/** The body of a reply, without `in_reply_to` (the listener adds it). */
export type ReplyBody = { type: string; [field: string]: unknown };

/** Handles one request; returns the ok body or throws {@link RpcError} for an error reply. */
export type RequestHandler = (req: ClientRequest) => ReplyBody | Promise<ReplyBody>;

/** Options of {@link startClientListener}. */
export interface ClientListenerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  clock: Clock;
  logger: Logger;
  /** Handles every non-admin request. */
  handler: RequestHandler;
  /** Facts for the `status` admin message (role, term, ...). */
  status?: () => Record<string, unknown>;
  /** Longest accepted request line in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** Most requests in flight on one connection; beyond it requests get error 11 (default 10000). */
  maxInFlightPerConnection?: number;
  /** Most simultaneous client connections; extra ones are closed at once (default 1000). */
  maxConnections?: number;
  /** Most reply bytes queued for a client that does not read them; beyond it the connection is closed (default 64 MiB). */
  maxUnreadReplyBytes?: number;
}

/** A running listener. */
export interface ClientListener {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting and closes every client connection. */
  close(): Promise<void>;
}

/** A whole integer msg_id in raw text: digits not followed by a fraction or an exponent. */
const MSG_ID_RE = /"msg_id"\s*:\s*(-?\d+)(?![\d.eE])/;

/** Finds a usable msg_id in a line that is not a valid request, for the malformed-request reply. */
function salvageMsgId(line: string, parsed: unknown): number | undefined {
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    // A parsed object's own msg_id decides: one that is not a safe integer is never answered,
    // since any id made from it (1 from 1.5, a rounded 1e308) is one the client never sent.
    const id = (parsed as Record<string, unknown>).msg_id;
    return isMsgId(id) ? id : undefined;
  }
  const m = MSG_ID_RE.exec(line);
  if (m) {
    const id = Number(m[1]);
    if (isMsgId(id)) return id;
  }
  return undefined;
}

/** A msg_id is a non-negative safe integer. */
function isMsgId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

function errorBody(code: number, text: string, extra: Record<string, unknown> = {}): ReplyBody {
  return { ...extra, type: 'error', code, text };
}

/** Starts listening; resolves once the port is bound. */
export async function startClientListener(opts: ClientListenerOptions): Promise<ClientListener> {
  const maxInFlight = opts.maxInFlightPerConnection ?? 10_000;
  const maxConnections = opts.maxConnections ?? 1000;
  const maxUnreadReplyBytes = opts.maxUnreadReplyBytes ?? 64 << 20;
  const sockets = new Set<Socket>();

  const handleAdmin = (req: ClientRequest): ReplyBody => {
    if (req.action === 'clock-offset') {
      const ms = req.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms)) {
        throw new RpcError(ErrorCode.malformedRequest, 'clock-offset needs a numeric "ms"');
      }
      try {
        opts.clock.setOffsetMs(ms);
      } catch (e) {
        throw new RpcError(ErrorCode.malformedRequest, (e as Error).message);
      }
      opts.logger.info(`clock offset set to ${ms} ms`);
      return { type: 'admin_ok', offsetMs: ms };
    }
    if (req.action === 'status') {
      return { ...(opts.status ? opts.status() : {}), type: 'admin_ok', clockOffsetMs: opts.clock.getOffsetMs() };
    }
    throw new RpcError(ErrorCode.notSupported, `unknown admin action ${JSON.stringify(req.action)}`);
  };

  const onConnection = (socket: Socket): void => {
    if (sockets.size >= maxConnections) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    let inFlight = 0;
    let closed = false;

    const send = (inReplyTo: number, body: ReplyBody): void => {
      if (closed) return;
      if (socket.writableLength > maxUnreadReplyBytes) {
        opts.logger.info(`closed a client connection with more than ${maxUnreadReplyBytes} bytes of unread replies`);
        closed = true;
        socket.destroy();
        return;
      }
      socket.write(JSON.stringify({ ...body, in_reply_to: inReplyTo }) + '\n');
    };

    const onLine = (line: string): void => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const isObj = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      const obj = isObj ? (parsed as Record<string, unknown>) : undefined;
      const msgId = obj?.msg_id;
      const tooDeep = obj !== undefined && nestsDeeperThan(obj, MAX_VALUE_DEPTH + 1);
      if (!obj || typeof obj.type !== 'string' || !isMsgId(msgId) || tooDeep) {
        const id = salvageMsgId(line, parsed);
        const why = !obj
          ? 'not a JSON object'
          : typeof obj.type !== 'string'
            ? 'missing string "type"'
            : !isMsgId(msgId)
              ? '"msg_id" must be a non-negative integer'
              : `values may nest at most ${MAX_VALUE_DEPTH} levels`;
        if (id !== undefined) send(id, errorBody(ErrorCode.malformedRequest, `malformed request: ${why}`));
        else opts.logger.info(`dropped a client line without msg_id (${why})`);
        return;
      }
      const req = obj as ClientRequest;
      if (inFlight >= maxInFlight) {
        send(req.msg_id, errorBody(ErrorCode.temporarilyUnavailable, `more than ${maxInFlight} requests in flight`));
        return;
      }
      inFlight++;
      const finish = (body: ReplyBody): void => {
        inFlight--;
        send(req.msg_id, body);
      };
      const fail = (e: unknown): void => {
        if (e instanceof RpcError) finish(errorBody(e.code, e.message, e.extra));
        else {
          opts.logger.info(`handler failed on ${req.type}: ${(e as Error)?.stack ?? String(e)}`);
          finish(errorBody(ErrorCode.crash, `internal error: ${(e as Error)?.message ?? String(e)}`));
        }
      };
      try {
        const out = req.type === 'admin' ? handleAdmin(req) : opts.handler(req);
        if (out instanceof Promise) out.then(finish, fail);
        else finish(out);
      } catch (e) {
        fail(e);
      }
    };

    const splitter = new LineSplitter(onLine, () => {
      opts.logger.info(`dropped a client line longer than ${opts.maxLineBytes ?? 1 << 20} bytes`);
    }, opts.maxLineBytes);
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => {
      /* a client that resets is not our problem; 'close' follows */
    });
    socket.on('close', () => {
      closed = true;
      sockets.delete(socket);
    });
  };

  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => opts.logger.info(`client listener error: ${e.message}`));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
