/**
 * mvcctx under hostile input on its real ports: malformed transactions on the client port get
 * error 12 (10 for a type mvcctx does not serve) or are dropped; peer messages that are
 * malformed, mistyped, too long, of an unknown type or from a stranger are dropped and logged, and
 * a forged prepare whose coordinator never ran it is aborted when the owner asks. Every node stays
 * up and keeps committing transactions. Needs the build.
 */
import { describe, expect, it } from 'vitest';
import { MVCCTX_MAIN_JS, type TestCluster, TestCluster as Cluster } from '../../../bench/support/raftkv-cluster.js';
import { MAX_TXN_OPS, MAX_VALUE_BYTES } from '../../../workloads/wire/limits.js';
import { everyNodeCommits as commitsAt, expectMalformedTxnsRefused, hostileTeardown, junkPeerLines, openPeer, sendPeerLines, trackedClient } from '../../support/hostile.js';
import { NdjsonClient } from '../../support/systems.js';

const { clusters, closers } = hostileTeardown();
const everyNodeCommits = (c: TestCluster, tag: string): Promise<void> => commitsAt(c, tag, closers);

const start = (): Promise<TestCluster> => Cluster.start(3, 'correct', {}, undefined, MVCCTX_MAIN_JS).then((c) => (clusters.push(c), c));

describe('mvcctx under hostile input', () => {
  it('answers malformed client requests with error 12 (10 for what it does not serve) or drops them, and keeps serving', async () => {
    const c = await start();
    const cl = await NdjsonClient.connect(c.nodes[0]!.clientPort);
    closers.push(() => cl.close());
    await expectMalformedTxnsRefused(cl);
    expect(await cl.rawRequest(`{"type":"txn","txn":[["append","x","${'v'.repeat(MAX_VALUE_BYTES)}"]],"msg_id":11}`, 11)).toMatchObject({ type: 'error', code: 12 });
    const long = JSON.stringify(Array.from({ length: MAX_TXN_OPS + 1 }, () => ['append', 'y', 1]));
    expect(await cl.rawRequest(`{"type":"txn","txn":${long},"msg_id":12}`, 12)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"txn","txn":[["append","x",${'['.repeat(100)}${']'.repeat(100)}]],"msg_id":13}`, 13)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"read","key":"x","msg_id":14}`, 14)).toMatchObject({ type: 'error', code: 10 });
    expect(await cl.rawRequest(`{"type":"admin","action":"clock-offset","ms":"soon","msg_id":15}`, 15)).toMatchObject({ type: 'error', code: 12 });
    // A line past the limit is dropped (the connection may go with it), not parsed.
    cl.raw(`{"type":"txn","txn":[["append","x","${'v'.repeat(2_000_000)}"]],"msg_id":16}`);
    cl.raw('not json at all');
    cl.raw('[1,2,3]');
    await everyNodeCommits(c, 'client-');
    // None of the refused writes reached the store.
    const check = await trackedClient(c.nodes[1]!.clientPort, closers);
    expect(await check.call({ type: 'txn', txn: [['r', 'x', null], ['r', 'y', null]] })).toMatchObject({ type: 'txn_ok', txn: [['r', 'x', null], ['r', 'y', null]] });
  }, 60_000);

  it('drops malformed, mistyped, oversized, unknown and forged peer messages and logs them, and keeps serving', async () => {
    const c = await start();
    await everyNodeCommits(c, 'before-');
    const target = c.nodes[0]!;
    const to = target.id;
    const s = await openPeer(target.peerPort, closers);
    const head = `"from":"n2","to":"${to}","clk":[1,0]`;
    await sendPeerLines(s, [
      `{"type":"Read","from":"n9","to":"${to}","clk":[1,0],"txn":"n9.1.1","attempt":0,"s":[1,0],"limit":[2,0],"keys":["0"]}`,
      `{"type":"Read","from":"n2","to":"n3","clk":[1,0],"txn":"n2.1.1","attempt":0,"s":[1,0],"limit":[2,0],"keys":["0"]}`,
      `{"type":"Read",${head},"txn":"n2.1.1","attempt":0,"s":"now","limit":[2,0],"keys":["0"]}`,
      `{"type":"Read",${head},"txn":"n2.1.1","attempt":-1,"s":[1,0],"limit":[2,0],"keys":["0"]}`,
      `{"type":"Read",${head},"txn":"n2.1.1","attempt":0,"s":[1,0],"limit":[2,0],"keys":${JSON.stringify(Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => String(i)))}}`,
      `{"type":"Prepare",${head},"txn":"not-an-id","s":[1,0],"proposed":null,"reads":[],"writes":[]}`,
      `{"type":"Prepare",${head},"txn":"n2.1.2","s":[1,0],"proposed":null,"reads":[],"writes":[{"key":"0","kind":"x","v":1}]}`,
      `{"type":"PrepareOk",${head},"txn":"n1.1.1","p":[1.5,0]}`,
      `{"type":"Commit",${head},"txn":"n2.1.3","c":[1e300,0]}`,
      `{"type":"Commit",${head},"txn":"n2.1.4","c":[5,0]}`,
      `{"type":"Query",${head},"txn":"n1.1.1","extra":1}`,
      `{"type":"Read",${head},"txn":"n2.1.1","attempt":0,"s":[1,0],"limit":[2,0],"keys":["${'k'.repeat(MAX_VALUE_BYTES + 10)}"]}`,
      ...junkPeerLines(to),
    ]);
    // A line longer than the transport's limit: dropped, with the connection.
    s.write(`{"type":"Read",${head},"txn":"n2.1.1","attempt":0,"s":[1,0],"limit":[2,0],"keys":["${'k'.repeat(20 << 20)}"]}\n`);
    await new Promise((r) => setTimeout(r, 500));
    await everyNodeCommits(c, 'after-');
    expect(target.stderr).toMatch(/not a peer of this cluster/);
    expect(target.stderr).toMatch(/addressed to n3/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Read"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Prepare"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "PrepareOk"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Frobnicate"/);
    expect(target.stderr).toMatch(/dropped a commit of n2\.1\.4 from n2, which n1 never prepared/);
  }, 60_000);

  it('aborts a forged prepare whose coordinator never ran it when the owner asks, so its keys are free again', async () => {
    const c = await start();
    await everyNodeCommits(c, 'before-');
    const target = c.nodes[0]!;
    const s = await openPeer(target.peerPort, closers);
    const cl = await trackedClient(target.clientPort, closers);
    // Prepares of keys the target holds intents on until it learns they never ran.
    const keys = Array.from({ length: 40 }, (_, i) => `forged-${i}`);
    const lines = keys.map((k, i) => `{"type":"Prepare","from":"n2","to":"${target.id}","clk":[1,0],"txn":"n2.99.${i + 1}","s":[1,0],"proposed":null,"reads":[],"writes":[{"key":${JSON.stringify(JSON.stringify(k))},"kind":"a","v":[7]}]}`);
    await sendPeerLines(s, lines);
    const status = await cl.call({ type: 'admin', action: 'status' });
    expect(Number(status.prepared)).toBeGreaterThan(0);
    // The owner asks n2 after queryTicks; n2 never ran them and answers with aborts.
    const deadline = Date.now() + 10_000;
    let prepared = Number(status.prepared);
    while (prepared > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      prepared = Number((await cl.call({ type: 'admin', action: 'status' })).prepared);
    }
    expect(prepared).toBe(0);
    expect(await cl.call({ type: 'txn', txn: keys.map((k) => ['r', k, null]) })).toMatchObject({ type: 'txn_ok', txn: keys.map((k) => ['r', k, null]) });
    await everyNodeCommits(c, 'after-');
  }, 60_000);
});
