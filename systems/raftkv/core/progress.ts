/**
 * What a leader tracks about each follower (etcd raft's tracker): how far its log matches, what
 * to send next, what is in flight (probe, pipeline window, snapshot), which heartbeat round it
 * answered, and whether it was heard from since the last quorum check; and the two quorum
 * questions asked of them, the highest index stored on a majority and the highest round a
 * majority answered.
 */

/** One follower's replication state. */
export interface Progress {
  /** Highest index known to be replicated on the peer. */
  match: number;
  /** Next index to send. */
  next: number;
  /** In probe mode the leader sends one batch and waits for the answer (after a rejection). */
  probe: boolean;
  probeSent: boolean;
  /** Highest heartbeat round the peer answered in the current term. */
  ackRound: number;
  /** Highest commit index sent to the peer (it applies only what it was told is committed). */
  sentCommit: number;
  /** Tick at which `match` last advanced (or replication restarted), to detect lost appends. */
  progressTick: number;
  /** Index of the snapshot sent to the peer and not yet acknowledged (0 when none). */
  snapshotIndex: number;
  /** Tick at which that snapshot was sent (it is sent again after `retryTicks`). */
  snapshotTick: number;
}

/** The progress of every follower of a leader. */
export class ProgressTracker {
  private readonly prs = new Map<string, Progress>();
  /** Followers heard from since the last quorum check. */
  private readonly active = new Set<string>();

  /** `quorum` counts the leader itself. */
  constructor(readonly quorum: number) {}

  /** A new leader's view: every follower is probed from `next`, nothing is known to match. */
  reset(peers: readonly string[], next: number, tick: number): void {
    this.prs.clear();
    for (const p of peers) {
      this.prs.set(p, {
        match: 0, next, probe: true, probeSent: false, ackRound: 0, sentCommit: 0,
        progressTick: tick, snapshotIndex: 0, snapshotTick: 0,
      });
    }
    this.active.clear();
  }

  /** No longer a leader: nothing is tracked. */
  clear(): void {
    this.prs.clear();
    this.active.clear();
  }

  get(peer: string): Progress | undefined {
    return this.prs.get(peer);
  }

  values(): IterableIterator<Progress> {
    return this.prs.values();
  }

  markActive(peer: string): void {
    this.active.add(peer);
  }

  /**
   * Check Quorum: whether a majority, `self` included, was heard from since the last check; the
   * next check counts afresh.
   */
  checkQuorumActive(self: string): boolean {
    this.active.add(self);
    const ok = this.active.size >= this.quorum;
    this.active.clear();
    return ok;
  }

  /** The highest index stored on a majority, given the leader's own durable index. */
  quorumMatch(selfMatch: number): number {
    return this.quorumOf(selfMatch, (pr) => pr.match);
  }

  /** The highest heartbeat round a majority answered, given the leader's own current round. */
  quorumAckRound(selfRound: number): number {
    return this.quorumOf(selfRound, (pr) => pr.ackRound);
  }

  private quorumOf(self: number, of: (pr: Progress) => number): number {
    const xs = [self];
    for (const pr of this.prs.values()) xs.push(of(pr));
    xs.sort((a, b) => b - a);
    return xs[this.quorum - 1] ?? 0;
  }
}
