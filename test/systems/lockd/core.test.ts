/** lockd's pure pieces: the state machine, lease expiry, the holder's view of its lease, the fenced resource. */
import { describe, expect, test } from 'vitest';
import { ClientLease } from '../../../systems/lockd/core/client-lease.js';
import { LeaseExpiry } from '../../../systems/lockd/core/leases.js';
import { LockdMachine } from '../../../systems/lockd/core/machine.js';
import { FencedResource } from '../../../systems/lockd/core/resource.js';
import type { LockOp } from '../../../systems/lockd/core/types.js';

let seq = 0;
const cmd = (op: LockOp) => ({ client: 'c', seq: ++seq, attempt: 1, minPending: 0, op });

describe('LockdMachine', () => {
  test('fencing tokens grow with every acquisition; a revoke frees the lock and deletes the lease keys', () => {
    const m = new LockdMachine(100);
    expect(m.apply(cmd({ f: 'grant', ttlMs: 1000, wallMs: 0 }), 1)).toMatchObject({ type: 'grant_ok', lease: 'L1' });
    expect(m.apply(cmd({ f: 'grant', ttlMs: 1000, wallMs: 0 }), 2)).toMatchObject({ lease: 'L2' });
    expect(m.apply(cmd({ f: 'acquire', lock: 'a', lease: 'L1' }), 3)).toMatchObject({ type: 'acquire_ok', token: 3 });
    expect(m.apply(cmd({ f: 'acquire', lock: 'a', lease: 'L2' }), 4)).toMatchObject({ type: 'error', code: 22 });
    m.apply(cmd({ f: 'put', key: 'k', value: 1, lease: 'L1' }), 5);
    expect(m.apply(cmd({ f: 'revoke', lease: 'L1', expired: true }), 6)).toMatchObject({ type: 'revoke_ok' });
    expect(m.read('k')).toBeNull();
    const t = m.apply(cmd({ f: 'acquire', lock: 'a', lease: 'L2' }), 7);
    expect(t).toMatchObject({ type: 'acquire_ok', token: 7 });
    expect(m.apply(cmd({ f: 'keepalive', lease: 'L1', wallMs: 0 }), 8)).toMatchObject({ type: 'error', code: 20 });
  });

  test('a retried command is applied once (Idempotent Receiver)', () => {
    const m = new LockdMachine(100);
    m.apply(cmd({ f: 'grant', ttlMs: 1000, wallMs: 0 }), 1);
    const c = cmd({ f: 'acquire', lock: 'a', lease: 'L1' });
    expect(m.apply(c, 2)).toMatchObject({ token: 2 });
    expect(m.apply(c, 3)).toMatchObject({ token: 2 });
  });

  test('a watch resumes from any held index, in order, with the previous change of each key, and errs on a compacted one', () => {
    const m = new LockdMachine(3);
    for (let i = 1; i <= 5; i++) m.apply(cmd({ f: 'put', key: `w/${i % 2}`, value: i, lease: null }), i);
    m.apply(cmd({ f: 'put', key: 'other', value: 0, lease: null }), 6);
    expect(m.watch('w/', 4, 10)).toEqual({ ok: true, upTo: 6, events: [{ index: 4, key: 'w/0', value: 4, prevIndex: 2 }, { index: 5, key: 'w/1', value: 5, prevIndex: 3 }] });
    expect(m.watch('w/', 2, 10)).toEqual({ ok: false, compactedTo: 3 });
    expect(m.watch('w/', 4, 1)).toEqual({ ok: true, upTo: 4, events: [{ index: 4, key: 'w/0', value: 4, prevIndex: 2 }] });
    // The events survive a snapshot, and so does the compaction point.
    const r = new LockdMachine(3);
    r.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(r.watch('w/', 4, 10)).toEqual(m.watch('w/', 4, 10));
    expect(r.watch('w/', 1, 10)).toEqual({ ok: false, compactedTo: 3 });
  });
});

describe('LeaseExpiry', () => {
  const table = (wallExpiryMs: number) => new Map([['L1', { ttlMs: 1000, wallExpiryMs }]]);

  test('the leader revokes on its monotonic clock, a full TTL after it started leading or the last renewal; a skewed wall clock changes nothing', () => {
    let mono = 0;
    const wall = 1e9;
    const e = new LeaseExpiry({ monoMs: () => mono, wallMs: () => wall }, false, 400);
    expect(e.due(true, table(0))).toEqual([]);
    mono = 999;
    expect(e.due(true, table(0))).toEqual([]);
    e.renewed('L1', 1000);
    mono = 1998;
    expect(e.due(true, table(0))).toEqual([]);
    mono = 1999;
    expect(e.due(true, table(0))).toEqual(['L1']);
    expect(e.due(true, table(0))).toEqual([]); // proposed once, again only after revokeRetryMs
    expect(e.due(false, table(0))).toEqual([]); // a follower revokes nothing
  });

  test('lease-expiry-wallclock revokes as soon as the wall clock passes the recorded expiry', () => {
    const e = new LeaseExpiry({ monoMs: () => 0, wallMs: () => 5000 }, true, 400);
    expect(e.due(true, table(4000))).toEqual(['L1']);
  });
});

describe('ClientLease', () => {
  test('the holder stops a margin before sent time + TTL on its monotonic clock', () => {
    let mono = 100;
    const l = new ClientLease({ monoMs: () => mono, wallMs: () => 0 }, 1000, 200, false);
    l.renewed(100);
    mono = 899;
    expect(l.valid()).toBe(true);
    mono = 900;
    expect(l.valid()).toBe(false);
  });

  test('client-trusts-ttl counts only its own timers: a pause it did not see leaves it holding', () => {
    let mono = 0;
    const l = new ClientLease({ monoMs: () => mono, wallMs: () => 0 }, 1000, 200, true);
    l.renewed(0);
    mono = 5000; // paused for 5 s; one late timer of 150 ms fires
    l.timerFired(150);
    expect(l.valid()).toBe(true);
  });
});

describe('FencedResource', () => {
  test('refuses a token older than the newest it accepted; no-fencing-token accepts it', () => {
    const r = new FencedResource(true);
    expect(r.write('a', 5, 1)).toEqual({ accepted: true, seq: 1 });
    expect(r.write('a', 4, 2)).toEqual({ accepted: false, newest: 5 });
    expect(r.write('b', 1, 3)).toMatchObject({ accepted: true });
    const broken = new FencedResource(false);
    broken.write('a', 5, 1);
    expect(broken.write('a', 4, 2)).toEqual({ accepted: true, seq: 2 });
  });
});
