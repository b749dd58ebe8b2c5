/**
 * walkv's store: a single-node key-value register map made durable by a Write-Ahead Log
 * (systems/lib/wal.ts), with a Segmented Log and Low-Water Mark compaction behind snapshots.
 *
 * Request path (one event loop, so requests are applied in arrival order: Singular Update Queue):
 *   write / successful cas -> append `set key value` to the log, apply it to the map, then hold the
 *   reply until the log is fsynced past that record (Request Waiting List keyed by log index).
 *   read / failed cas      -> answered from the map, but also held until every record appended so
 *   far is synced: a reply must never reveal a write that a crash could still take back.
 * Many requests share one fsync (group commit). Once `snapshotEveryRecords` records have been
 * appended since the last snapshot, the map is written as a snapshot at the current index; the log
 * cleaner (every `cleanIntervalMs`) discards segments below the Low-Water Mark.
 *
 * Variants (named switches; the code is otherwise shared):
 *   correct                   as above
 *   ack-before-fsync          replies at once; the log buffer is flushed on a timer
 *                             (`flushIntervalMs`), so kill -9 loses acknowledged writes
 *   truncate-before-snapshot  the log cleaner's Low-Water Mark is the synced index instead of the
 *                             last durable snapshot: segments are deleted before a snapshot covers
 *                             them, and a kill before the next snapshot loses their writes
 *   no-crc                    records carry no checksum: after a torn write, recovery replays the
 *                             half-written record as if it were whole
 */
import { ErrorCode, RpcError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Rng } from '../lib/rng.js';
import { Wal } from '../lib/wal.js';
import { decodeSet, decodeSnapshot, encodeSet, encodeSnapshot } from './codec.js';

/** The variants walkv knows. */
export const VARIANTS = ['correct', 'ack-before-fsync', 'truncate-before-snapshot', 'no-crc'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Tunables (node `params`). */
export interface StoreParams {
  /** Segment size before rolling, bytes. */
  segmentBytes: number;
  /** Records appended since the last snapshot that trigger the next one. */
  snapshotEveryRecords: number;
  /** Time between passes of the snapshot trigger and the log cleaner, ms. */
  cleanIntervalMs: number;
  /** ack-before-fsync only: time between background flushes, ms. */
  flushIntervalMs: number;
  /** Torn-write window of the disk model, ms (0 turns torn writes off). */
  tornWriteWindowMs: number;
}

/**
 * Defaults: small segments, so that segments roll and compaction really happens within a short
 * run; a snapshot every 500 records (etcd's default is 100,000 entries).
 */
export const DEFAULT_PARAMS: StoreParams = {
  segmentBytes: 2048,
  snapshotEveryRecords: 500,
  cleanIntervalMs: 100,
  flushIntervalMs: 300,
  tornWriteWindowMs: 25,
};

interface Entry {
  key: unknown;
  value: unknown;
}

/** The durable register map. */
export class WalKvStore {
  private readonly state = new Map<string, Entry>();
  private timers: NodeJS.Timeout[] = [];
  private snapshotting = false;
  /** Counters for `status`. */
  readonly stats = { writes: 0, reads: 0, casOk: 0, casFail: 0, snapshots: 0, segmentsDiscarded: 0, undecodable: 0 };

  private constructor(
    private readonly wal: Wal,
    private readonly variant: Variant,
    private readonly params: StoreParams,
    private readonly logger: Logger,
  ) {}

  /** Opens the log in `dir`, replays it and starts the snapshot, cleaner and flush timers. */
  static async open(dir: string, variant: Variant, params: StoreParams, logger: Logger, rng: Rng): Promise<WalKvStore> {
    const wal = await Wal.open({
      dir,
      segmentBytes: params.segmentBytes,
      checksums: variant !== 'no-crc',
      tornWrite: params.tornWriteWindowMs > 0 ? { windowMs: params.tornWriteWindowMs, rng: rng.fork() } : undefined,
    });
    const store = new WalKvStore(wal, variant, params, logger);
    store.replay();
    store.startTimers();
    return store;
  }

  private replay(): void {
    const r = this.wal.recovery;
    if (r.snapshot) {
      for (const [k, v] of decodeSnapshot(r.snapshot.data)) this.apply(k, v);
    }
    if (r.truncatedBytes > 0) this.logger.info(`recovery: cut ${r.truncatedBytes} bytes of torn tail (${r.truncatedReason})`);
    if (r.gap) this.logger.info(`recovery: records ${r.gap.from}..${r.gap.to} are in neither the snapshot nor the log`);
    for (const rec of r.records) {
      let cmd;
      try {
        cmd = decodeSet(rec.data);
      } catch (e) {
        this.stats.undecodable++;
        this.logger.info(`recovery: record ${rec.index} does not decode (${(e as Error).message}); skipped`);
        continue;
      }
      this.apply(cmd.key, cmd.value);
    }
    this.logger.info(
      `recovered snapshot@${r.snapshot?.index ?? 0} + ${r.records.length} records, last index ${this.wal.lastIndex}, ${this.state.size} keys`,
    );
  }

  private startTimers(): void {
    this.timers.push(
      setInterval(() => {
        if (this.wal.lastIndex - this.wal.lastSnapshotIndex >= this.params.snapshotEveryRecords) void this.snapshot();
        this.clean();
      }, this.params.cleanIntervalMs),
    );
    if (this.variant === 'ack-before-fsync') {
      this.timers.push(setInterval(() => void this.wal.sync(), this.params.flushIntervalMs));
    }
    for (const t of this.timers) t.unref();
  }

  private apply(key: unknown, value: unknown): void {
    this.state.set(JSON.stringify(key ?? null), { key, value });
  }

  /** Writes a snapshot of the map at the current index once that index is synced. */
  private async snapshot(): Promise<void> {
    if (this.snapshotting || this.wal.lastIndex <= this.wal.lastSnapshotIndex) return;
    this.snapshotting = true;
    try {
      const index = this.wal.lastIndex;
      const data = encodeSnapshot(this.state); // the map now reflects exactly records <= index
      await this.wal.sync();
      await this.wal.saveSnapshot(index, data);
      this.stats.snapshots++;
    } finally {
      this.snapshotting = false;
    }
  }

  /** The log cleaner: discard sealed segments at or below the Low-Water Mark. */
  private clean(): void {
    const lwm =
      this.variant === 'truncate-before-snapshot'
        ? this.wal.syncedIndex // BUG: nothing durable covers these records yet
        : this.wal.lastSnapshotIndex;
    this.stats.segmentsDiscarded += this.wal.discardBefore(lwm);
  }

  /** Resolves once a reply that depends on records <= `index` may be sent. */
  private async durable(index: number): Promise<void> {
    if (this.variant === 'ack-before-fsync') return; // BUG: the reply outruns the fsync
    while (this.wal.syncedIndex < index) await this.wal.sync();
  }

  /** `read`: the value, or null when the key was never written. */
  async read(key: unknown): Promise<unknown> {
    this.stats.reads++;
    const e = this.state.get(JSON.stringify(key ?? null));
    await this.durable(this.wal.lastIndex);
    return e ? e.value : null;
  }

  /** `write`: log, apply, and resolve once durable. */
  async write(key: unknown, value: unknown): Promise<void> {
    this.stats.writes++;
    const index = this.wal.append(encodeSet({ key, value }));
    this.apply(key, value);
    await this.durable(index);
  }

  /** `cas`: throws RpcError 20 when the key is absent, 22 when its value is not `from`. */
  async cas(key: unknown, from: unknown, to: unknown): Promise<void> {
    const e = this.state.get(JSON.stringify(key ?? null));
    if (!e || JSON.stringify(e.value) !== JSON.stringify(from)) {
      this.stats.casFail++;
      await this.durable(this.wal.lastIndex);
      if (!e) throw new RpcError(ErrorCode.keyDoesNotExist, `key ${JSON.stringify(key)} does not exist`);
      throw new RpcError(ErrorCode.preconditionFailed, `expected ${JSON.stringify(from)}, found ${JSON.stringify(e.value)}`);
    }
    this.stats.casOk++;
    const index = this.wal.append(encodeSet({ key, value: to }));
    this.apply(key, to);
    await this.durable(index);
  }

  /** Facts for the `status` admin message. */
  status(): Record<string, unknown> {
    return {
      variant: this.variant,
      keys: this.state.size,
      lastIndex: this.wal.lastIndex,
      syncedIndex: this.wal.syncedIndex,
      snapshotIndex: this.wal.lastSnapshotIndex,
      segments: this.wal.segmentCount,
      ...this.stats,
    };
  }

  /** Stops the timers and closes the log (unsynced records are dropped, as in a crash). */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.wal.close();
  }
}
