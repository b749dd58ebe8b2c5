/**
 * Scripted scenarios of the raftkv core, named after the claims of the Raft paper (like etcd's
 * raft_paper_test.go), plus the client-facing patterns and what each variant changes.
 */
import { describe, expect, test } from 'vitest';
import { RaftNode } from '../../../../systems/raftkv/core/raft.js';
import { raftkvStateMachine } from '../../../../systems/raftkv/core/machine.js';
import type { ClientReply, KvOp, KvState, PeerMessage, RaftParams, Ready, Variant } from '../../../../systems/raftkv/core/types.js';

/** A scripted cluster: messages are held until the test delivers them. */
class Net {
  readonly nodes = new Map<string, RaftNode>();
  readonly inFlight: PeerMessage[] = [];
  readonly replies = new Map<string, ClientReply[]>();
  readonly readies: { id: string; rd: Ready }[] = [];
  nowMs = 0;
  skewMs = new Map<string, number>();
  dropped = new Set<string>();
  /** Directed links that lose every message: `from>to`. */
  cut = new Set<string>();

  constructor(n: number, variant: Variant = 'correct', extra: Partial<RaftParams> = {}) {
    const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    for (const id of ids) {
      let x = id.charCodeAt(1);
      this.nodes.set(
        id,
        new RaftNode({
          id,
          peers: ids.filter((p) => p !== id),
          variant,
          params: { electionTicksMin: 10, electionTicksMax: 20, heartbeatTicks: 1, tickMs: 10, retryTicks: 5, requestTimeoutTicks: 50, ...extra },
          clock: { monoMs: () => this.nowMs, wallMs: () => this.nowMs + (this.skewMs.get(id) ?? 0) },
          rng: { int: (lo, hi) => lo + ((x = (x * 1103515245 + 12345) % 2147483648) % (hi - lo + 1)) },
          sessionId: `${id}#1`,
          ...raftkvStateMachine(variant),
        }),
      );
      this.replies.set(id, []);
    }
  }

  node(id: string): RaftNode {
    return this.nodes.get(id)!;
  }

  /** Runs the Ready loop of every node, collecting messages and replies. */
  flush(): void {
    for (const [id, n] of this.nodes) {
      while (n.hasReady()) {
        const rd = n.ready();
        this.readies.push({ id, rd });
        for (const m of [...rd.early, ...rd.messages]) if (!this.dropped.has(m.to) && !this.dropped.has(m.from) && !this.cut.has(`${m.from}>${m.to}`)) this.inFlight.push(m);
        this.replies.get(id)!.push(...rd.replies);
        n.advance();
      }
    }
  }

  /** Delivers messages until none are left (or `limit` rounds). */
  stabilize(limit = 50): void {
    this.flush();
    for (let i = 0; i < limit && this.inFlight.length > 0; i++) {
      const batch = this.inFlight.splice(0);
      for (const m of batch) this.nodes.get(m.to)?.step(m);
      this.flush();
    }
  }

  /** Ticks `id` until it campaigns (its election timeout). */
  campaign(id: string): void {
    const n = this.node(id);
    for (let i = 0; i < 100 && n.currentRole === 'follower'; i++) {
      n.tick();
      this.nowMs += 10;
    }
    this.flush();
  }

  tickAll(times: number): void {
    for (let i = 0; i < times; i++) {
      this.nowMs += 10;
      for (const n of this.nodes.values()) n.tick();
      this.stabilize();
    }
  }

  elect(id: string): void {
    this.campaign(id);
    this.stabilize();
    expect(this.node(id).currentRole).toBe('leader');
  }

  lastReply(id: string): ClientReply | undefined {
    const r = this.replies.get(id)!;
    return r[r.length - 1];
  }
}

describe('raft paper: leader election (§5.2)', () => {
  test('a follower that hears nothing for an election timeout becomes a candidate of the next term and asks for votes', () => {
    // Arrange: the paper's election, without Pre-Vote
    const net = new Net(3, 'correct', { preVote: false });
    // Act
    net.campaign('n1');
    // Assert
    const n1 = net.node('n1');
    expect(n1.currentRole).toBe('candidate');
    expect(n1.currentTerm).toBe(1);
    const votes = net.inFlight.filter((m) => m.type === 'RequestVote');
    expect(votes.map((m) => m.to).sort()).toEqual(['n2', 'n3']);
  });

  test('Pre-Vote: a follower asks for pre-votes at term + 1 without raising its term, and campaigns once a majority would vote', () => {
    const net = new Net(3);
    net.campaign('n1');
    const n1 = net.node('n1');
    expect(n1.currentRole).toBe('pre-candidate');
    expect(n1.currentTerm).toBe(0);
    expect(net.inFlight.filter((m) => m.type === 'RequestVote').map((m) => [m.to, m.term, m.type === 'RequestVote' && m.pre])).toEqual([
      ['n2', 1, true],
      ['n3', 1, true],
    ]);
    // Nothing is persisted for a pre-vote, by the asker or by those who answer it.
    net.stabilize(1);
    expect(net.readies.filter((r) => r.rd.persist.hardState !== null)).toEqual([]);
    expect(net.node('n2').currentTerm).toBe(0);
    net.stabilize();
    expect(n1.currentRole).toBe('leader');
    expect(n1.currentTerm).toBe(1);
  });

  test('Pre-Vote: a node cut off from the leader alone never raises its term, so the leader a majority follows stays', () => {
    const run = (preVote: boolean): { leader: string | null; term: number; n3Term: number } => {
      const net = new Net(3, 'correct', { preVote });
      net.elect('n1');
      // n3 loses n1 (both ways) but still talks with n2, which still hears n1.
      net.cut.add('n1>n3');
      net.cut.add('n3>n1');
      net.tickAll(60);
      const n3Term = net.node('n3').currentTerm;
      net.cut.clear();
      net.tickAll(30);
      return { leader: net.node('n2').status().leader, term: net.node('n1').currentTerm, n3Term };
    };
    expect(run(true)).toEqual({ leader: 'n1', term: 1, n3Term: 1 });
    // Without Pre-Vote n3 campaigns in term after term, and its higher term deposes n1 on return.
    const without = run(false);
    expect(without.n3Term).toBeGreaterThan(2);
    expect(without.term).toBeGreaterThan(1);
  });

  test('a candidate with votes from a majority becomes leader and appends a no-op of its term', () => {
    const net = new Net(3);
    net.elect('n1');
    const n1 = net.node('n1');
    expect(n1.entryAt(1)).toEqual({ index: 1, term: 1, cmd: null });
    expect(net.node('n2').status().leader).toBe('n1');
    expect(n1.committed).toBe(1);
  });

  test('a vote is persisted before the vote response leaves the node', () => {
    const net = new Net(3, 'correct', { preVote: false });
    net.campaign('n1');
    net.stabilize(1);
    const granted = net.readies.find((r) => r.id === 'n2' && r.rd.messages.some((m) => m.type === 'RequestVoteResp'));
    expect(granted?.rd.persist.hardState).toEqual({ term: 1, votedFor: 'n1' });
  });

  test('only what promises nothing about the disk may leave before the persist: appends early, acks after', () => {
    const net = new Net(3);
    net.elect('n1');
    net.node('n1').request(1, { type: 'write', key: 'x', value: 1 });
    const leaderRd = net.node('n1').ready();
    expect(leaderRd.persist.entries).toHaveLength(1);
    expect(leaderRd.early.map((m) => m.type)).toEqual(['AppendEntries', 'AppendEntries']);
    expect(leaderRd.messages).toEqual([]);
    net.node('n1').advance();
    const n2 = net.node('n2');
    n2.step(leaderRd.early.find((m) => m.to === 'n2')!);
    const followerRd = n2.ready();
    expect(followerRd.persist.entries).toHaveLength(1);
    expect(followerRd.early).toEqual([]);
    expect(followerRd.messages.map((m) => m.type)).toEqual(['AppendEntriesResp']);
  });

  test('a node grants at most one vote per term', () => {
    const net = new Net(3);
    const n3 = net.node('n3');
    for (let i = 0; i < 30; i++) n3.tick(); // out of the start-up lease
    n3.step({ type: 'RequestVote', from: 'n1', to: 'n3', term: 5, lastLogIndex: 0, lastLogTerm: 0 });
    n3.step({ type: 'RequestVote', from: 'n2', to: 'n3', term: 5, lastLogIndex: 0, lastLogTerm: 0 });
    const rd = n3.ready();
    const resps = rd.messages.filter((m) => m.type === 'RequestVoteResp');
    expect(resps.map((m) => [m.to, m.type === 'RequestVoteResp' && m.granted])).toEqual([
      ['n1', true],
      ['n2', false],
    ]);
  });

  test('while a follower hears from its leader it ignores votes of a higher term (leader stickiness)', () => {
    const net = new Net(3);
    net.elect('n1');
    const n2 = net.node('n2');
    n2.step({ type: 'RequestVote', from: 'n3', to: 'n2', term: 9, lastLogIndex: 99, lastLogTerm: 9 });
    expect(n2.currentTerm).toBe(1);
    expect(n2.hasReady()).toBe(false);
  });
});

describe('raft paper: log replication (§5.3) and safety (§5.4)', () => {
  test('a leader commits an entry once a majority stores it, and a write is acknowledged only then', () => {
    const net = new Net(3);
    net.elect('n1');
    net.dropped.add('n2');
    net.dropped.add('n3');
    net.node('n1').request(1, { type: 'write', key: 'x', value: 1 });
    net.stabilize();
    expect(net.node('n1').committed).toBe(1);
    expect(net.replies.get('n1')).toEqual([]);
    net.dropped.delete('n2');
    net.tickAll(8); // past the retry interval: the lost append is sent again
    expect(net.node('n2').committed).toBeGreaterThanOrEqual(2);
    expect(net.lastReply('n1')).toEqual({ reqId: 1, body: { type: 'write_ok', index: 2 } });
  });

  test('commit-before-quorum: the leader acknowledges a write no follower has', () => {
    const net = new Net(3, 'commit-before-quorum');
    net.elect('n1');
    net.dropped.add('n2');
    net.dropped.add('n3');
    net.node('n1').request(1, { type: 'write', key: 'x', value: 1 });
    net.stabilize();
    expect(net.lastReply('n1')?.body.type).toBe('write_ok');
    expect(net.node('n2').lastIndex()).toBe(1);
  });

  test('a follower rejects AppendEntries whose previous entry it does not have', () => {
    const net = new Net(3);
    const n2 = net.node('n2');
    n2.step({ type: 'AppendEntries', from: 'n1', to: 'n2', term: 1, prevLogIndex: 5, prevLogTerm: 1, entries: [], leaderCommit: 0, round: 1 });
    const resp = n2.ready().messages[0];
    expect(resp).toMatchObject({ type: 'AppendEntriesResp', success: false, matchIndex: 0 });
  });

  test('a follower deletes a conflicting suffix and takes the leader entries (and persists the truncation)', () => {
    const net = new Net(3);
    const n2 = net.node('n2');
    const e = (index: number, term: number) => ({ index, term, cmd: null });
    n2.step({ type: 'AppendEntries', from: 'n1', to: 'n2', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [e(1, 1), e(2, 1), e(3, 1)], leaderCommit: 1, round: 1 });
    n2.ready();
    n2.advance();
    n2.step({ type: 'AppendEntries', from: 'n3', to: 'n2', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [e(2, 2)], leaderCommit: 1, round: 1 });
    const rd = n2.ready();
    expect(rd.persist.truncateFrom).toBe(2);
    expect(rd.persist.entries).toEqual([e(2, 2)]);
    expect(n2.lastIndex()).toBe(2);
  });

  test('a follower rejects AppendEntries of an older term, telling the sender the newer term', () => {
    const net = new Net(3);
    net.elect('n1');
    const n2 = net.node('n2');
    n2.step({ type: 'AppendEntries', from: 'n3', to: 'n2', term: 0, prevLogIndex: 0, prevLogTerm: 0, entries: [{ index: 1, term: 0, cmd: null }], leaderCommit: 0, round: 1 });
    const rd = n2.ready();
    expect(rd.messages[0]).toMatchObject({ type: 'AppendEntriesResp', success: false, term: 1 });
    expect(n2.entryAt(1)?.term).toBe(1);
  });

  test('no-generation-check: a follower takes entries from a leader of an older term', () => {
    const net = new Net(3, 'no-generation-check');
    net.elect('n1');
    const n2 = net.node('n2');
    n2.step({ type: 'AppendEntries', from: 'n3', to: 'n2', term: 0, prevLogIndex: 0, prevLogTerm: 0, entries: [{ index: 1, term: 0, cmd: null }], leaderCommit: 0, round: 1 });
    const rd = n2.ready();
    expect(rd.messages[0]).toMatchObject({ type: 'AppendEntriesResp', success: true });
    expect(n2.entryAt(1)?.term).toBe(0);
  });

  test('a candidate whose log is behind is not elected (election restriction, §5.4.1)', () => {
    const net = new Net(3);
    net.elect('n1');
    net.node('n1').request(1, { type: 'write', key: 'x', value: 1 });
    net.dropped.add('n3');
    net.stabilize();
    net.dropped.delete('n3');
    // n3 missed the write; its log is shorter than n2's.
    const n2 = net.node('n2');
    for (let i = 0; i < 30; i++) n2.tick();
    n2.ready();
    n2.advance();
    n2.step({ type: 'RequestVote', from: 'n3', to: 'n2', term: 7, lastLogIndex: 1, lastLogTerm: 1 });
    const resp = n2.ready().messages.find((m) => m.type === 'RequestVoteResp');
    expect(resp).toMatchObject({ granted: false, term: 7 });
  });
});

describe('client patterns', () => {
  test('a follower forwards a write to the leader and answers once it has applied it', () => {
    const net = new Net(3);
    net.elect('n1');
    net.node('n2').request(7, { type: 'write', key: 'x', value: 42 });
    net.stabilize();
    expect(net.replies.get('n2')!.map((r) => r.body.type)).toEqual(['write_ok']);
    net.node('n3').request(8, { type: 'read', key: 'x' });
    net.stabilize();
    expect(net.lastReply('n3')?.body).toMatchObject({ type: 'read_ok', value: 42 });
  });

  test('cas fails with 22 when the value differs and 20 when the key is absent', () => {
    const net = new Net(3);
    net.elect('n1');
    const n1 = net.node('n1');
    n1.request(1, { type: 'cas', key: 'x', from: 1, to: 2 });
    net.stabilize();
    n1.request(2, { type: 'write', key: 'x', value: 1 });
    net.stabilize();
    n1.request(3, { type: 'cas', key: 'x', from: 5, to: 2 });
    net.stabilize();
    n1.request(4, { type: 'cas', key: 'x', from: 1, to: 2 });
    net.stabilize();
    expect(net.replies.get('n1')!.map((r) => [r.reqId, r.body.type, r.body.code])).toEqual([
      [1, 'error', 20],
      [2, 'write_ok', undefined],
      [3, 'error', 22],
      [4, 'cas_ok', undefined],
    ]);
  });

  test('idempotent receiver: a command retried after its first copy committed is applied once', () => {
    const run = (variant: Variant): unknown => {
      const net = new Net(3, variant);
      net.elect('n1');
      net.node('n2').request(1, { type: 'write', key: 'x', value: 'a' });
      // The forward and its retry both reach the leader before anything commits.
      net.flush();
      const forward = net.inFlight.find((m) => m.type === 'Forward')!;
      net.inFlight.push({ ...forward });
      net.stabilize();
      net.node('n1').request(2, { type: 'write', key: 'x', value: 'b' });
      net.stabilize();
      // A third copy arrives late, after a later write.
      net.node('n1').step(forward);
      net.stabilize();
      net.node('n1').request(3, { type: 'read', key: 'x' });
      net.stabilize();
      return net.lastReply('n1')?.body.value;
    };
    expect(run('correct')).toBe('b');
    expect(run('no-idempotent-receiver')).toBe('a');
  });

  test('a transaction is one log entry: its reads see the state at its place in the log', () => {
    const net = new Net(3);
    net.elect('n1');
    net.node('n2').request(1, { type: 'txn', ops: [['append', 'x', 1], ['r', 'x', null], ['w', 'y', 'a']] });
    net.stabilize();
    net.node('n3').request(2, { type: 'txn', ops: [['r', 'x', null], ['append', 'x', 2], ['r', 'x', null], ['r', 'y', null], ['r', 'z', null]] });
    net.stabilize();
    expect(net.lastReply('n2')?.body).toMatchObject({ type: 'txn_ok', txn: [['append', 'x', 1], ['r', 'x', [1]], ['w', 'y', 'a']] });
    expect(net.lastReply('n3')?.body).toMatchObject({
      type: 'txn_ok',
      txn: [['r', 'x', [1]], ['append', 'x', 2], ['r', 'x', [1, 2]], ['r', 'y', 'a'], ['r', 'z', null]],
    });
    // Every node applies the same entries, so the state is the same everywhere.
    net.tickAll(3);
    for (const id of ['n1', 'n2', 'n3']) {
      net.node(id).request(9, { type: 'txn', ops: [['r', 'x', null]] });
      net.stabilize();
      expect(net.lastReply(id)?.body).toMatchObject({ txn: [['r', 'x', [1, 2]]] });
    }
  });

  test('idempotent receiver: a retried append is applied once; without it the list holds it twice', () => {
    const run = (variant: Variant): unknown => {
      const net = new Net(3, variant);
      net.elect('n1');
      net.node('n2').request(1, { type: 'txn', ops: [['append', 'x', 7]] });
      net.flush();
      const forward = net.inFlight.find((m) => m.type === 'Forward')!;
      net.inFlight.push({ ...forward });
      net.stabilize();
      net.node('n1').request(2, { type: 'txn', ops: [['r', 'x', null]] });
      net.stabilize();
      return (net.lastReply('n1')?.body.txn as unknown[][])[0]![2];
    };
    expect(run('correct')).toEqual([7]);
    expect(run('no-idempotent-receiver')).toEqual([7, 7]);
  });

  test('a leader with a valid lease reads locally; without one it confirms leadership with a quorum round', () => {
    const net = new Net(3);
    net.elect('n1');
    net.tickAll(2);
    const n1 = net.node('n1');
    n1.request(1, { type: 'read', key: 'x' });
    net.flush();
    expect(net.lastReply('n1')?.body).toMatchObject({ type: 'read_ok', value: null });
    net.nowMs += 10_000; // lease long gone, no ticks
    n1.request(2, { type: 'read', key: 'x' });
    net.flush();
    expect(net.lastReply('n1')?.reqId).toBe(1);
    net.stabilize();
    expect(net.lastReply('n1')?.reqId).toBe(2);
  });

  test('lease-wallclock: a leader whose wall clock is set back keeps serving from an expired lease', () => {
    const run = (variant: Variant): string | undefined => {
      const net = new Net(3, variant);
      net.elect('n1');
      net.tickAll(2);
      net.skewMs.set('n1', -60_000);
      net.nowMs += 10_000;
      net.dropped.add('n2');
      net.dropped.add('n3');
      net.node('n1').request(1, { type: 'read', key: 'x' });
      net.stabilize();
      return net.lastReply('n1')?.body.type;
    };
    expect(run('correct')).toBeUndefined();
    expect(run('lease-wallclock')).toBe('read_ok');
  });

  test('a follower read asks the leader for a read index; follower-reads-stale answers from local state', () => {
    const reads = (variant: Variant): string[] => {
      const net = new Net(3, variant);
      net.elect('n1');
      net.node('n3').request(1, { type: 'read', key: 'x' });
      net.flush();
      return net.inFlight.filter((m) => m.from === 'n3').map((m) => m.type);
    };
    expect(reads('correct')).toEqual(['ReadIndex']);
    expect(reads('follower-reads-stale')).toEqual([]);
  });

  test('a leader cut off from its majority steps down (check quorum); leader-local-reads stays leader', () => {
    const run = (variant: Variant): string => {
      const net = new Net(3, variant);
      net.elect('n1');
      net.dropped.add('n2');
      net.dropped.add('n3');
      net.tickAll(25);
      return net.node('n1').currentRole;
    };
    expect(run('correct')).toBe('follower');
    expect(run('leader-local-reads')).toBe('leader');
  });

  test('a waiting command times out with the indefinite error 0', () => {
    const net = new Net(3);
    net.elect('n1');
    net.dropped.add('n2');
    net.dropped.add('n3');
    net.node('n1').request(1, { type: 'write', key: 'x', value: 1 });
    net.tickAll(60);
    expect(net.replies.get('n1')!.find((r) => r.reqId === 1)?.body).toMatchObject({ type: 'error', code: 0 });
  });
});

describe('raft paper: log compaction (§7)', () => {
  const SNAP = { snapshotEveryEntries: 4 };

  /** Writes key `k<i>` = i through `via`, for i in [from, to], each committed before the next. */
  function writes(net: Net, via: string, from: number, to: number): void {
    for (let i = from; i <= to; i++) {
      net.node(via).request(100 + i, { type: 'write', key: `k${i}`, value: i });
      net.stabilize();
    }
  }

  test('a node snapshots its applied state every snapshotEveryEntries entries, drops the log prefix and persists the whole image', () => {
    // Arrange
    const net = new Net(3, 'correct', SNAP);
    net.elect('n1');
    // Act
    writes(net, 'n1', 1, 9);
    // Assert: the log starts after the snapshot; the boundary still answers
    const n1 = net.node('n1');
    const snapIndex = n1.status().snapshotIndex;
    expect(snapIndex).toBeGreaterThanOrEqual(8);
    expect(n1.firstIndex()).toBe(snapIndex + 1);
    expect(n1.entryAt(snapIndex)).toBeUndefined();
    expect(n1.lastIndex()).toBe(10); // the no-op and nine writes
    expect(n1.latestSnapshot?.lastIncludedTerm).toBe(1);
    const images = net.readies.filter((r) => r.id === 'n1' && r.rd.persist.image !== null).map((r) => r.rd.persist);
    expect(images.length).toBeGreaterThanOrEqual(2);
    const last = images[images.length - 1]!;
    expect(last.entries).toEqual([]); // the image supersedes the batch
    expect(last.image!.hardState).toEqual({ term: 1, votedFor: 'n1' });
    expect((last.image!.snapshot!.state as KvState).data).toContainEqual(['k3', 3]);
    expect(last.image!.entries.every((e) => e.index > last.image!.snapshot!.lastIncludedIndex)).toBe(true);
    // Every node took its own snapshots, of the same state at the same index when they coincide.
    for (const id of ['n2', 'n3']) expect(net.node(id).status().snapshotIndex).toBeGreaterThan(0);
    net.node('n2').request(1, { type: 'read', key: 'k9' });
    net.stabilize();
    expect(net.lastReply('n2')?.body).toMatchObject({ type: 'read_ok', value: 9 });
  });

  test('a follower that needs compacted entries is brought up by InstallSnapshot, acknowledged only after it is persisted', () => {
    // Arrange: n3 misses everything while the others compact
    const net = new Net(3, 'correct', SNAP);
    net.elect('n1');
    net.dropped.add('n3');
    writes(net, 'n1', 1, 12);
    expect(net.node('n1').firstIndex()).toBeGreaterThan(2);
    expect(net.node('n3').lastIndex()).toBe(1); // only the leader's no-op
    // Act
    net.dropped.delete('n3');
    net.tickAll(8);
    // Assert: the leader sent its snapshot (early: it promises nothing about the leader's disk)
    const sent = net.readies.filter((r) => r.id === 'n1').flatMap((r) => r.rd.early).filter((m) => m.type === 'InstallSnapshot');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.every((m) => m.to === 'n3')).toBe(true);
    // n3 persisted the snapshot in the same ready whose messages carry the answer
    const installed = net.readies.find((r) => r.id === 'n3' && r.rd.persist.image !== null)!;
    expect(installed.rd.messages.map((m) => m.type)).toContain('InstallSnapshotResp');
    expect(installed.rd.early.map((m) => m.type)).not.toContain('InstallSnapshotResp');
    const n3 = net.node('n3');
    expect(n3.status().snapshotIndex).toBeGreaterThan(0);
    expect(n3.lastIndex()).toBe(net.node('n1').lastIndex());
    expect(n3.status().appliedIndex).toBe(net.node('n1').status().appliedIndex);
    // and serves the state it got, plus later writes replicated as entries
    writes(net, 'n1', 13, 13);
    for (const k of [1, 12, 13]) {
      n3.request(k, { type: 'read', key: `k${k}`, consistency: 'ryw', minIndex: net.node('n1').committed });
      net.stabilize();
      expect(net.lastReply('n3')?.body).toMatchObject({ type: 'read_ok', value: k });
    }
  });

  test('a follower whose log holds the snapshot\'s last entry keeps the entries after it; otherwise its log is replaced', () => {
    const net = new Net(3, 'correct', { snapshotEveryEntries: 1000 });
    net.elect('n1');
    writes(net, 'n1', 1, 4); // entries 1 (no-op) .. 5 on every node
    const n2 = net.node('n2');
    const snapshot = { lastIncludedIndex: 3, lastIncludedTerm: 1, state: { data: [['k1', 1] as [string, unknown], ['k2', 2] as [string, unknown]], sessions: [] } };
    // A snapshot at or below the commit index changes nothing.
    n2.step({ type: 'InstallSnapshot', from: 'n1', to: 'n2', term: 1, snapshot, round: 0 });
    let rd = n2.ready();
    n2.advance();
    expect(rd.persist.image).toBeNull();
    expect(rd.messages).toContainEqual(expect.objectContaining({ type: 'InstallSnapshotResp', matchIndex: n2.committed }));
    // A newer one whose last entry matches: the entries after it stay.
    const fresh = new Net(3, 'correct', { snapshotEveryEntries: 1000 });
    fresh.elect('n1');
    fresh.dropped.add('n1');
    writes(fresh, 'n1', 1, 4); // n2 does not learn these are committed...
    fresh.dropped.delete('n1');
    const f2 = fresh.node('n2');
    const leaderEntries = fresh.node('n1').entriesFrom(1);
    f2.step({ type: 'AppendEntries', from: 'n1', to: 'n2', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: leaderEntries.slice(1), leaderCommit: 1, round: 0 });
    fresh.flush();
    expect(f2.lastIndex()).toBe(5);
    expect(f2.committed).toBe(1);
    f2.step({ type: 'InstallSnapshot', from: 'n1', to: 'n2', term: 1, snapshot, round: 0 });
    rd = f2.ready();
    f2.advance();
    expect(rd.persist.image?.entries.map((e) => e.index)).toEqual([4, 5]);
    expect(f2.firstIndex()).toBe(4);
    expect(f2.lastIndex()).toBe(5);
    expect(rd.messages).toContainEqual(expect.objectContaining({ type: 'InstallSnapshotResp', matchIndex: 3 }));
    // One whose last entry differs (another term): the whole log goes.
    f2.step({ type: 'InstallSnapshot', from: 'n1', to: 'n2', term: 1, snapshot: { ...snapshot, lastIncludedIndex: 5, lastIncludedTerm: 7 }, round: 0 });
    rd = f2.ready();
    f2.advance();
    expect(rd.persist.image?.entries).toEqual([]);
    expect(f2.lastIndex()).toBe(5);
    expect(f2.entryAt(5)).toBeUndefined();
  });

  test('an InstallSnapshot of an older term is refused with the newer term; no-generation-check takes it', () => {
    const run = (variant: Variant): { resp: PeerMessage | undefined; image: boolean; applied: number } => {
      const net = new Net(3, variant, SNAP);
      net.elect('n1');
      net.campaign('n2'); // n2 moves to term 2
      const n3 = net.node('n3');
      n3.step({ type: 'AppendEntries', from: 'n2', to: 'n3', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, round: 0 });
      net.flush();
      expect(n3.currentTerm).toBe(2);
      const snapshot = { lastIncludedIndex: 9, lastIncludedTerm: 1, state: { data: [['x', 1] as [string, unknown]], sessions: [] } };
      n3.step({ type: 'InstallSnapshot', from: 'n1', to: 'n3', term: 1, snapshot, round: 0 });
      const rd = n3.ready();
      n3.advance();
      return { resp: rd.messages.find((m) => m.type === 'InstallSnapshotResp'), image: rd.persist.image !== null, applied: n3.status().appliedIndex };
    };
    const correct = run('correct');
    expect(correct.resp).toMatchObject({ term: 2, matchIndex: 0 });
    expect(correct.image).toBe(false);
    expect(correct.applied).toBe(1);
    const broken = run('no-generation-check');
    expect(broken.image).toBe(true);
    expect(broken.applied).toBe(9);
  });

  test('idempotent receiver across a snapshot: a follower that installed the snapshot applies a late retry once, as the leader does', () => {
    const run = (variant: Variant): unknown => {
      const net = new Net(3, variant, SNAP);
      net.elect('n1');
      net.dropped.add('n3');
      net.node('n2').request(1, { type: 'write', key: 'x', value: 'a' });
      net.flush();
      const forward = net.inFlight.find((m) => m.type === 'Forward')!;
      net.stabilize();
      net.node('n1').request(2, { type: 'write', key: 'x', value: 'b' });
      net.stabilize();
      writes(net, 'n1', 1, 8); // n1 and n2 compact past both writes
      // n3 comes back and installs the snapshot: its session table is the snapshot's
      net.dropped.delete('n3');
      net.tickAll(8);
      expect(net.node('n3').status().snapshotIndex).toBeGreaterThan(3);
      expect(net.node('n3').status().lastIndex).toBe(net.node('n1').lastIndex());
      // The late copy of the first write reaches the leader and is replicated to every node.
      net.node('n1').step(forward);
      net.stabilize();
      net.node('n3').request(3, { type: 'read', key: 'x', consistency: 'ryw', minIndex: net.node('n1').committed });
      net.stabilize();
      return net.lastReply('n3')?.body.value;
    };
    expect(run('correct')).toBe('b');
    expect(run('no-idempotent-receiver')).toBe('a');
  });

  test('a node restarted from a snapshot and the entries after it has the state, the log and the sessions it had', () => {
    // Arrange: a single node (it commits alone) compacts, then restarts from what it persisted
    const mk = (sessionId: string, restore?: ConstructorParameters<typeof RaftNode>[0]['restore']): RaftNode => {
      let x = 7;
      return new RaftNode({
        id: 'n1', peers: [], params: { electionTicksMin: 10, electionTicksMax: 20, ...SNAP },
        clock: { monoMs: () => 0, wallMs: () => 0 }, rng: { int: (lo, hi) => lo + ((x = (x * 1103515245 + 12345) % 2147483648) % (hi - lo + 1)) },
        sessionId, restore, ...raftkvStateMachine('correct'),
      });
    };
    const disk: { hardState: { term: number; votedFor: string | null }; snapshot: NonNullable<RaftNode['latestSnapshot']> | null; entries: Ready['persist']['entries'] } = {
      hardState: { term: 0, votedFor: null }, snapshot: null, entries: [],
    };
    const drive = (n: RaftNode): ClientReply[] => {
      const out: ClientReply[] = [];
      while (n.hasReady()) {
        const rd = n.ready();
        const p = rd.persist;
        if (p.image) Object.assign(disk, { hardState: p.image.hardState, snapshot: p.image.snapshot, entries: [...p.image.entries] });
        else {
          const base = disk.snapshot?.lastIncludedIndex ?? 0;
          if (p.truncateFrom !== null) disk.entries.length = p.truncateFrom - 1 - base;
          disk.entries.push(...p.entries);
          if (p.hardState) disk.hardState = p.hardState;
        }
        out.push(...rd.replies);
        n.advance();
      }
      return out;
    };
    const a = mk('n1#1');
    for (let i = 0; i < 30 && a.currentRole !== 'leader'; i++) a.tick();
    drive(a);
    for (let i = 1; i <= 11; i++) {
      a.request(i, { type: 'txn', ops: [['append', 'l', i]] });
      drive(a);
    }
    // The snapshot covers the no-op and the appends up to seq 10 at least (entry 11).
    expect(disk.snapshot?.lastIncludedIndex).toBeGreaterThanOrEqual(11);
    expect(disk.entries.length).toBeLessThan(SNAP.snapshotEveryEntries);
    // Act
    const b = mk('n1#2', { hardState: disk.hardState, snapshot: disk.snapshot, entries: disk.entries });
    // Assert
    expect(b.currentTerm).toBe(a.currentTerm);
    expect(b.lastIndex()).toBe(a.lastIndex());
    expect(b.firstIndex()).toBe(a.firstIndex());
    expect(b.status().appliedIndex).toBe(disk.snapshot!.lastIncludedIndex);
    for (let i = 0; i < 30 && b.currentRole !== 'leader'; i++) b.tick();
    drive(b);
    b.request(99, { type: 'txn', ops: [['r', 'l', null]] });
    const all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    expect(drive(b).find((r) => r.reqId === 99)?.body).toMatchObject({ txn: [['r', 'l', all]] });
    // The session table came back too: a late copy of the last append of the first incarnation
    // (say, a forward that was still on the wire) is answered from the cache, not applied again.
    const lateOp: KvOp = { f: 'txn', ops: [['append', 'l', 10]] };
    b.step({ type: 'Forward', from: 'n9', to: 'n1', term: b.currentTerm, cmds: [{ client: 'n1#1', seq: 10, attempt: 2, minPending: 10, op: lateOp }] });
    drive(b);
    b.request(100, { type: 'txn', ops: [['r', 'l', null]] });
    expect(drive(b).find((r) => r.reqId === 100)?.body).toMatchObject({ txn: [['r', 'l', all]] });
  });
});
