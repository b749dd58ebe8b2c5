/**
 * raftkv log compaction with real processes on loopback: with a small `snapshotEveryEntries` and
 * small WAL segments, many writes leave each node's WAL folder with a snapshot and only the
 * segments after it; a node killed with kill -9 restarts from its snapshot plus the records after
 * it; a node that was down while the others compacted catches up by InstallSnapshot. Needs the
 * build (`npm test` builds first).
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestClient, TestCluster, type TestNode } from '../../../bench/support/raftkv-cluster.js';
import { builtMain, removeTempDirs, runNodeToExit, tempDir, walFolder, writeConfig } from '../../support/systems.js';

const clusters: TestCluster[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const c of clusters.splice(0)) await c.stop();
});
afterAll(() => removeTempDirs());

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  clients.push(c);
  return c;
}

async function status(n: TestNode): Promise<Record<string, unknown>> {
  const cl = await client(n.clientPort);
  return cl.call({ type: 'admin', action: 'status' });
}

async function leaderOf(c: TestCluster, timeoutMs = 8000): Promise<TestNode> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const n of c.nodes) {
      if (n.proc !== null && (await status(n)).role === 'leader') return n;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader');
}

/** Polls `f` until it returns true or the time is up; returns its last answer. */
async function eventually(f: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The WAL folder of a node of the cluster. */
const walOf = (c: TestCluster, n: TestNode) => walFolder(join(c.dir, n.id));

const KEYS = 40;
const WRITES = 1200;
/** The value the last write gave each key. */
const lastValue = (k: number): number => WRITES - KEYS + k;

describe('raftkv log compaction (processes)', () => {
  it('compacts the WAL behind snapshots, restarts from a snapshot after kill -9, and catches a node up by InstallSnapshot', async () => {
    // Arrange: small snapshots and segments; one follower is down from the start
    const c = await TestCluster.start(3, 'correct', { snapshotEveryEntries: 100, walSegmentBytes: 8192 });
    clusters.push(c);
    const leader = await leaderOf(c);
    const down = c.nodes.find((n) => n !== leader)!;
    await c.kill(down);
    // Act: many writes through the leader, 40 at a time
    const cl = await client(leader.clientPort);
    for (let i = 0; i < WRITES; i += KEYS) {
      const batch = Array.from({ length: KEYS }, (_, k) => cl.call({ type: 'write', key: `k${k}`, value: i + k }, 10_000));
      for (const r of await Promise.all(batch)) expect(r).toMatchObject({ type: 'write_ok' });
    }
    // Assert: the leader's WAL holds a snapshot and only the segments after the Low-Water Mark
    // (the newest snapshot may still be on its way to the disk: wait for the folder to settle)
    const s = await status(leader);
    expect(s.snapshotIndex).toBeGreaterThanOrEqual(WRITES - 100);
    let wal = walOf(c, leader);
    await eventually(async () => {
      wal = walOf(c, leader);
      return wal.snaps.length === 1 && wal.segments.length <= 3;
    }, 3000);
    expect(wal.snaps).toHaveLength(1);
    expect(wal.segments[0]).toBeGreaterThan(1); // the first segments were deleted
    expect(wal.segments.length).toBeLessThanOrEqual(3);

    // Act: kill -9 the leader and start it again
    await c.kill(leader);
    await c.startNode(leader);
    // Assert: it recovered from a recent snapshot, with only the records after it to replay (a
    // snapshot still being written at the kill is lost, and the one before it serves)
    const recovered = /recovered term [1-9]\d*, vote \S+, (\d+) log entries after the snapshot at (\d+), from (\d+) records/.exec(leader.stderr);
    expect(recovered, leader.stderr.slice(-2000)).not.toBeNull();
    expect(Number(recovered![2])).toBeGreaterThanOrEqual(WRITES - 300);
    expect(Number(recovered![1])).toBeLessThan(300);
    expect(Number(recovered![3])).toBeLessThan(300);

    // Act: the node that missed everything comes back; the entries it needs were compacted away
    await c.startNode(down);
    // Assert: it installs a snapshot, persists it, and serves the latest values
    const installed = await eventually(async () => {
      const st = await status(down);
      return (st.snapshotsInstalled as number) >= 1 && (st.appliedIndex as number) >= WRITES;
    });
    expect(installed, down.stderr.slice(-2000)).toBe(true);
    // (status reports the installed snapshot at once; the file follows when its fsync is done)
    expect(await eventually(async () => walOf(c, down).snaps.length === 1, 3000)).toBe(true);
    expect(down.stderr).toMatch(/snapshot at entry [1-9]\d* installed from the leader/);
    const dc = await client(down.clientPort);
    for (const k of [0, 17, KEYS - 1]) {
      expect(await dc.call({ type: 'read', key: `k${k}` }, 5000)).toMatchObject({ type: 'read_ok', value: lastValue(k) });
    }
    // And the cluster goes on: a write after all this is read back at the caught-up node
    const nl = await leaderOf(c);
    expect(await (await client(nl.clientPort)).call({ type: 'write', key: 'after', value: 1 })).toMatchObject({ type: 'write_ok' });
    expect(await dc.call({ type: 'read', key: 'after' }, 5000)).toMatchObject({ type: 'read_ok', value: 1 });
  }, 60_000);

  it('exits 254 with one line naming a bad snapshotEveryEntries or walSegmentBytes', async () => {
    const dir = tempDir('raftkv-badsnap-');
    const base = { id: 'n1', variant: 'correct', clientPort: 0, peerPort: 0, peers: {}, dataDir: `${dir}/d` };
    for (const params of [{ snapshotEveryEntries: 0 }, { snapshotEveryEntries: 2.5 }, { walSegmentBytes: 10 }]) {
      const r = await runNodeToExit(builtMain('raftkv'), ['--config', writeConfig(dir, { ...base, params })]);
      expect(r.code).toBe(254);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`params.${Object.keys(params)[0]}`);
    }
  }, 30_000);
});
