/**
 * The Ready/Advance bookkeeping of a core whose Ready is early messages, durable messages, WAL
 * records and client replies (systems/lib/shell.ts `startBatchQueue` runs it in a process, the
 * simulator of systems/lib/sim in a test). A core extends it, fills `rd` as inputs arrive, and
 * puts its answers to itself in `selfReplies`: they are stepped in `advance()`, once the records
 * they depend on are durable, as a peer's copy of them would be.
 */

/** A batch core's Ready. */
export interface BatchCoreReady<M, P> {
  /** Messages that promise nothing about this node's disk. */
  early: M[];
  /** Messages that leave only once `persist` is durable. */
  messages: M[];
  persist: P[];
  replies: { reqId: number; body: { type: string; [field: string]: unknown } }[];
}

export abstract class BatchReadyCore<M, P> {
  protected rd: BatchCoreReady<M, P> = { early: [], messages: [], persist: [], replies: [] };
  /** Answers of this node's own acceptor or replica to itself: stepped in `advance()`. */
  protected selfReplies: M[] = [];
  private handed: M[] | null = null;

  /** Delivers one message from a peer (or from this node itself). */
  abstract step(m: M): void;

  hasReady(): boolean {
    const r = this.rd;
    return r.early.length + r.messages.length + r.persist.length + r.replies.length + this.selfReplies.length > 0;
  }

  ready(): BatchCoreReady<M, P> {
    const out = this.rd;
    this.handed = this.selfReplies;
    this.selfReplies = [];
    this.rd = { early: [], messages: [], persist: [], replies: [] };
    return out;
  }

  advance(_rd?: BatchCoreReady<M, P>): void {
    const self = this.handed ?? [];
    this.handed = null;
    for (const m of self) this.step(m);
  }
}
