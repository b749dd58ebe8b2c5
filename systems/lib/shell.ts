/**
 * The parts of a node's shell that every Ready/Advance core needs in the same form: the
 * Singular Update Queue that hands inputs to the core one at a time and runs its Ready passes,
 * the Request Waiting List that pairs a client request with the core's reply, and the peer
 * transport whose every message is decoded before it is enqueued.
 *
 * A system's main builds them around its core:
 *
 * ```ts
 * const q = startUpdateQueue(rt, core, { hasReady: (c) => c.hasReady(), pass: async (c) => { ...ready, persist, send, advance } });
 * const transport = await startPeerTransport(rt, decodePeerMessage, (m) => q.enqueue((c) => c.step(m)));
 * ```
 */
import { ErrorCode, RpcError } from './errors.js';
import { type ClientRequest, type ReplyBody, startClientListener } from './client-listener.js';
import { announceReady, EXIT_DISK_DAMAGED, exitFatal, type NodeRuntime } from './node.js';
import { Transport, type PeerMessage as WireMessage } from './transport.js';
import { Wal, WalCorruptError } from './wal.js';

/** Most inputs waiting for the update loop; more are refused (the client is told "overloaded"). */
export const MAX_INBOX = 100_000;

export interface UpdateQueueOptions<C> {
  /** Whether the core has something for a pass (messages, writes, replies). */
  hasReady: (core: C) => boolean;
  /** One Ready pass: take the Ready, write and sync it, send, advance. Awaited before the next. */
  pass: (core: C) => Promise<void>;
  /** The fatal message for an error the pass threw (default: "update loop failed: <stack>"). */
  describeError?: (e: unknown) => string | null;
}

/** The Singular Update Queue of a node. */
export interface UpdateQueue<C> {
  /** Queues an input for the core; false when the inbox is full. */
  enqueue(f: (core: C) => void): boolean;
}

/**
 * Starts the update loop: inputs run in order, and while a pass is being written and synced new
 * inputs wait, so the next Ready carries them all (one fsync for many). An error in a pass ends
 * the process (exit 255): going on could promise something the disk does not hold.
 */
export function startUpdateQueue<C>(rt: NodeRuntime, core: C, o: UpdateQueueOptions<C>): UpdateQueue<C> {
  const inbox: ((c: C) => void)[] = [];
  let running = false;
  let scheduled = false;
  const enqueue = (f: (c: C) => void): boolean => {
    if (inbox.length >= MAX_INBOX) return false;
    inbox.push(f);
    if (!running && !scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void loop();
      });
    }
    return true;
  };
  const loop = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const batch = inbox.splice(0, inbox.length);
        for (const f of batch) f(core);
        if (!o.hasReady(core)) {
          if (inbox.length === 0) break;
          continue;
        }
        await o.pass(core);
      }
    } catch (e) {
      exitFatal(rt, o.describeError?.(e) ?? `update loop failed: ${(e as Error)?.stack ?? String(e)}`);
    } finally {
      running = false;
    }
    if (inbox.length > 0) enqueue(() => {});
  };
  return { enqueue };
}

/** A core's answer to a client request, as cores put them in their Ready. */
export interface CoreReply {
  reqId: number;
  body: ReplyBody;
}

/**
 * Request Waiting List: client requests handed to the core under a request id, settled when the
 * core's reply for that id comes out of a Ready.
 */
export class WaitingList<C> {
  private nextReqId = 1;
  private readonly waiting = new Map<number, { resolve: (b: ReplyBody) => void; reject: (e: unknown) => void }>();

  constructor(private readonly queue: UpdateQueue<C>) {}

  /** Queues `start(core, reqId)` and resolves with the core's reply (rejects with its error). */
  submit(start: (core: C, reqId: number) => void): Promise<ReplyBody> {
    return new Promise<ReplyBody>((resolve, reject) => {
      const reqId = this.nextReqId++;
      this.waiting.set(reqId, { resolve, reject });
      if (!this.queue.enqueue((c) => start(c, reqId))) {
        this.waiting.delete(reqId);
        reject(new RpcError(ErrorCode.temporarilyUnavailable, 'node overloaded'));
      }
    });
  }

  /** Settles the requests the replies answer; `extra` adds fields to an error of the given code. */
  settle(replies: readonly CoreReply[], extra?: (code: number) => Record<string, unknown>): void {
    for (const r of replies) {
      const w = this.waiting.get(r.reqId);
      if (w === undefined) continue;
      this.waiting.delete(r.reqId);
      if (r.body.type === 'error') {
        const code = typeof r.body.code === 'number' ? r.body.code : ErrorCode.crash;
        w.reject(new RpcError(code, String(r.body.text ?? 'error'), extra?.(code) ?? {}));
      } else {
        w.resolve(r.body);
      }
    }
  }
}

/** A decoded peer message, or why it was refused. */
export type PeerDecode<M> = { ok: true; msg: M } | { ok: false; why: string };

/**
 * Starts the Single-Socket Channel transport on the node's peer port. Every message is decoded
 * with `decode` (addressed to this node, from a peer of the cluster, of a known shape) before
 * `deliver` sees it; a refused one is dropped and logged. A port that cannot be bound ends the
 * process (exit 255).
 */
export function startPeerTransport<M>(
  rt: NodeRuntime,
  decode: (raw: WireMessage, self: string, peers: ReadonlySet<string>) => PeerDecode<M>,
  deliver: (msg: M) => void,
): Promise<Transport> {
  const cfg = rt.config;
  const peerIds = new Set(Object.keys(cfg.peers));
  return Transport.start({
    id: cfg.id,
    peerPort: cfg.peerPort,
    peers: cfg.peers,
    logger: rt.logger,
    rng: rt.rng.fork(),
    ...(cfg.clusterToken !== undefined ? { clusterToken: cfg.clusterToken } : {}),
    onMessage: (m) => {
      const d = decode(m, cfg.id, peerIds);
      if (!d.ok) {
        rt.logger.info(`dropped a peer message of type ${JSON.stringify(m.type).slice(0, 80)}: ${d.why.slice(0, 200)}`);
        return;
      }
      deliver(d.msg);
    },
  }).catch((e: unknown) => exitFatal(rt, `cannot listen for peers on 127.0.0.1:${cfg.peerPort}: ${(e as Error).message}`));
}

/**
 * Serves clients on the node's client port: each request is decoded by `decode` (which throws
 * an `RpcError` for a bad one), handed to the core under a request id by `start`, and answered
 * with the core's reply; then prints `ready`. A port that cannot be bound ends the process.
 */
export async function serveClients<C, R>(
  rt: NodeRuntime,
  waiting: WaitingList<C>,
  decode: (req: ClientRequest) => R,
  start: (core: C, reqId: number, req: R) => void,
  status: () => Record<string, unknown>,
  facts: string,
): Promise<void> {
  const handler = (req: ClientRequest): Promise<ReplyBody> => {
    const r = decode(req);
    return waiting.submit((c, reqId) => start(c, reqId, r));
  };
  try {
    await startClientListener({ port: rt.config.clientPort, clock: rt.clock, logger: rt.logger, handler, status });
  } catch (e) {
    exitFatal(rt, `cannot listen on 127.0.0.1:${rt.config.clientPort}: ${(e as Error).message}`);
  }
  announceReady(rt, facts);
}

/** The parts of a Ready every shell of a JSON-batch core handles the same way. */
export interface BatchReady {
  /** Messages that promise nothing about this node's disk: they leave at once. */
  early: readonly { to: string }[];
  /** Messages that leave only once `persist` is durable. */
  messages: readonly { to: string }[];
  /** Records written as one WAL record (a JSON list) and fsynced before `messages` leave. */
  persist: readonly unknown[];
  replies: readonly CoreReply[];
}

/**
 * Low-Water Mark compaction of a JSON-batch log: once `everyRecords` records were written since the
 * last snapshot, the whole durable state, as one batch of records (`image`), becomes the WAL's
 * snapshot and the segments it covers are deleted. {@link openBatchWal} gives the snapshot back as
 * the first batch, so replaying batches in order rebuilds the state either way.
 */
export interface BatchCompaction {
  everyRecords: number;
  image: () => readonly unknown[];
}

/** A Ready/Advance core whose Ready is a {@link BatchReady}. */
export interface BatchCore<R extends BatchReady> {
  hasReady(): boolean;
  ready(): R;
  advance(rd: R): void;
}

/**
 * Starts the update loop of a core whose Ready is a {@link BatchReady}, with its Request Waiting
 * List: each pass sends the early messages and settles the client replies, appends the persist
 * records as one WAL record and fsyncs it, and only then sends the messages that depend on it and
 * advances the core. `transport` is asked for when a pass runs (the transport starts after the
 * queue, since it delivers into it). The replies leave before the fsync: a core must hold back,
 * to a later Ready, every reply that depends on this Ready's persist records (dynamokv holds its
 * own replica's answer until after the disk; see its `send`).
 */
export function startBatchQueue<R extends BatchReady, C extends BatchCore<R>>(
  rt: NodeRuntime,
  core: C & BatchCore<R>,
  wal: Wal,
  transport: () => Transport,
  compaction?: BatchCompaction,
): { queue: UpdateQueue<C>; waiting: WaitingList<C> } {
  const queue = startUpdateQueue(rt, core, {
    hasReady: (n) => n.hasReady(),
    pass: async (n) => {
      const rd = n.ready();
      for (const m of rd.early) transport().send(m.to, m as unknown as WireMessage);
      waiting.settle(rd.replies);
      if (rd.persist.length > 0) {
        wal.append(Buffer.from(JSON.stringify(rd.persist), 'utf8'));
        await wal.sync();
        // Inside the pass the core has taken no input since its Ready: its state is what is durable.
        if (compaction !== undefined && wal.syncedIndex - wal.lastSnapshotIndex >= compaction.everyRecords) {
          const at = wal.syncedIndex;
          await wal.saveSnapshot(at, Buffer.from(JSON.stringify(compaction.image()), 'utf8'));
          const dropped = wal.discardBefore(at);
          rt.logger.info(`snapshot of the durable state at WAL record ${at}, ${dropped} segments discarded`);
        }
      }
      for (const m of rd.messages) transport().send(m.to, m as unknown as WireMessage);
      n.advance(rd);
    },
  });
  const waiting = new WaitingList(queue);
  return { queue, waiting };
}

/**
 * The inputs of a core besides its clients: the peer transport, each decoded message stepped into
 * the core through the update queue, and a tick every `tickMs`. Resolves with the transport.
 */
export async function startPeersAndTicks<C, M>(
  rt: NodeRuntime,
  queue: UpdateQueue<C>,
  decode: (raw: WireMessage, self: string, peers: ReadonlySet<string>) => PeerDecode<M>,
  step: (core: C, msg: M) => void,
  tick: (core: C) => void,
  tickMs: number,
): Promise<Transport> {
  const transport = await startPeerTransport(rt, decode, (m) => queue.enqueue((c) => step(c, m)));
  setInterval(() => queue.enqueue(tick), tickMs);
  return transport;
}

/**
 * Opens the node's Write-Ahead Log in `dir` with strict recovery: damage the checksums see ends
 * the process with exit 3 (the `disk` fault's "detects"), any other failure is thrown. A node that
 * forgot entries or a vote it acknowledged can make its cluster lose what it acknowledged, so
 * damage is refused, never cut.
 */
export async function openStrictWal(rt: NodeRuntime, dir: string, segmentBytes?: number): Promise<Wal> {
  try {
    return await Wal.open({ dir, strictRecovery: true, ...(segmentBytes !== undefined ? { segmentBytes } : {}) });
  } catch (e) {
    if (e instanceof WalCorruptError) exitFatal(rt, e.message, EXIT_DISK_DAMAGED);
    throw e;
  }
}

/**
 * Opens a node's Write-Ahead Log with strict recovery ({@link openStrictWal}) and reads its snapshot
 * (if any, as the first batch) and its records as JSON lists: one that is no JSON list, or records
 * missing between the snapshot and the log, end the process with 255, naming them. `what`
 * says what a record lists, for that message.
 */
export async function openBatchWal<P>(rt: NodeRuntime, dir: string, what: string, segmentBytes?: number): Promise<{ wal: Wal; batches: P[][] }> {
  const wal = await openStrictWal(rt, dir, segmentBytes);
  const { snapshot, gap } = wal.recovery;
  if (gap !== null) exitFatal(rt, `write-ahead log records ${gap.from}..${gap.to} are in neither the snapshot nor the log`);
  const batches: P[][] = [];
  const parts = [...(snapshot !== null ? [{ what: `snapshot ${snapshot.index}`, data: snapshot.data }] : []), ...wal.recovery.records.map((r) => ({ what: `record ${r.index}`, data: r.data }))];
  for (const part of parts) {
    let batch: P[];
    try {
      batch = JSON.parse(part.data.toString('utf8')) as P[];
    } catch {
      exitFatal(rt, `write-ahead log ${part.what} is not valid JSON`);
    }
    if (!Array.isArray(batch)) exitFatal(rt, `write-ahead log ${part.what} is not a list of ${what}`);
    batches.push(batch);
  }
  return { wal, batches };
}
