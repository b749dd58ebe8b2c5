/**
 * walkv's variants and tunables, shared by its core (the register map and the decisions on it)
 * and its shell (../main.ts: sockets, the Write-Ahead Log, timers).
 */

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
