/**
 * raftkv under hostile input on its ports: a forged peer message must never reach the replicated
 * log, a peer connection without the cluster token is closed, and a client value nested too deep
 * or a msg_id that is not an integer is refused without harm. Every node must stay up and keep
 * serving. Needs the build (`npm test` builds first).
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient, TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { MAX_TXN_OPS, MAX_VALUE_BYTES } from '../../../workloads/wire/limits.js';
import { openPeer as openPeerSocket, trackedClient } from '../../support/hostile.js';
import { NdjsonClient } from '../../support/systems.js';

const clusters: TestCluster[] = [];

/** A one-node cluster, stopped after the test, once it leads. */
async function servingNode(): Promise<TestCluster> {
  const c = await TestCluster.start(1);
  clusters.push(c);
  await leaderOf(c);
  return c;
}
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const c of clusters.splice(0)) await c.stop();
});

const client = (port: number): Promise<TestClient> => trackedClient(port, closers);

async function leaderOf(c: TestCluster, timeoutMs = 8000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const [i, n] of c.nodes.entries()) {
      const s = await (await client(n.clientPort)).call({ type: 'admin', action: 'status' });
      if (s.role === 'leader') return i;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader');
}

const openPeer = (port: number): Promise<Socket> => openPeerSocket(port, closers);

async function everyNodeServes(c: TestCluster, key: string): Promise<void> {
  for (const [i, n] of c.nodes.entries()) {
    expect(n.proc?.exitCode ?? null, `node ${n.id} exited:\n${n.stderr.slice(-2000)}`).toBeNull();
    const cl = await client(n.clientPort);
    expect(await cl.call({ type: 'write', key: `${key}${i}`, value: i })).toMatchObject({ type: 'write_ok' });
  }
  const cl = await client(c.nodes[0]!.clientPort);
  for (let i = 0; i < c.nodes.length; i++) expect(await cl.call({ type: 'read', key: `${key}${i}` })).toMatchObject({ type: 'read_ok', value: i });
}

describe('raftkv under hostile input', () => {
  it('drops forged and malformed peer messages instead of committing them, and keeps serving', async () => {
    const c = await TestCluster.start(3);
    clusters.push(c);
    const leader = c.nodes[await leaderOf(c)]!;
    const s = await openPeer(leader.peerPort);
    const forged = [
      // A Forward whose commands are not commands: it once reached the log and killed every node applying it.
      `{"type":"Forward","from":"n9","to":"${leader.id}","term":0,"cmds":"x"}`,
      `{"type":"Forward","from":"n2","to":"${leader.id}","term":0,"cmds":[{"client":"c","seq":1,"attempt":1,"minPending":1,"op":{"f":"nope"}}]}`,
      `{"type":"Forward","from":"n2","to":"${leader.id}","term":0,"cmds":[{"client":"c","seq":1,"attempt":1,"minPending":1}]}`,
      `{"type":"AppendEntries","from":"n2","to":"${leader.id}","term":"1","prevLogIndex":0}`,
      `{"type":"InstallSnapshot","from":"n2","to":"${leader.id}","term":99,"snapshot":{"lastIncludedIndex":5},"round":1}`,
      `{"type":"RequestVote","from":"n2","to":"${leader.id}","term":1e308,"lastLogIndex":-1,"lastLogTerm":0}`,
      `{"type":"__proto__","from":"n2","to":"${leader.id}","term":0}`,
      `[1,2,3]`,
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    ];
    for (const line of forged) s.write(`${line}\n`);
    await new Promise((r) => setTimeout(r, 500));
    await everyNodeServes(c, 'after-forgery-');
    expect(leader.stderr).toMatch(/dropped a peer message of type "Forward": cmds/);
    // Restarting a node replays its log: nothing forged may be in it.
    await c.kill(leader);
    await c.startNode(leader);
    await leaderOf(c);
    await everyNodeServes(c, 'after-restart-');
  }, 60_000);

  it('closes a peer connection that does not present the cluster token first', async () => {
    const c = await TestCluster.start(3, 'correct', {}, 'token-0123456789abcdef');
    clusters.push(c);
    const i = await leaderOf(c); // the nodes themselves are admitted: a leader is elected
    const s = await openPeer(c.nodes[i]!.peerPort);
    const closed = new Promise<void>((res) => s.on('close', () => res()));
    s.write(`{"type":"RequestVote","from":"n2","to":"${c.nodes[i]!.id}","term":1000,"lastLogIndex":1000,"lastLogTerm":1000}\n`);
    await closed;
    expect(c.nodes[i]!.stderr).toMatch(/did not present the cluster token/);
    // The stranger's vote request with a far higher term was never read: the leader still leads.
    const status = await (await client(c.nodes[i]!.clientPort)).call({ type: 'admin', action: 'status' });
    expect(status).toMatchObject({ role: 'leader' });
    expect(status.term).toBeLessThan(1000);
    await everyNodeServes(c, 'token-');
  }, 60_000);

  it('refuses values nested too deep with error 12, answers no msg_id the client never sent, and keeps serving', async () => {
    const c = await servingNode();
    const cl = await NdjsonClient.connect(c.nodes[0]!.clientPort);
    closers.push(() => cl.close());
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    expect(await cl.rawRequest(`{"type":"write","key":"x","value":${deep},"msg_id":7}`, 7)).toMatchObject({ type: 'error', code: 12, in_reply_to: 7 });
    const deepTxn = `[["append","x",${'['.repeat(100)}${']'.repeat(100)}]]`;
    expect(await cl.rawRequest(`{"type":"txn","txn":${deepTxn},"msg_id":8}`, 8)).toMatchObject({ type: 'error', code: 12 });
    for (const id of ['1.5', '1e308', '-1', '9007199254740993']) cl.raw(`{"type":"write","key":"x","value":1,"msg_id":${id}}`);
    cl.raw(`{"type":"write","key":"x","value":1,"msg_id":"1"}`);
    expect(await cl.request({ type: 'write', key: 'x', value: 2 })).toMatchObject({ type: 'write_ok' });
    expect(await cl.request({ type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 2 });
    // Only the two requests with valid ids were answered (the client's own ids start at 1).
    expect(cl.stray).toEqual([]);
    await everyNodeServes(c, 'deep-');
  }, 30_000);

  it('refuses with error 12, before proposing it, a value larger than the wire limit, a null key or a transaction too long', async () => {
    const c = await servingNode();
    const cl = await client(c.nodes[0]!.clientPort);
    expect(await cl.call({ type: 'write', key: 'x', value: 1 })).toMatchObject({ type: 'write_ok' });
    expect(await cl.call({ type: 'write', key: 'x', value: 'v'.repeat(MAX_VALUE_BYTES) })).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'write', key: null, value: 2 })).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'cas', key: 'x', from: 1, to: 'v'.repeat(MAX_VALUE_BYTES) })).toMatchObject({ type: 'error', code: 12 });
    const long = Array.from({ length: MAX_TXN_OPS + 1 }, () => ['append', 'y', 1]);
    expect(await cl.call({ type: 'txn', txn: long })).toMatchObject({ type: 'error', code: 12 });
    // Nothing of them reached the log: the key keeps its value and y was never appended to.
    expect(await cl.call({ type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 1 });
    expect(await cl.call({ type: 'txn', txn: [['r', 'y', null]] })).toMatchObject({ type: 'txn_ok', txn: [['r', 'y', null]] });
    const status = await cl.call({ type: 'admin', action: 'status' });
    expect(status.lastIndex, JSON.stringify(status)).toBeLessThanOrEqual(3);
  }, 30_000);
});
