/** Request Waiting List: completion by id, timeouts, and watermark waiters. */
import { describe, expect, it } from 'vitest';
import { IndexWaiters, RequestWaitingList, WaitTimeoutError } from '../../../systems/lib/waiting-list.js';

describe('RequestWaitingList', () => {
  it('completes and fails requests by id, once', async () => {
    const l = new RequestWaitingList<number, string>();
    const a = l.add(1, 0);
    const b = l.add(2, 0);
    expect(() => l.add(1, 0)).toThrow('already waiting');
    expect(l.complete(1, 'one')).toBe(true);
    expect(l.complete(1, 'again')).toBe(false);
    expect(l.fail(2, new Error('lost leadership'))).toBe(true);
    await expect(a).resolves.toBe('one');
    await expect(b).rejects.toThrow('lost leadership');
    expect(l.size).toBe(0);
  });

  it('times out a request that gets no outcome', async () => {
    const l = new RequestWaitingList<string, number>();
    const p = l.add('x', 20);
    await expect(p).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(l.has('x')).toBe(false);
    expect(l.complete('x', 1)).toBe(false);
  });

  it('bounds the number of waiting requests, and failAll rejects every waiter', async () => {
    const l = new RequestWaitingList<number, number>(2);
    const first = l.add(1, 0);
    const second = l.add(2, 0);
    expect(() => l.add(3, 0)).toThrow('more than 2');
    l.failAll(new Error('x'));
    await expect(first).rejects.toThrow('x');
    await expect(second).rejects.toThrow('x');
  });
});

describe('IndexWaiters', () => {
  it('releases exactly the waiters at or below the watermark, in any arrival order', async () => {
    const w = new IndexWaiters();
    const done: number[] = [];
    for (const i of [5, 2, 9, 3]) void w.waitFor(i).then(() => done.push(i));
    w.advance(4);
    await new Promise((r) => setTimeout(r, 0));
    expect(done.sort()).toEqual([2, 3]);
    w.advance(3); // never goes back
    expect(w.watermark).toBe(4);
    w.advance(9);
    await new Promise((r) => setTimeout(r, 0));
    expect(done.sort((a, b) => a - b)).toEqual([2, 3, 5, 9]);
    await expect(w.waitFor(1)).resolves.toBe(9);
  });

  it('times out and fails waiters', async () => {
    const w = new IndexWaiters();
    await expect(w.waitFor(10, 20)).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(w.size).toBe(0);
    const p = w.waitFor(11);
    expect(w.failAll(new Error('truncated'))).toBe(1);
    await expect(p).rejects.toThrow('truncated');
  });
});
