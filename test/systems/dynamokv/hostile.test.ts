/**
 * dynamokv under hostile input on its real ports: garbage on the client port (not JSON, missing
 * or mistyped fields, a frame past the line limit, an unknown type, cas, which it does not serve)
 * is answered with error 12 (10 for an unknown type) or dropped, and peer messages that are
 * malformed, of an unknown type, claiming another sender or carrying a forged copy are dropped and
 * logged. Every node stays up and keeps serving every workload. Needs the build.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMOKV_MAIN_JS, TestClient, TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { openPeer as openPeerSocket, trackedClient } from '../../support/hostile.js';
import { NdjsonClient } from '../../support/systems.js';

const clusters: TestCluster[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const c of clusters.splice(0)) await c.stop();
});

const client = (port: number): Promise<TestClient> => trackedClient(port, closers);
const openPeer = (port: number): Promise<Socket> => openPeerSocket(port, closers);

/** Every node is up, and a write, a set add and a counter add through each one are read back. */
async function everyNodeServes(c: TestCluster, key: string): Promise<void> {
  for (const [i, n] of c.nodes.entries()) {
    expect(n.proc?.exitCode ?? null, `node ${n.id} exited:\n${n.stderr.slice(-2000)}`).toBeNull();
    const cl = await client(n.clientPort);
    expect(await cl.call({ type: 'write', key: `${key}${i}`, value: i })).toMatchObject({ type: 'write_ok' });
    expect(await cl.call({ type: 'read', key: `${key}${i}` })).toMatchObject({ type: 'read_ok', value: i });
    expect(await cl.call({ type: 'set_add', key: `${key}${i}`, element: i })).toMatchObject({ type: 'set_add_ok' });
    expect(await cl.call({ type: 'set_read', key: `${key}${i}` })).toMatchObject({ type: 'set_read_ok', value: [i] });
    expect(await cl.call({ type: 'counter_add', key: `${key}${i}`, delta: -3 })).toMatchObject({ type: 'counter_add_ok' });
    expect(await cl.call({ type: 'counter_read', key: `${key}${i}` })).toMatchObject({ type: 'counter_read_ok', value: -3 });
  }
}

describe('dynamokv under hostile input', () => {
  it('answers garbage on the client port with error 12 (10 for what it does not serve) or drops it, and keeps serving', async () => {
    const c = await TestCluster.start(3, 'correct', {}, undefined, DYNAMOKV_MAIN_JS);
    clusters.push(c);
    const cl = await NdjsonClient.connect(c.nodes[0]!.clientPort);
    closers.push(() => cl.close());
    expect(await cl.rawRequest(`{"type":"write","key":"x","value":1,"msg_id":7,}`, 7).catch(() => 'dropped')).toBeDefined();
    expect(await cl.rawRequest(`{"type":"write","key":"x","msg_id":8}`, 8)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"read","key":null,"msg_id":9}`, 9)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"counter_add","key":"c","delta":1.5,"msg_id":10}`, 10)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"set_add","key":"s","msg_id":11}`, 11)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"cas","key":"x","from":1,"to":2,"msg_id":12}`, 12)).toMatchObject({ type: 'error', code: 10 });
    expect(await cl.rawRequest(`{"type":"write","key":"x","value":"${'v'.repeat(2_000_000)}","msg_id":13}`, 13).catch(() => 'dropped')).toBeDefined();
    expect(await cl.rawRequest(`{"type":"frobnicate","msg_id":14}`, 14)).toMatchObject({ type: 'error', code: 10 });
    cl.raw('not json at all');
    cl.raw('[1,2,3]');
    await everyNodeServes(c, 'client-');
  }, 60_000);

  it('drops malformed, unknown and forged peer messages and logs them, and keeps serving', async () => {
    const c = await TestCluster.start(3, 'correct', {}, undefined, DYNAMOKV_MAIN_JS);
    clusters.push(c);
    await everyNodeServes(c, 'before-');
    const target = c.nodes[0]!;
    const s = await openPeer(target.peerPort);
    const forged = [
      `{"type":"Put","from":"n9","to":"${target.id}","key":"r:\\"x\\"","rid":1,"val":{"kind":"reg","ver":{"t":99,"n":"n9"},"v":1}}`,
      `{"type":"Put","from":"n2","to":"n3","key":"r:\\"x\\"","rid":1,"val":{"kind":"reg","ver":{"t":99,"n":"n2"},"v":1}}`,
      `{"type":"Put","from":"n2","to":"${target.id}","key":"r:\\"x\\"","rid":1,"val":{"kind":"reg","ver":{"t":-1,"n":"n2"},"v":1}}`,
      `{"type":"Put","from":"n2","to":"${target.id}","key":"s:\\"x\\"","rid":1,"val":{"kind":"vv","sibs":[{"dot":["a","1"],"vv":{},"els":[]}]}}`,
      `{"type":"Put","from":"n2","to":"${target.id}","key":"s:\\"x\\"","rid":1,"val":{"kind":"nope"}}`,
      `{"type":"GetReply","from":"n2","to":"${target.id}","key":7,"rid":1,"val":null}`,
      `{"type":"Frobnicate","from":"n2","to":"${target.id}"}`,
      `{"type":"__proto__","from":"n2","to":"${target.id}"}`,
      'not json',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    ];
    for (const line of forged) s.write(`${line}\n`);
    await new Promise((r) => setTimeout(r, 500));
    await everyNodeServes(c, 'after-');
    expect(target.stderr).toMatch(/not a peer of this cluster/);
    expect(target.stderr).toMatch(/addressed to n3/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Frobnicate"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Put"/);
  }, 60_000);
});
