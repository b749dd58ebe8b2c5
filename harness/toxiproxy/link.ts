/**
 * The data plane of one proxied connection: two links (upstream: client to server, downstream:
 * server to client), each a chain of toxic stages ending in a writer to the destination socket.
 *
 *   client socket --read--> [stage toxic1] -> [stage toxic2] -> writer --> upstream socket
 *   upstream socket --read--> [stages of downstream toxics] -> writer --> client socket
 *
 * With no toxic in a direction, chunks go straight from the read callback to the other socket's
 * write (no allocation, no timer), with ordinary backpressure. With toxics, each chunk is stamped
 * with its read time and handed down the chain; the link pauses its reader when the chain holds
 * more than `MAX_BUFFERED_BYTES` or the destination is congested.
 *
 * Close semantics are Toxiproxy's: there is no half-close. When the end of stream (or an error,
 * an RST) reaches a writer, it flushes and fully closes its destination socket, which ends the
 * other link too. A connection that had a reset_peer toxic at start closes both sockets with RST.
 */
import type { Socket } from 'node:net';
import { createBehaviour, type Behaviour, type Direction, type Item, type StageContext, type ToxicDef } from './toxics.js';
import type { MutableRng as Rng } from '../random.js';

/** Bytes a link's toxics may hold before the link stops reading (the real server holds ~32 MiB). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** How long a closing socket may take to flush its last writes before it is destroyed. */
const CLOSE_FLUSH_LIMIT_MS = 5_000;

/**
 * What a proxy's toxics did to the bytes through it, since it was created: bytes (and the lines
 * in them, since the peer protocols are newline-delimited JSON, a line is a message) dropped for
 * good or held back before being forwarded, and connections closed by disabling the proxy. The
 * nemesis reads them before and after a fault to tell what the fault did.
 */
export interface ProxyEffects {
  bytesCut: number;
  messagesCut: number;
  bytesDelayed: number;
  messagesDelayed: number;
  connectionsCut: number;
}

/** Counters at zero. */
export function noEffects(): ProxyEffects {
  return { bytesCut: 0, messagesCut: 0, bytesDelayed: 0, messagesDelayed: 0, connectionsCut: 0 };
}

function lineCount(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/** Adds a chunk's bytes and lines to the cut or delayed counters. */
function countInto(effects: ProxyEffects | null, how: 'cut' | 'delayed', data: Buffer): void {
  if (!effects || data.length === 0) return;
  if (how === 'cut') {
    effects.bytesCut += data.length;
    effects.messagesCut += lineCount(data);
  } else {
    effects.bytesDelayed += data.length;
    effects.messagesDelayed += lineCount(data);
  }
}

/** Anything items can be pushed to: a stage or a writer. */
interface Sink {
  push(item: Item): void;
}

/** One toxic on one link. */
export class Stage implements Sink, StageContext {
  next: Sink;
  readonly linkState: Map<string, unknown>;
  private readonly behaviour: Behaviour;
  private queue: Item[] = [];
  private queueHead = 0;
  private busy = false;
  private state: 'run' | 'removing' | 'dead' = 'run';
  private active = true;
  private wake: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly toxic: ToxicDef,
    readonly link: Link,
    next: Sink,
  ) {
    this.next = next;
    this.linkState = link.state;
    this.behaviour = createBehaviour(toxic.type);
    this.start();
  }

  get rng(): Rng {
    return this.link.rng;
  }

  /** (Re)starts: rolls toxicity, as the real server does on every stub start. */
  private start(): void {
    const t = this.toxic.toxicity;
    const wasActive = this.active;
    this.active = t >= 1 ? true : t <= 0 ? false : this.link.rng.float() < t;
    if (this.active) this.behaviour.start?.(this);
    else if (wasActive) this.behaviour.deactivate?.(this);
  }

  push(item: Item): void {
    if (this.state === 'dead') {
      if (item.data) this.dropped(item.data);
      return;
    }
    // Each toxic times a chunk from its own arrival, so two latency toxics add up while
    // back-to-back chunks in one toxic do not.
    item.ts = performance.now();
    this.queue.push(item);
    if (!this.busy) this.pump();
  }

  private pump(): void {
    while (!this.busy && this.queueHead < this.queue.length && this.state !== 'dead') {
      const item = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      if (this.state === 'removing' || !this.active) {
        this.next.push(item);
        continue;
      }
      let r: void | Promise<void>;
      try {
        r = this.behaviour.handle(this, item);
      } catch {
        // A toxic must never take the server down: a failing stage ends its link instead.
        this.closeLink();
        return;
      }
      if (r) {
        this.busy = true;
        r.then(
          () => this.afterHandle(),
          () => this.afterHandle(),
        );
      }
    }
    if (!this.busy && this.state === 'removing') this.finishRemoval();
  }

  private afterHandle(): void {
    this.busy = false;
    if (this.state === 'dead') return;
    this.pump();
  }

  forward(item: Item): void {
    if (this.state === 'dead') {
      if (item.data) this.dropped(item.data);
      return;
    }
    this.next.push(item);
  }

  sleep(ms: number, uninterruptible = false): Promise<boolean> {
    if (!(ms > 0)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      if (ms !== Infinity) {
        this.sleepTimer = setTimeout(() => {
          this.sleepTimer = null;
          this.wake = null;
          resolve(true);
        }, ms);
      }
      if (!uninterruptible) {
        this.wake = () => {
          if (this.sleepTimer) clearTimeout(this.sleepTimer);
          this.sleepTimer = null;
          this.wake = null;
          resolve(false);
        };
      }
    });
  }

  closeLink(): void {
    if (this.state === 'dead') return;
    this.stopTimers();
    this.state = 'dead';
    this.next.push({ data: null, ts: performance.now() });
    // Whatever is still queued here is dropped.
    this.dropQueue(true);
  }

  dropped(data: Buffer): void {
    this.link.release(data.length);
    countInto(this.link.conn.effects, 'cut', data);
  }

  delayed(data: Buffer): void {
    countInto(this.link.conn.effects, 'delayed', data);
  }

  /** Queued chunks that will never be delivered, counted as cut (and released unless the connection is going). */
  private dropQueue(release: boolean): void {
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const d = this.queue[i]!.data;
      if (!d) continue;
      if (release) this.link.release(d.length);
      countInto(this.link.conn.effects, 'cut', d);
    }
    this.queue = [];
    this.queueHead = 0;
  }

  requeue(item: Item): void {
    this.queue.splice(this.queueHead, 0, item);
  }

  setTimer(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private stopTimers(): void {
    this.clearTimers();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = null;
  }

  /**
   * Interrupts and restarts the stage, as the real server does when this toxic is updated or a
   * neighbour is added or removed: a sleeping chunk is released at once, timers restart, and
   * toxicity is rolled again.
   */
  interrupt(): void {
    if (this.state !== 'run') return;
    if (!this.behaviour.keepsTimersOnRestart) this.clearTimers();
    if (this.wake) this.wake();
    this.start();
    // A stage that became inactive passes its queue through.
    if (!this.busy) this.pump();
  }

  /** Removes the stage: what it holds is delivered (not dropped), then it leaves the chain. */
  remove(): void {
    if (this.state !== 'run') return;
    this.state = 'removing';
    this.clearTimers();
    if (this.wake) this.wake();
    if (!this.busy) this.pump();
  }

  private finishRemoval(): void {
    if (this.state !== 'removing') return;
    this.state = 'dead';
    const next = this.next;
    // Delivered in place of this stage: first what the behaviour holds, then the queue.
    const ctx: StageContext = Object.create(this, { forward: { value: (it: Item) => next.push(it) } });
    this.behaviour.flush?.(ctx);
    // Normally empty (the pump passes items through while removing); kept for items requeued last.
    for (let i = this.queueHead; i < this.queue.length; i++) next.push(this.queue[i]!);
    this.queue = [];
    this.queueHead = 0;
    this.stopTimers();
    this.link.unlink(this);
  }

  /** Stops everything now (the connection is closing); held data is dropped. */
  kill(): void {
    this.state = 'dead';
    this.stopTimers();
    this.wake = null;
    this.dropQueue(false);
  }
}

/** The end of a chain: writes to the destination socket, or closes it at the end of stream. */
class Writer implements Sink {
  constructor(private readonly link: Link) {}
  push(item: Item): void {
    const link = this.link;
    if (item.data === null) {
      link.finish();
      return;
    }
    link.release(item.data.length);
    if (link.finished || item.data.length === 0) return;
    link.sentBytes += item.data.length;
    if (!link.dst.write(item.data)) link.setCongested();
  }
}

/** One direction of one connection. */
export class Link {
  readonly stages: Stage[] = [];
  readonly writer: Writer;
  /** Per-link toxic state that survives restarts (limit_data). */
  readonly state = new Map<string, unknown>();
  finished = false;
  /** Bytes read from the source and written to the destination (for /metrics). */
  receivedBytes = 0;
  sentBytes = 0;
  private srcEnded = false;
  private buffered = 0;
  private congested = false;
  private paused = false;

  constructor(
    readonly conn: Connection,
    readonly direction: Direction,
    readonly src: Socket,
    readonly dst: Socket,
    readonly rng: Rng,
    toxics: readonly ToxicDef[],
  ) {
    this.writer = new Writer(this);
    for (const t of toxics) this.stages.push(new Stage(t, this, this.writer));
    this.relink();
  }

  private relink(): void {
    for (let i = 0; i < this.stages.length; i++) this.stages[i]!.next = this.stages[i + 1] ?? this.writer;
  }

  /** Starts reading from the source. */
  begin(): void {
    const src = this.src;
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => this.onEnd());
    src.on('close', () => this.onEnd());
    this.dst.on('drain', () => {
      this.congested = false;
      this.maybeResume();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.srcEnded) return;
    this.receivedBytes += chunk.length;
    if (this.stages.length === 0) {
      // Fast path: no toxic in this direction.
      if (this.finished) return;
      this.sentBytes += chunk.length;
      if (!this.dst.write(chunk)) this.setCongested();
      return;
    }
    this.buffered += chunk.length;
    this.stages[0]!.push({ data: chunk, ts: performance.now() });
    if (this.buffered > MAX_BUFFERED_BYTES) this.pause();
  }

  /** The source ended (FIN, RST or closed by us): the end of stream follows the queued data. */
  onEnd(): void {
    if (this.srcEnded) return;
    this.srcEnded = true;
    const item: Item = { data: null, ts: performance.now() };
    if (this.stages.length === 0) this.writer.push(item);
    else this.stages[0]!.push(item);
  }

  setCongested(): void {
    this.congested = true;
    this.pause();
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.src.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && !this.congested && this.buffered <= MAX_BUFFERED_BYTES / 2) {
      this.paused = false;
      this.src.resume();
    }
  }

  /** Bytes left the chain (written or dropped). */
  release(bytes: number): void {
    this.buffered -= bytes;
    if (this.buffered < 0) this.buffered = 0;
    if (this.paused) this.maybeResume();
  }

  /** The end of stream reached the writer: close the destination, which ends the other link. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.conn.closeSocket(this.dst, true);
    this.conn.otherLink(this)?.onEnd();
  }

  /** Appends a stage for a newly added toxic; the previous last stage restarts. */
  addToxic(t: ToxicDef): void {
    const prev = this.stages[this.stages.length - 1];
    const stage = new Stage(t, this, this.writer);
    this.stages.push(stage);
    this.relink();
    prev?.interrupt();
  }

  /** Restarts the stage of an updated toxic. */
  updateToxic(name: string): void {
    this.stages.find((s) => s.toxic.name === name)?.interrupt();
  }

  /** Removes a toxic's stage: it flushes, then leaves the chain; its predecessor restarts. */
  removeToxic(name: string): boolean {
    const i = this.stages.findIndex((s) => s.toxic.name === name);
    if (i < 0) return false;
    const stage = this.stages[i]!;
    stage.remove();
    // A toxic added later under the same name starts afresh (limit_data's byte count).
    this.state.delete(name);
    this.stages[i - 1]?.interrupt();
    return true;
  }

  /** Called by a stage once it has flushed on removal. */
  unlink(stage: Stage): void {
    const i = this.stages.indexOf(stage);
    if (i < 0) return;
    this.stages.splice(i, 1);
    this.relink();
  }

  /** True when a toxic of this name is in the chain. */
  has(name: string): boolean {
    return this.stages.some((s) => s.toxic.name === name);
  }

  kill(): void {
    for (const s of this.stages) s.kill();
  }
}

/** A client connection and its upstream connection. */
export class Connection {
  up!: Link;
  down!: Link;
  /** Set when a reset_peer toxic was present at start: every close is an RST (SO_LINGER=0). */
  linger0 = false;
  /** The proxy's effect counters, which this connection's toxics add to. */
  effects: ProxyEffects | null = null;
  private closedSockets = 0;
  private done = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    private readonly onDone: (c: Connection) => void,
  ) {
    for (const s of [client, upstream]) {
      s.on('error', () => {
        /* An RST or a write after close: the link's end handling takes care of it. */
      });
      s.once('close', () => {
        if (++this.closedSockets === 2) this.finishAll();
      });
    }
  }

  otherLink(l: Link): Link | undefined {
    return l === this.up ? this.down : this.up;
  }

  /** Closes one socket: flush and FIN (graceful), or RST when linger0 is set. */
  closeSocket(s: Socket, graceful: boolean): void {
    if (s.destroyed) return;
    if (this.linger0) {
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy();
      }
      return;
    }
    if (!graceful || s.writableLength === 0) {
      s.destroy();
      return;
    }
    const t = setTimeout(() => s.destroy(), CLOSE_FLUSH_LIMIT_MS);
    s.end(() => {
      clearTimeout(t);
      s.destroy();
    });
    s.once('close', () => clearTimeout(t));
  }

  /** Closes the whole connection now (proxy disabled or deleted, timeout toxic removed). */
  close(): void {
    this.up?.kill();
    this.down?.kill();
    this.closeSocket(this.client, false);
    this.closeSocket(this.upstream, false);
  }

  private finishAll(): void {
    if (this.done) return;
    this.done = true;
    this.up?.kill();
    this.down?.kill();
    this.onDone(this);
  }
}
