/**
 * A simulated disk: what a node wrote is kept apart from what it synced, and a crash drops every
 * write since the last sync, as the page cache does when a process dies before fsync.
 */

/** The durable state `S` of one node, and the writes not yet synced. */
export class SimDisk<S> {
  private synced: S;
  private pending: ((s: S) => S)[] = [];

  /** `clone` copies a state, so that a reader never holds a value the disk still changes. */
  constructor(
    initial: S,
    private readonly clone: (s: S) => S,
  ) {
    this.synced = clone(initial);
  }

  /** Queues a write: `change` maps the state to the state after it. It is lost unless synced. */
  write(change: (s: S) => S): void {
    this.pending.push(change);
  }

  /** How many writes a crash would lose now. */
  get unsynced(): number {
    return this.pending.length;
  }

  /** Makes every queued write durable, in the order written. */
  sync(): void {
    for (const change of this.pending) this.synced = change(this.synced);
    this.pending = [];
  }

  /** The process died: writes since the last sync are gone. */
  crash(): void {
    this.pending = [];
  }

  /** What a node finds at start: the synced state only. */
  durable(): S {
    return this.clone(this.synced);
  }
}
