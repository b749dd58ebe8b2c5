/**
 * The read paths alone (reads.ts), under a node whose role, indexes and clock the test sets:
 * which read waits for what, what it sends, and when it gives up.
 */
import { describe, expect, test } from 'vitest';
import { Lease } from '../../../../systems/raftkv/core/lease.js';
import { type ReadHost, ReadPaths } from '../../../../systems/raftkv/core/reads.js';
import type { PeerMessage, RaftParams } from '../../../../systems/raftkv/core/types.js';
import { DEFAULT_PARAMS, ERR } from '../../../../systems/raftkv/core/types.js';

/** A node reduced to what the read paths ask of it. */
class Host {
  ticks = 0;
  leader: string | null = 'n2';
  term = 3;
  commit = 5;
  applied = 5;
  noopCommitted = true;
  round = 0;
  nowMs = 0;
  readonly sent: PeerMessage[] = [];
  readonly replies: { reqId: number; body: Record<string, unknown> }[] = [];
  readonly params: RaftParams = { ...DEFAULT_PARAMS, retryTicks: 5, requestTimeoutTicks: 20 };
  readonly lease = new Lease({ monoMs: () => this.nowMs, wallMs: () => this.nowMs }, 100, false);

  view(): ReadHost {
    return {
      id: 'n1',
      variant: 'correct',
      params: this.params,
      lease: this.lease,
      ticks: () => this.ticks,
      isLeader: () => this.leader === 'n1',
      leaderId: () => this.leader,
      term: () => this.term,
      commitIndex: () => this.commit,
      appliedIndex: () => this.applied,
      committedInTerm: () => this.noopCommitted,
      round: () => this.round,
      send: (m) => {
        this.sent.push(m);
      },
      reply: (reqId, body) => {
        this.replies.push({ reqId, body });
      },
      readValue: (key) => `v(${key})`,
    };
  }
}

describe('read paths', () => {
  test('a leader without a lease serves at the commit index of the request once a quorum confirmed the next round and it is applied', () => {
    // Arrange
    const h = new Host();
    h.leader = 'n1';
    h.round = 4;
    h.applied = 4;
    const reads = new ReadPaths(h.view());
    // Act
    reads.onClientRead(1, { type: 'read', key: 'k' });
    const roundRequested = reads.takeRoundRequest();
    h.commit = 7;
    reads.roundConfirmed(4);
    h.applied = 5;
    reads.serveApplied();
    const beforeRound = h.replies.length;
    reads.roundConfirmed(5);
    reads.serveApplied();
    // Assert
    expect(roundRequested).toBe(true);
    expect(reads.takeRoundRequest()).toBe(false);
    expect(beforeRound).toBe(0);
    expect(h.replies).toEqual([{ reqId: 1, body: { type: 'read_ok', value: 'v(k)', index: 5 } }]);
  });

  test('a leader with a valid lease takes its read index at once and asks for no round', () => {
    // Arrange
    const h = new Host();
    h.leader = 'n1';
    h.lease.roundStarted(1);
    h.lease.confirm(1);
    const reads = new ReadPaths(h.view());
    // Act
    reads.onClientRead(1, { type: 'read', key: 'k' });
    reads.serveApplied();
    // Assert
    expect(reads.takeRoundRequest()).toBe(false);
    expect(h.replies.map((r) => r.body.type)).toEqual(['read_ok']);
  });

  test('reads at a new leader wait for its no-op, and fail with error 11 (a follower\'s with ok false) when leadership is lost', () => {
    // Arrange
    const h = new Host();
    h.leader = 'n1';
    h.noopCommitted = false;
    const reads = new ReadPaths(h.view());
    // Act
    reads.onClientRead(1, { type: 'read', key: 'k' });
    reads.onReadIndex({ type: 'ReadIndex', from: 'n3', to: 'n1', term: 3, ctx: 9 });
    const roundBeforeNoop = reads.takeRoundRequest();
    h.noopCommitted = true;
    reads.noopCommitted();
    const roundAfterNoop = reads.takeRoundRequest();
    reads.leadershipLost();
    reads.roundConfirmed(1);
    // Assert
    expect(roundBeforeNoop).toBe(false);
    expect(roundAfterNoop).toBe(true);
    expect(h.replies).toEqual([{ reqId: 1, body: { type: 'error', code: ERR.temporarilyUnavailable, text: 'leadership lost before the read' } }]);
    expect(h.sent).toEqual([{ type: 'ReadIndexResp', from: 'n1', to: 'n3', term: 3, ctx: 9, index: 0, ok: false }]);
  });

  test('a follower sends its queued reads in one ReadIndex, asks again under a new ctx after a refusal, and serves at the index answered', () => {
    // Arrange
    const h = new Host();
    const reads = new ReadPaths(h.view());
    // Act
    reads.onClientRead(1, { type: 'read', key: 'a' });
    reads.onClientRead(2, { type: 'read', key: 'b' });
    const queued = reads.hasQueued();
    reads.flush();
    reads.onReadIndexResp({ type: 'ReadIndexResp', from: 'n2', to: 'n1', term: 3, ctx: 1, index: 0, ok: false });
    h.ticks = 1;
    reads.tick();
    reads.flush();
    reads.onReadIndexResp({ type: 'ReadIndexResp', from: 'n2', to: 'n1', term: 3, ctx: 2, index: 6, ok: true });
    reads.serveApplied();
    const beforeApply = h.replies.length;
    h.applied = 6;
    reads.serveApplied();
    // Assert
    expect(queued).toBe(true);
    expect(h.sent).toEqual([
      { type: 'ReadIndex', from: 'n1', to: 'n2', term: 3, ctx: 1 },
      { type: 'ReadIndex', from: 'n1', to: 'n2', term: 3, ctx: 2 },
    ]);
    expect(beforeApply).toBe(0);
    expect(h.replies.map((r) => [r.reqId, r.body.index])).toEqual([[1, 6], [2, 6]]);
  });

  test('a follower read no leader answers fails with error 11, a read index not applied in time with the indefinite error 0', () => {
    // Arrange
    const h = new Host();
    h.leader = null;
    const reads = new ReadPaths(h.view());
    // Act
    reads.onClientRead(1, { type: 'read', key: 'a' });
    reads.onClientRead(2, { type: 'read', key: 'b', consistency: 'ryw', minIndex: 9 });
    reads.flush();
    h.ticks = 19;
    reads.tick();
    reads.flush(); // the node's next ready: the stalled batch goes out again, to no leader
    const early = h.replies.length;
    const waitingEarly = reads.waiting;
    h.ticks = 20;
    reads.tick();
    // Assert
    expect(h.sent).toEqual([]);
    expect(early).toBe(0);
    expect(waitingEarly).toBe(1);
    expect(reads.waiting).toBe(0);
    expect(h.replies).toEqual([
      { reqId: 2, body: { type: 'error', code: ERR.timeout, text: 'read index not applied in time' } },
      { reqId: 1, body: { type: 'error', code: ERR.temporarilyUnavailable, text: 'no read index from a leader' } },
    ]);
  });
});
