/**
 * Write-Ahead Log with honest durability: Segmented Log, a CRC per record, torn-tail recovery and
 * Low-Water Mark compaction with snapshots.
 *
 * Durability model. `append()` only encodes the record into an in-process buffer; nothing reaches
 * the file until `sync()`, which writes the buffered records and then fsyncs for real. So a
 * `kill -9` loses exactly the records a power cut would lose: everything not yet synced. (Had we
 * written at append time, the OS page cache would keep the bytes across kill -9 and "ack before
 * fsync" bugs would stay invisible.) The disk model can also tear writes (`tornWrite`): a sync
 * first makes the file long enough for the whole batch and lands a random prefix of it, then waits
 * `windowMs` before writing the rest and fsyncing; a kill in that window leaves the record that
 * was being written half there and zeros after it, as a power cut during a multi-sector write does.
 *
 * File layout, in `dir`:
 *   seg-<first index, 20 digits>.wal   records, in index order, starting at that index
 *   snap-<index, 20 digits>.snap      a snapshot of the state after applying records <= index
 * Record: [u32 LE payload length][u32 LE crc32 of the next 8 + length bytes][u32 LE index low]
 *         [u32 LE index high][payload]. The CRC covers the index, so a stale or misplaced record
 * fails the check as well as a torn one.
 *
 * Recovery (`Wal.open`): load the newest valid snapshot, then read the segments in order. A record
 * that is short or fails its CRC at the end of the LAST segment is a torn tail: the file is
 * truncated there (those records were never synced, hence never acknowledged). A bad record in an
 * earlier, sealed segment is real corruption and `open` throws {@link WalCorruptError}; so is,
 * with `strictRecovery`, a damaged tail that no killed write could leave, or a damaged snapshot. With
 * `checksums: false` (the `no-crc` variant of a system) records are written without CRC and
 * recovery trusts any record whose length fits, which is exactly what goes wrong after a torn write.
 *
 * Compaction: `saveSnapshot(index, data)` makes a snapshot durable (temp file, fsync, rename,
 * fsync of the directory); `discardBefore(lwm)` deletes sealed segments whose records are all
 * <= lwm. The caller chooses the Low-Water Mark; the correct one is the index of a durable snapshot.
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from './crc32.js';
import type { Rng } from './rng.js';

/** Bytes of a record header. */
export const RECORD_HEADER_BYTES = 16;
/** Largest payload a record may carry (16 MiB); longer ones are refused, and read back as damage. */
export const MAX_RECORD_BYTES = 16 << 20;
const SNAP_MAGIC = 0x4e534c46; // "FLSN"
const SNAP_HEADER_BYTES = 20;

/** Options of {@link Wal.open}. */
export interface WalOptions {
  /** The log's directory (created if missing). */
  dir: string;
  /** A segment is sealed and a new one started once it holds this many bytes (default 1 MiB). */
  segmentBytes?: number;
  /** Write and verify a CRC per record (default true). False is a broken variant. */
  checksums?: boolean;
  /** The torn-write disk model (off when absent). */
  tornWrite?: { windowMs: number; rng: Rng };
  /**
   * Refuse what a kill cannot leave (default false: any damaged tail is cut, and a damaged
   * snapshot gives way to an older one). A killed write stops whole, or at a page boundary, or
   * (torn) before zero fill; so a damaged tail of another shape, or a damaged snapshot (renamed
   * into place whole), is corruption: {@link WalCorruptError}, and nothing is cut.
   */
  strictRecovery?: boolean;
}

/** Where a killed write may stop: the kernel copies a write into the page cache page by page. */
const PAGE_BYTES = 4096;

/** One log record. */
export interface WalRecord {
  index: number;
  data: Buffer;
}

/** What recovery found. */
export interface WalRecovery {
  /** The newest valid snapshot, or null. */
  snapshot: { index: number; data: Buffer } | null;
  /** Records after the snapshot, in index order, to replay. */
  records: WalRecord[];
  /** Bytes cut from the tail of the last segment (a torn or unfinished write), 0 when clean. */
  truncatedBytes: number;
  /** Why the tail was cut ("short header", "crc mismatch", ...), or null. */
  truncatedReason: string | null;
  /**
   * Indexes missing between the snapshot and the first record on disk, e.g. `{from: 5, to: 40}`
   * when records 5..40 are in neither. A correct Low-Water Mark never produces a gap.
   */
  gap: { from: number; to: number } | null;
}

/** A log that cannot be recovered safely (damage inside a sealed segment, broken continuity). */
export class WalCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WalCorruptError';
  }
}

interface Segment {
  firstIndex: number;
  path: string;
}

const pad20 = (n: number): string => String(n).padStart(20, '0');
const segName = (first: number): string => `seg-${pad20(first)}.wal`;
const snapName = (index: number): string => `snap-${pad20(index)}.snap`;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Encodes one record (header + payload). */
export function encodeRecord(index: number, data: Buffer, checksums: boolean): Buffer {
  if (data.length > MAX_RECORD_BYTES) throw new RangeError(`record of ${data.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + data.length);
  buf.writeUInt32LE(data.length, 0);
  buf.writeUInt32LE(index % 2 ** 32, 8);
  buf.writeUInt32LE(Math.floor(index / 2 ** 32), 12);
  data.copy(buf, RECORD_HEADER_BYTES);
  buf.writeUInt32LE(checksums ? crc32(buf, 8, buf.length) : 0, 4);
  return buf;
}

/** The result of scanning one segment's bytes. */
interface SegmentScan {
  records: WalRecord[];
  /** Offset just after the last good record. */
  goodBytes: number;
  /** Why scanning stopped before the end of the file, or null. */
  stopReason: string | null;
}

/** Reads the records of one segment, stopping at the first one that is short or damaged. */
export function scanSegment(buf: Buffer, firstIndex: number, checksums: boolean): SegmentScan {
  const records: WalRecord[] = [];
  let off = 0;
  let index = firstIndex;
  while (off < buf.length) {
    if (buf.length - off < RECORD_HEADER_BYTES) return { records, goodBytes: off, stopReason: 'short header' };
    const len = buf.readUInt32LE(off);
    if (!checksums && len === 0) {
      // Without a checksum, a zero length is the only sign of the zero-filled end of a file.
      return { records, goodBytes: off, stopReason: 'zero length' };
    }
    if (len > MAX_RECORD_BYTES) return { records, goodBytes: off, stopReason: 'length out of range' };
    if (buf.length - off - RECORD_HEADER_BYTES < len) return { records, goodBytes: off, stopReason: 'short record' };
    const end = off + RECORD_HEADER_BYTES + len;
    if (checksums) {
      const stored = buf.readUInt32LE(off + 4);
      if (crc32(buf, off + 8, end) !== stored) return { records, goodBytes: off, stopReason: 'crc mismatch' };
      const idx = buf.readUInt32LE(off + 8) + buf.readUInt32LE(off + 12) * 2 ** 32;
      if (idx !== index) return { records, goodBytes: off, stopReason: `index ${idx} where ${index} was due` };
    }
    records.push({ index, data: Buffer.from(buf.subarray(off + RECORD_HEADER_BYTES, end)) });
    index++;
    off = end;
  }
  return { records, goodBytes: off, stopReason: null };
}

/** A segmented write-ahead log. Not safe for concurrent use by two processes. */
export class Wal {
  /** What `open` recovered; replay it before appending. */
  readonly recovery: WalRecovery;
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly checksums: boolean;
  private readonly tornWrite: WalOptions['tornWrite'];
  private segments: Segment[];
  private fh: FileHandle | null = null;
  private fileBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private last: number;
  private synced: number;
  private syncing: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private closed = false;
  private snapshotIndex: number;

  private constructor(opts: WalOptions, recovery: WalRecovery, segments: Segment[], lastIndex: number, tailBytes: number) {
    this.dir = opts.dir;
    this.segmentBytes = opts.segmentBytes ?? 1 << 20;
    this.checksums = opts.checksums ?? true;
    this.tornWrite = opts.tornWrite;
    this.recovery = recovery;
    this.segments = segments;
    this.last = lastIndex;
    this.synced = lastIndex;
    this.fileBytes = tailBytes;
    this.snapshotIndex = recovery.snapshot?.index ?? 0;
  }

  /**
   * Opens (or creates) the log in `opts.dir` and recovers it: newest valid snapshot, records
   * after it, torn tail cut off (and the cut made durable). Throws {@link WalCorruptError} when
   * the damage is not a torn tail.
   */
  static async open(opts: WalOptions): Promise<Wal> {
    const checksums = opts.checksums ?? true;
    mkdirSync(opts.dir, { recursive: true });
    const names = readdirSync(opts.dir);
    for (const n of names) if (n.endsWith('.tmp')) unlinkSync(join(opts.dir, n));

    // Newest snapshot that validates; older ones are garbage once a newer one is durable.
    const snaps = names
      .map((n) => /^snap-(\d{20})\.snap$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ index: Number(m[1]), path: join(opts.dir, m[0]) }))
      .sort((a, b) => b.index - a.index);
    let snapshot: WalRecovery['snapshot'] = null;
    for (const s of snaps) {
      const data = readSnapshot(s.path, s.index);
      if (data) {
        snapshot = { index: s.index, data };
        break;
      }
      if (opts.strictRecovery === true) throw new WalCorruptError(`${s.path}: damaged snapshot`);
    }

    const segments: Segment[] = names
      .map((n) => /^seg-(\d{20})\.wal$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ firstIndex: Number(m[1]), path: join(opts.dir, m[0]) }))
      .sort((a, b) => a.firstIndex - b.firstIndex);

    const records: WalRecord[] = [];
    let truncatedBytes = 0;
    let truncatedReason: string | null = null;
    let expected = -1;
    let tailBytes = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (expected >= 0 && seg.firstIndex !== expected) {
        throw new WalCorruptError(`${seg.path}: starts at index ${seg.firstIndex}, but the previous segment ends before ${expected}`);
      }
      const buf = readFileSync(seg.path);
      const scan = scanSegment(buf, seg.firstIndex, checksums);
      const isLast = i === segments.length - 1;
      if (scan.stopReason !== null) {
        if (!isLast) {
          throw new WalCorruptError(`${seg.path}: damaged record at byte ${scan.goodBytes} (${scan.stopReason}) in a sealed segment`);
        }
        if (opts.strictRecovery === true && !killCouldLeave(buf, scan.goodBytes, scan.stopReason)) {
          throw new WalCorruptError(`${seg.path}: damaged record at byte ${scan.goodBytes} (${scan.stopReason}) where no killed write ends (file of ${buf.length} bytes)`);
        }
        // Torn tail: cut it off durably, so a later append cannot land after garbage.
        const fd = openSync(seg.path, 'r+');
        try {
          ftruncateSync(fd, scan.goodBytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        truncatedBytes = buf.length - scan.goodBytes;
        truncatedReason = scan.stopReason;
      }
      for (const r of scan.records) records.push(r);
      expected = seg.firstIndex + scan.records.length;
      if (isLast) tailBytes = scan.goodBytes;
    }

    const snapIndex = snapshot?.index ?? 0;
    const firstOnDisk = segments.length > 0 ? segments[0]!.firstIndex : snapIndex + 1;
    const gap = firstOnDisk > snapIndex + 1 && records.length > 0 ? { from: snapIndex + 1, to: firstOnDisk - 1 } : null;
    const lastIndex = Math.max(snapIndex, expected >= 0 ? expected - 1 : 0);
    const replay = records.filter((r) => r.index > snapIndex);

    // Remove snapshots older than the one in use.
    for (const s of snaps) if (snapshot && s.index < snapshot.index) unlinkSync(s.path);

    const wal = new Wal(opts, { snapshot, records: replay, truncatedBytes, truncatedReason, gap }, segments, lastIndex, tailBytes);
    await wal.openTail();
    return wal;
  }

  private async openTail(): Promise<void> {
    if (this.segments.length === 0) {
      await this.newSegment(this.last + 1);
      return;
    }
    const tail = this.segments[this.segments.length - 1]!;
    this.fh = await open(tail.path, 'r+');
  }

  private async newSegment(firstIndex: number): Promise<void> {
    if (this.fh) await this.fh.close();
    const path = join(this.dir, segName(firstIndex));
    this.fh = await open(path, 'w+');
    await this.fh.sync();
    fsyncDir(this.dir);
    this.segments.push({ firstIndex, path });
    this.fileBytes = 0;
  }

  /** Index of the last record appended (synced or not); 0 when the log is empty. */
  get lastIndex(): number {
    return this.last;
  }

  /** Index of the last record known to be on disk (written and fsynced). */
  get syncedIndex(): number {
    return this.synced;
  }

  /** Number of segment files, including the one being written. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Index of the newest durable snapshot (0 when none). */
  get lastSnapshotIndex(): number {
    return this.snapshotIndex;
  }

  /**
   * Appends a record to the in-process buffer and returns its index. Nothing is durable, nor even
   * written, until {@link sync} resolves past this index.
   */
  append(data: Buffer): number {
    if (this.closed) throw new Error('append on a closed log');
    const index = this.last + 1;
    const rec = encodeRecord(index, data, this.checksums);
    this.pending.push(rec);
    this.pendingBytes += rec.length;
    this.last = index;
    return index;
  }

  /**
   * Writes every buffered record and fsyncs; resolves with the synced index. Calls made while a
   * sync is running share the next one (group commit), so many appends cost one fsync.
   */
  sync(): Promise<number> {
    if (this.closed) return Promise.reject(new Error('sync on a closed log'));
    if (!this.syncing) return this.startSync();
    if (!this.queued) {
      this.queued = this.syncing.then(() => {
        this.queued = null;
        return this.startSync();
      });
    }
    return this.queued;
  }

  private startSync(): Promise<number> {
    const p = this.doSync().finally(() => {
      if (this.syncing === p) this.syncing = null;
    });
    this.syncing = p;
    return p;
  }

  private async doSync(): Promise<number> {
    if (this.pending.length === 0) return this.synced;
    const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const upTo = this.last;
    const first = this.synced + 1;
    this.pending = [];
    this.pendingBytes = 0;
    // Roll at a batch boundary, so a batch never spans segments and the name is its first index.
    if (this.fileBytes >= this.segmentBytes) await this.newSegment(first);
    const fh = this.fh!;
    const at = this.fileBytes;
    if (this.tornWrite && batch.length > 1) {
      const cut = this.tornWrite.rng.int(0, batch.length - 1);
      await fh.truncate(at + batch.length); // the file grows (zero-filled) before its data lands
      if (cut > 0) await fh.write(batch, 0, cut, at);
      await new Promise((r) => setTimeout(r, this.tornWrite!.windowMs));
      await fh.write(batch, cut, batch.length - cut, at + cut);
    } else {
      await fh.write(batch, 0, batch.length, at);
    }
    await fh.sync();
    this.fileBytes = at + batch.length;
    this.synced = upTo;
    return upTo;
  }

  /**
   * Makes a snapshot of the state after applying records <= `index` durable: temp file, fsync,
   * rename, fsync of the directory; then deletes older snapshots. Records are not discarded here:
   * call {@link discardBefore} with this index afterwards.
   */
  async saveSnapshot(index: number, data: Buffer): Promise<void> {
    if (index > this.synced) throw new RangeError(`snapshot at ${index} is past the synced index ${this.synced}`);
    const body = Buffer.allocUnsafe(SNAP_HEADER_BYTES + data.length);
    body.writeUInt32LE(SNAP_MAGIC, 0);
    body.writeUInt32LE(data.length, 4);
    body.writeUInt32LE(index % 2 ** 32, 12);
    body.writeUInt32LE(Math.floor(index / 2 ** 32), 16);
    data.copy(body, SNAP_HEADER_BYTES);
    body.writeUInt32LE(crc32(body, 12, body.length), 8);
    const final = join(this.dir, snapName(index));
    const tmp = final + '.tmp';
    const fh = await open(tmp, 'w');
    try {
      await fh.write(body, 0, body.length, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    renameSync(tmp, final);
    fsyncDir(this.dir);
    const old = this.snapshotIndex;
    this.snapshotIndex = Math.max(this.snapshotIndex, index);
    if (old > 0 && old < index) {
      try {
        unlinkSync(join(this.dir, snapName(old)));
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * Low-Water Mark compaction: deletes every sealed segment whose records all have index <= `lwm`
   * (never the segment being written). Returns how many were deleted. Safe only when a durable
   * snapshot covers `lwm`; the log does not check, the caller's order is the pattern.
   */
  discardBefore(lwm: number): number {
    let n = 0;
    while (this.segments.length > 1 && this.segments[1]!.firstIndex - 1 <= lwm) {
      const seg = this.segments.shift()!;
      unlinkSync(seg.path);
      n++;
    }
    if (n > 0) fsyncDir(this.dir);
    return n;
  }

  /** Closes the file. Records appended but not synced are dropped (call `sync()` first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.syncing;
    } catch {
      /* closing anyway */
    }
    await this.fh?.close();
    this.fh = null;
  }
}

/**
 * Whether the damaged tail from `bad` on can be a write stopped by a kill: the file ends at a page
 * boundary, or zeros run from inside the bad record to the end of the file, as a torn write
 * leaves them (the torn-write model, possibly of an earlier run of the node, grows the file to the
 * whole batch first, so the record is not short). A cut file (a short record) or damage with
 * whole records after it is neither. One case stays ambiguous: a bit flipped in the last record
 * of a file whose last bytes are zeros.
 */
function killCouldLeave(buf: Buffer, bad: number, reason: string): boolean {
  if (buf.length % PAGE_BYTES === 0) return true;
  if (reason !== 'crc mismatch' && reason !== 'zero length') return false;
  let zeros = buf.length;
  while (zeros > bad && buf[zeros - 1] === 0) zeros--;
  if (zeros === buf.length) return false;
  return zeros <= bad + RECORD_HEADER_BYTES + buf.readUInt32LE(bad);
}

/** Reads a snapshot file; null when it is damaged or does not match its name. */
function readSnapshot(path: string, index: number): Buffer | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return null;
  }
  if (buf.length < SNAP_HEADER_BYTES || buf.readUInt32LE(0) !== SNAP_MAGIC) return null;
  const len = buf.readUInt32LE(4);
  if (buf.length !== SNAP_HEADER_BYTES + len) return null;
  if (crc32(buf, 12, buf.length) !== buf.readUInt32LE(8)) return null;
  const idx = buf.readUInt32LE(12) + buf.readUInt32LE(16) * 2 ** 32;
  if (idx !== index) return null;
  return Buffer.from(buf.subarray(SNAP_HEADER_BYTES));
}
