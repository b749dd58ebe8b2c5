/**
 * mvcctx as real processes on loopback (peers connected directly, no proxies): a transaction over
 * keys owned by every node, taken at one node and read back at the others, and a cluster killed
 * with kill -9 and started again from its Write-Ahead Logs that still has every acknowledged
 * commit and takes new ones. Needs the build.
 */
import { describe, expect, it } from 'vitest';
import { MVCCTX_MAIN_JS, TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { hostileTeardown, trackedClient } from '../../support/hostile.js';

const { clusters, closers } = hostileTeardown();

/** Enough keys that every node of three owns some (placement is by hash). */
const KEYS = [0, 1, 2, 3, 4, 5, 6, 7];

describe('mvcctx processes', () => {
  it('commits a transaction over keys of every node at one node and reads it back at every node', async () => {
    const c = await TestCluster.start(3, 'correct', {}, undefined, MVCCTX_MAIN_JS);
    clusters.push(c);
    const first = await trackedClient(c.nodes[0]!.clientPort, closers);
    expect(await first.call({ type: 'txn', txn: KEYS.map((k) => ['append', k, 1]) })).toMatchObject({ type: 'txn_ok' });
    expect(await first.call({ type: 'txn', txn: [['r', 0, null], ['append', 0, 2], ['r', 0, null]] })).toMatchObject({ type: 'txn_ok', txn: [['r', 0, [1]], ['append', 0, 2], ['r', 0, [1, 2]]] });
    for (const n of c.nodes) {
      const cl = await trackedClient(n.clientPort, closers);
      const r = await cl.call({ type: 'txn', txn: KEYS.map((k) => ['r', k, null]) });
      expect(r).toMatchObject({ type: 'txn_ok', txn: KEYS.map((k) => ['r', k, k === 0 ? [1, 2] : [1]]) });
    }
    // Registers too: the last write wins, read at another node.
    const second = await trackedClient(c.nodes[1]!.clientPort, closers);
    expect(await second.call({ type: 'txn', txn: [['w', 'reg', 5], ['w', 'reg', 6]] })).toMatchObject({ type: 'txn_ok' });
    const third = await trackedClient(c.nodes[2]!.clientPort, closers);
    expect(await third.call({ type: 'txn', txn: [['r', 'reg', null]] })).toMatchObject({ type: 'txn_ok', txn: [['r', 'reg', 6]] });
  }, 60_000);

  it('keeps every acknowledged commit through kill -9 of every node and takes new ones after', async () => {
    const c = await TestCluster.start(3, 'correct', {}, undefined, MVCCTX_MAIN_JS);
    clusters.push(c);
    for (const [i, n] of c.nodes.entries()) {
      const cl = await trackedClient(n.clientPort, closers);
      expect(await cl.call({ type: 'txn', txn: KEYS.map((k) => ['append', k, i]) })).toMatchObject({ type: 'txn_ok' });
    }
    for (const n of c.nodes) await c.kill(n);
    for (const n of c.nodes) await c.startNode(n);
    for (const n of c.nodes) {
      expect(n.stderr).toMatch(/recovered \d+ records/);
      const cl = await trackedClient(n.clientPort, closers);
      expect(await cl.call({ type: 'txn', txn: KEYS.map((k) => ['r', k, null]) })).toMatchObject({ type: 'txn_ok', txn: KEYS.map((k) => ['r', k, [0, 1, 2]]) });
    }
    const cl = await trackedClient(c.nodes[2]!.clientPort, closers);
    expect(await cl.call({ type: 'txn', txn: [['append', 3, 9], ['r', 3, null]] })).toMatchObject({ type: 'txn_ok', txn: [['append', 3, 9], ['r', 3, [0, 1, 2, 9]]] });
  }, 60_000);
});
