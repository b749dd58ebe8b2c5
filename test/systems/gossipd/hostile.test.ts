/**
 * gossipd under hostile input on its real ports: garbage on the client port (not JSON, missing or
 * mistyped fields, a frame past the line limit, an unknown type) is answered with error 12 (10 for
 * an unknown type) or dropped, and peer messages that are malformed, of an unknown type, forged or
 * addressed to another node are dropped and logged. Every node stays up, keeps gossiping and keeps
 * serving. Needs the build.
 */
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { hostileTeardown, junkPeerLines, openPeer as openPeerSocket, sendPeerLines } from '../../support/hostile.js';
import { NdjsonClient, repoRoot } from '../../support/systems.js';

const GOSSIPD_MAIN_JS = join(repoRoot, 'dist/systems/gossipd/main.js');
const { clusters, closers } = hostileTeardown();

const openPeer = (port: number): Promise<Socket> => openPeerSocket(port, closers);

async function client(port: number): Promise<NdjsonClient> {
  const c = await NdjsonClient.connect(port);
  closers.push(() => c.close());
  return c;
}

/** Every node is up, takes a write, and the write reaches every other node by gossip. */
async function everyNodeServes(c: TestCluster, key: string): Promise<void> {
  for (const [i, n] of c.nodes.entries()) {
    expect(n.proc?.exitCode ?? null, `node ${n.id} exited:\n${n.stderr.slice(-2000)}`).toBeNull();
    const cl = await client(n.clientPort);
    expect(await cl.request({ type: 'write', key: `${key}${i}`, value: i })).toMatchObject({ type: 'write_ok', owner: n.id });
  }
  for (const n of c.nodes) {
    const cl = await client(n.clientPort);
    const deadline = Date.now() + 10_000;
    for (const [i, owner] of c.nodes.entries()) {
      let r = await cl.request({ type: 'read', key: `${key}${i}` });
      while ((r.value as Record<string, unknown>)?.[owner.id] !== i && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 100));
        r = await cl.request({ type: 'read', key: `${key}${i}` });
      }
      expect(r, `${n.id} reading ${key}${i}`).toMatchObject({ type: 'read_ok', value: { [owner.id]: i } });
    }
  }
}

describe('gossipd under hostile input', () => {
  it('answers garbage on the client port with error 12 or drops it, and keeps serving', async () => {
    // Arrange
    const c = await TestCluster.start(3, 'correct', {}, undefined, GOSSIPD_MAIN_JS);
    clusters.push(c);
    const cl = await client(c.nodes[0]!.clientPort);
    // Act, Assert
    expect(await cl.rawRequest(`{"type":"write","key":"x","value":1,"msg_id":7,}`, 7).catch(() => 'dropped')).toBeDefined();
    expect(await cl.rawRequest(`{"type":"write","key":"x","msg_id":8}`, 8)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"read","key":null,"msg_id":10}`, 10)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"write","key":"x","value":"${'v'.repeat(2_000_000)}","msg_id":11}`, 11).catch(() => 'dropped')).toBeDefined();
    expect(await cl.rawRequest(`{"type":"cas","key":"x","from":1,"to":2,"msg_id":12}`, 12)).toMatchObject({ type: 'error', code: 10 });
    expect(await cl.rawRequest(`{"type":"frobnicate","msg_id":13}`, 13)).toMatchObject({ type: 'error', code: 10 });
    cl.raw('not json at all');
    cl.raw('[1,2,3]');
    await everyNodeServes(c, 'client-');
  }, 60_000);

  it('drops malformed, unknown and forged peer messages and logs them, and keeps serving', async () => {
    // Arrange
    const c = await TestCluster.start(3, 'correct', {}, undefined, GOSSIPD_MAIN_JS);
    clusters.push(c);
    await everyNodeServes(c, 'before-');
    const target = c.nodes[0]!;
    const s = await openPeer(target.peerPort);
    const forged = [
      `{"type":"Syn","from":"n9","to":"${target.id}","digest":[]}`,
      `{"type":"Syn","from":"n2","to":"n3","digest":[]}`,
      `{"type":"Ack","from":"n2","to":"${target.id}","deltas":[{"node":"n2","gen":-1,"full":true,"entries":[]}],"want":[]}`,
      `{"type":"Ack2","from":"n2","to":"${target.id}","deltas":[{"node":"n2","gen":9,"full":true,"entries":[["k1",1,0]]}]}`,
      `{"type":"Push","from":"n2","to":"${target.id}","deltas":"lots"}`,
      `{"type":"Ack","from":"n2","to":"${target.id}","deltas":[],"want":[["n1",1]]}`,
      ...junkPeerLines(target.id),
    ];
    // Act
    await sendPeerLines(s, forged);
    // Assert
    await everyNodeServes(c, 'after-');
    expect(target.stderr).toMatch(/not a peer of this cluster/);
    expect(target.stderr).toMatch(/addressed to n3/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Frobnicate"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Ack2"/);
  }, 60_000);

  it('keeps its generation across kill -9: the restarted node comes back with the next one', async () => {
    // Arrange
    const c = await TestCluster.start(3, 'correct', {}, undefined, GOSSIPD_MAIN_JS);
    clusters.push(c);
    const n2 = c.nodes[1]!;
    const before = await (await client(n2.clientPort)).request({ type: 'state' });
    // Act
    await c.kill(n2);
    await c.startNode(n2);
    // Assert
    const after = await (await client(n2.clientPort)).request({ type: 'state' });
    expect((before.state as { gen: number }).gen).toBe(1);
    expect((after.state as { gen: number }).gen).toBe(2);
  }, 60_000);
});
