/**
 * walkv's core: the register map and every decision walkv makes, with no I/O. The shell
 * (../main.ts) owns the Write-Ahead Log, the timers and the sockets; it asks the core what a
 * request does to the map, which record to log, when a snapshot is due, where the Low-Water Mark
 * is and whether a reply must wait for fsync, and carries the answers out.
 *
 * Variants change decisions only (see ../README.md):
 *   ack-before-fsync          replies do not wait for fsync
 *   truncate-before-snapshot  the Low-Water Mark is the synced index, not the last snapshot's
 *   no-crc                    (the shell opens the log without checksums)
 */
import { ErrorCode } from '../../../workloads/wire/errors.js';
import { encodeSet } from './codec.js';
import type { Variant } from './types.js';

interface Entry {
  key: unknown;
  value: unknown;
}

/** What a request does: its reply, and the record to log first when it changes the map. */
export interface Outcome {
  reply: { type: 'read_ok'; value: unknown } | { type: 'write_ok' } | { type: 'cas_ok' } | { type: 'error'; code: number; text: string };
  /** The encoded `set` record to append before the reply may go; null when nothing changed. */
  record: Buffer | null;
}

/** The register map and walkv's decisions on it. */
export class WalKvCore {
  private readonly state = new Map<string, Entry>();
  /** Counters for `status`. */
  readonly stats = { writes: 0, reads: 0, casOk: 0, casFail: 0, snapshots: 0, segmentsDiscarded: 0, undecodable: 0 };

  constructor(readonly variant: Variant) {}

  /** Sets a key (a replayed record, a snapshot pair, or a request). */
  apply(key: unknown, value: unknown): void {
    this.state.set(JSON.stringify(key ?? null), { key, value });
  }

  /** `read`: the value, or null when the key was never written. */
  read(key: unknown): Outcome {
    this.stats.reads++;
    const e = this.state.get(JSON.stringify(key ?? null));
    return { reply: { type: 'read_ok', value: e ? e.value : null }, record: null };
  }

  /** `write`: apply it and log it. */
  write(key: unknown, value: unknown): Outcome {
    this.stats.writes++;
    this.apply(key, value);
    return { reply: { type: 'write_ok' }, record: encodeSet({ key, value }) };
  }

  /** `cas`: error 20 when the key is absent, 22 when its value is not `from`; else a write of `to`. */
  cas(key: unknown, from: unknown, to: unknown): Outcome {
    const e = this.state.get(JSON.stringify(key ?? null));
    if (!e || JSON.stringify(e.value) !== JSON.stringify(from)) {
      this.stats.casFail++;
      const reply = !e
        ? { type: 'error' as const, code: ErrorCode.keyDoesNotExist, text: `key ${JSON.stringify(key)} does not exist` }
        : { type: 'error' as const, code: ErrorCode.preconditionFailed, text: `expected ${JSON.stringify(from)}, found ${JSON.stringify(e.value)}` };
      return { reply, record: null };
    }
    this.stats.casOk++;
    this.apply(key, to);
    return { reply: { type: 'cas_ok' }, record: encodeSet({ key, value: to }) };
  }

  /** The whole map, for a snapshot: it reflects exactly the records applied so far. */
  entries(): Map<string, Entry> {
    return this.state;
  }

  get keys(): number {
    return this.state.size;
  }

  /** Whether a snapshot is due, given the log's last index and its last snapshot's. */
  snapshotDue(lastIndex: number, lastSnapshotIndex: number, everyRecords: number): boolean {
    return lastIndex - lastSnapshotIndex >= everyRecords;
  }

  /** The Low-Water Mark: sealed segments at or below it may be discarded. */
  lowWaterMark(syncedIndex: number, lastSnapshotIndex: number): number {
    // truncate-before-snapshot: BUG, nothing durable covers the synced records yet.
    return this.variant === 'truncate-before-snapshot' ? syncedIndex : lastSnapshotIndex;
  }

  /** Whether a reply must wait until the log is synced past the records it depends on. */
  repliesWaitForSync(): boolean {
    // ack-before-fsync: BUG, the reply outruns the fsync.
    return this.variant !== 'ack-before-fsync';
  }

  /** Whether the shell flushes the log on a timer instead of before replies. */
  flushesOnTimer(): boolean {
    return this.variant === 'ack-before-fsync';
  }

  /** Whether log records carry a checksum. */
  checksums(): boolean {
    return this.variant !== 'no-crc';
  }
}
