/**
 * The replicated log of one node behind its snapshot offset, and what of it is not durable yet
 * (etcd raft's raftLog and unstable).
 *
 * Entries compacted into the snapshot are gone: `entries[0]` is a sentinel that stands for the
 * snapshot's last entry (index 0, term 0 before the first snapshot), and `entries[i]` has index
 * `snapIndex() + i`. Every access goes through `entry`, `termAt`, `lastIndex` and `slice`, so
 * that no caller does offset arithmetic.
 *
 * Durability: `stableIndex` is the last index known to be on disk; a truncation or a new snapshot
 * is pending until `markStable` (the shell persisted a Ready).
 */
import { InvariantError } from './errors.js';
import type { Entry, Snapshot } from './types.js';

export class RaftLog {
  private entries: Entry[] = [{ index: 0, term: 0, cmd: null }];
  private snap: Snapshot | null = null;
  private stable = 0;
  private truncatedFrom: number | null = null;
  private snapshotUnsynced = false;

  /** Restores what was on disk: the newest snapshot, then the entries after it, all durable. */
  restore(snapshot: Snapshot | null, entries: readonly Entry[]): void {
    if (snapshot !== null) {
      this.snap = snapshot;
      this.entries = [{ index: snapshot.lastIncludedIndex, term: snapshot.lastIncludedTerm, cmd: null }];
    }
    for (const e of entries) {
      if (e.index !== this.lastIndex() + 1) {
        throw new InvariantError(`restored log has a gap: entry ${e.index} after ${this.lastIndex()}`);
      }
      this.entries.push(e);
    }
    this.stable = this.lastIndex();
  }

  // ---------------------------------------------------------------- reading

  /** The newest snapshot (taken here or installed from a leader), or null before the first one. */
  get snapshot(): Snapshot | null {
    return this.snap;
  }

  /** Index of the last entry the snapshot covers (the log's offset); 0 before any snapshot. */
  snapIndex(): number {
    return this.entries[0]!.index;
  }

  /** Index of the first entry still in the log (1 before any compaction). */
  firstIndex(): number {
    return this.snapIndex() + 1;
  }

  lastIndex(): number {
    return this.snapIndex() + this.entries.length - 1;
  }

  /**
   * The term of the entry at `index`: the snapshot's last term at its index, -1 when the index is
   * past the end or compacted away (so it never matches a real term).
   */
  termAt(index: number): number {
    const e = this.entries[index - this.snapIndex()];
    return e === undefined || index < this.snapIndex() ? -1 : e.term;
  }

  /** The entry at `index`, or undefined when it is past the end or in the snapshot. */
  entry(index: number): Entry | undefined {
    return index > this.snapIndex() ? this.entries[index - this.snapIndex()] : undefined;
  }

  /** Entries `from`..`to` inclusive; `from` must be after the snapshot. */
  slice(from: number, to: number): Entry[] {
    if (from <= this.snapIndex()) throw new InvariantError(`entry ${from} was compacted into the snapshot at ${this.snapIndex()}`);
    return this.entries.slice(from - this.snapIndex(), to - this.snapIndex() + 1);
  }

  /** The entries still held from `from` (inclusive) on. */
  entriesFrom(from: number): Entry[] {
    return this.entries.slice(Math.max(1, from - this.snapIndex()));
  }

  // ---------------------------------------------------------------- changing

  /** Appends an entry at `lastIndex() + 1` (the caller checked that it is its index). */
  append(e: Entry): void {
    this.entries.push(e);
  }

  /** Drops every entry from `from` on; the disk must drop them too. */
  truncate(from: number): void {
    if (from <= this.snapIndex()) throw new InvariantError(`truncation at ${from} reaches into the snapshot at ${this.snapIndex()}`);
    this.entries.length = from - this.snapIndex();
    if (this.stable >= from) this.stable = from - 1;
    this.truncatedFrom = this.truncatedFrom === null ? from : Math.min(this.truncatedFrom, from);
  }

  /**
   * Takes a leader's snapshot: the log becomes the snapshot plus the entries after it, kept only
   * when the log holds the snapshot's last entry (Raft §7, figure 13).
   */
  installSnapshot(s: Snapshot): void {
    const keep = this.termAt(s.lastIncludedIndex) === s.lastIncludedTerm ? this.entries.slice(s.lastIncludedIndex - this.snapIndex() + 1) : [];
    this.entries = [{ index: s.lastIncludedIndex, term: s.lastIncludedTerm, cmd: null }, ...keep];
    this.snap = s;
    // The image written at the next ready holds the whole log, so nothing is left to truncate.
    this.truncatedFrom = null;
    this.stable = Math.min(this.stable, this.lastIndex());
    this.snapshotUnsynced = true;
  }

  /**
   * Replaces the entries up to `index` by a snapshot of `state`, the state machine after applying
   * them. They must all be durable: the snapshot then never covers an entry that is not on disk,
   * so the shell can write it after the records it supersedes and a crash in between loses nothing.
   */
  compact(index: number, state: unknown): void {
    if (index > this.stable) throw new InvariantError(`snapshot at ${index} would cover entries not on disk (stable ${this.stable})`);
    const term = this.termAt(index);
    this.snap = { lastIncludedIndex: index, lastIncludedTerm: term, state };
    this.entries.splice(0, index - this.snapIndex() + 1, { index, term, cmd: null });
    this.snapshotUnsynced = true;
  }

  // ---------------------------------------------------------------- durability

  /** Last index known to be on disk. */
  get stableIndex(): number {
    return this.stable;
  }

  /** The lowest index truncated since the last persist, or null. */
  get truncateFrom(): number | null {
    return this.truncatedFrom;
  }

  /** Whether a snapshot was taken or installed and is not durable yet. */
  get snapshotDirty(): boolean {
    return this.snapshotUnsynced;
  }

  /** Whether anything of the log waits to be persisted. */
  hasUnstable(): boolean {
    return this.stable < this.lastIndex() || this.truncatedFrom !== null || this.snapshotUnsynced;
  }

  /** The entries not yet on disk. */
  unstableEntries(): Entry[] {
    return this.slice(Math.max(this.stable, this.snapIndex()) + 1, this.lastIndex());
  }

  /** The shell persisted everything: entries, truncation and snapshot. */
  markStable(): void {
    this.stable = this.lastIndex();
    this.truncatedFrom = null;
    this.snapshotUnsynced = false;
  }
}
