/**
 * txkv's data nodes under hostile input on their real ports: malformed transactions on the client
 * port get error 12 (10 for a type txkv does not serve) or are dropped; malformed, forged and
 * unknown Two-Phase Commit messages are dropped and logged. Every node stays up and keeps running
 * transactions across partitions. Needs the build.
 */
import { describe, expect, it } from 'vitest';
import { type TestCluster, TestCluster as Cluster, TXKV_MAIN_JS } from '../../../bench/support/raftkv-cluster.js';
import { everyNodeCommits as commitsAt, expectMalformedTxnsRefused, hostileTeardown, junkPeerLines, openPeer, sendPeerLines } from '../../support/hostile.js';
import { NdjsonClient } from '../../support/systems.js';

const { clusters, closers } = hostileTeardown();
const everyNodeCommits = (c: TestCluster, tag: string): Promise<void> => commitsAt(c, tag, closers);

describe('txkv under hostile input', () => {
  it('answers malformed client requests with error 12 or drops them, and keeps serving', async () => {
    const c = await Cluster.start(3, 'correct', {}, undefined, TXKV_MAIN_JS);
    clusters.push(c);
    const cl = await NdjsonClient.connect(c.nodes[0]!.clientPort);
    closers.push(() => cl.close());
    await expectMalformedTxnsRefused(cl);
    expect(await cl.rawRequest(`{"type":"read","key":"x","msg_id":11}`, 11)).toMatchObject({ type: 'error', code: 10 });
    cl.raw('not json at all');
    cl.raw('[1,2,3]');
    await everyNodeCommits(c, 'client-');
  }, 60_000);

  it('drops malformed, forged and unknown peer messages and logs them, and keeps serving', async () => {
    const c = await Cluster.start(3, 'correct', {}, undefined, TXKV_MAIN_JS);
    clusters.push(c);
    await everyNodeCommits(c, 'before-');
    const target = c.nodes[0]!;
    const s = await openPeer(target.peerPort, closers);
    const to = target.id;
    await sendPeerLines(s, [
      `{"type":"Decide","from":"n9","to":"${to}","txn":"n2/s/1","commit":true}`,
      `{"type":"Decide","from":"n2","to":"n3","txn":"n2/s/1","commit":true}`,
      `{"type":"Prepare","from":"n2","to":"${to}","txn":"n2/s/2","mapVersion":1,"ops":[["append","\\"k\\"",1]],"idx":[0,1]}`,
      `{"type":"Prepare","from":"n2","to":"${to}","txn":"not-an-id","mapVersion":1,"ops":[["append","\\"k\\"",1]],"idx":[0]}`,
      `{"type":"Vote","from":"n2","to":"${to}","txn":"n1/s/1","yes":"maybe","why":"ok","reads":[],"mapVersion":1}`,
      `{"type":"Query","from":"n2","to":"${to}","txn":"n1/s/1","extra":1}`,
      ...junkPeerLines(to),
    ]);
    await everyNodeCommits(c, 'after-');
    expect(target.stderr).toMatch(/not a peer of this cluster/);
    expect(target.stderr).toMatch(/addressed to n3/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Prepare"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Vote"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Frobnicate"/);
  }, 60_000);
});
