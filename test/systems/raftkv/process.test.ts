/**
 * raftkv as real processes on loopback (peers connected directly, no proxies): requests at any
 * node, failover after kill -9 of the leader with no acknowledged write lost, a restarted node
 * catching up from its Write-Ahead Log and the leader, and bad configs and requests answered
 * cleanly. Needs the build (`npm test` builds first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient, TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { builtMain, runNodeToExit, tempDir, writeConfig } from '../../support/systems.js';

const clusters: TestCluster[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const c of clusters.splice(0)) await c.stop();
});

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  clients.push(c);
  return c;
}

async function leaderOf(c: TestCluster, timeoutMs = 8000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const n of c.nodes) {
      if (n.proc === null) continue;
      const cl = await client(n.clientPort);
      const s = await cl.call({ type: 'admin', action: 'status' });
      if (s.role === 'leader') return c.nodes.indexOf(n);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader');
}

describe('raftkv processes', () => {
  it('serves writes and reads at every node, survives kill -9 of the leader, and a restarted node catches up', async () => {
    // Arrange
    const c = await TestCluster.start(3);
    clusters.push(c);
    const first = await leaderOf(c);
    // Act: a write through each node
    for (const [i, n] of c.nodes.entries()) {
      const cl = await client(n.clientPort);
      expect(await cl.call({ type: 'write', key: `k${i}`, value: i * 10 })).toMatchObject({ type: 'write_ok' });
    }
    for (const n of c.nodes) {
      const cl = await client(n.clientPort);
      for (let i = 0; i < 3; i++) expect(await cl.call({ type: 'read', key: `k${i}` })).toMatchObject({ type: 'read_ok', value: i * 10 });
    }
    // Act: kill -9 the leader; a new one is elected and still has every acknowledged write
    const old = c.nodes[first]!;
    await c.kill(old);
    const second = await leaderOf(c);
    expect(second).not.toBe(first);
    const survivor = await client(c.nodes[second]!.clientPort);
    for (let i = 0; i < 3; i++) expect(await survivor.call({ type: 'read', key: `k${i}` })).toMatchObject({ value: i * 10 });
    expect(await survivor.call({ type: 'cas', key: 'k0', from: 0, to: 5 })).toMatchObject({ type: 'cas_ok' });
    // Act: restart the old leader; it replays its log and catches up
    await c.startNode(old);
    const back = await client(old.clientPort);
    let caughtUp: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) {
      caughtUp = await back.call({ type: 'read', key: 'k0' });
      if (caughtUp.value === 5) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Assert
    expect(caughtUp).toMatchObject({ type: 'read_ok', value: 5 });
    expect(old.stderr).toMatch(/recovered term [1-9]\d*, vote \S+, [1-9]\d* log entries/);
  }, 30_000);

  it('answers transactions, and bad requests with malformed-request or not-supported, and keeps serving', async () => {
    const c = await TestCluster.start(1);
    clusters.push(c);
    const cl = await client(c.nodes[0]!.clientPort);
    expect(await cl.call({ type: 'write', key: 'x' })).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'cas', key: 'x', from: 1 })).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'read', key: 'x', consistency: 'eventual' })).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'add', delta: 1 })).toMatchObject({ type: 'error', code: 10 });
    expect(await cl.call({ type: 'txn', txn: 5 })).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'txn', txn: [['inc', 'x', 1]] })).toMatchObject({ type: 'error', code: 12, text: expect.stringMatching(/micro-operation 0/) });
    expect(await cl.call({ type: 'txn', txn: [['append', 'l', 1], ['r', 'l', null]] })).toMatchObject({ type: 'txn_ok', txn: [['append', 'l', 1], ['r', 'l', [1]]] });
    cl.raw('{"type":"read","msg_id":77,');
    expect(await cl.waitFor(77)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.call({ type: 'write', key: 1, value: 'a' })).toMatchObject({ type: 'write_ok' });
    expect(await cl.call({ type: 'read', key: '1' })).toMatchObject({ value: null });
    expect(await cl.call({ type: 'read', key: 1, consistency: 'ryw', min_index: 1 })).toMatchObject({ value: 'a' });
  }, 20_000);

  it('exits 254 with one line on a bad config', async () => {
    const dir = tempDir('raftkv-badcfg-');
    const base = { id: 'n1', clientPort: 0, peerPort: 0, peers: {}, dataDir: `${dir}/d` };
    const badVariant = writeConfig(dir, { ...base, variant: 'no-such-variant', params: {} });
    const r1 = await runNodeToExit(builtMain('raftkv'), ['--config', badVariant]);
    expect(r1.code).toBe(254);
    expect(r1.stderr).toMatch(/variant/);
    const badParams = writeConfig(dir, { ...base, variant: 'correct', params: { electionTicksMin: 20, electionTicksMax: 10 } });
    const r2 = await runNodeToExit(builtMain('raftkv'), ['--config', badParams]);
    expect(r2.code).toBe(254);
    expect(r2.stderr.trim().split('\n')).toHaveLength(1);
    expect(r2.stderr).toMatch(/electionTicksMax/);
  }, 20_000);
});
