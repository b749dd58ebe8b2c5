/**
 * Low-Water Mark compaction of the JSON-batch WAL (systems/lib/shell.ts, startBatchQueue's
 * compaction), with real processes: paxoskv in CAS mode and dynamokv, with a small snapshotEvery
 * and small segments. Many writes leave each node's WAL folder with one snapshot and only the
 * segments after it, and after kill -9 of every node the cluster serves the last value of every
 * key from the snapshots plus the records after them. Needs the build (`npm test` builds first).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMOKV_MAIN_JS, PAXOSKV_MAIN_JS, TestClient, TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { walFolder } from '../../support/systems.js';

const clusters: TestCluster[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const c of clusters.splice(0)) await c.stop();
});

const KEYS = 20;
const ROUNDS = 30;

/**
 * A write retried while it times out (a node just started may not reach its peers yet); the
 * value of a timed-out attempt is the one retried, so the key ends with it either way.
 */
async function writeUntilOk(cl: TestClient, key: string, value: number): Promise<Record<string, unknown>> {
  let r = await cl.call({ type: 'write', key, value }, 10_000);
  for (let attempt = 1; attempt < 5 && r.type !== 'write_ok'; attempt++) r = await cl.call({ type: 'write', key, value }, 10_000);
  return r;
}

/** Writes ROUNDS values to each of KEYS keys through node 0, each round's writes at once. */
async function writeRounds(c: TestCluster): Promise<void> {
  const cl = await TestClient.connect(c.nodes[0]!.clientPort);
  clients.push(cl);
  for (let r = 0; r < ROUNDS; r++) {
    const replies = await Promise.all(Array.from({ length: KEYS }, (_, k) => writeUntilOk(cl, `k${k}`, r * KEYS + k)));
    for (const x of replies) expect(x).toMatchObject({ type: 'write_ok' });
  }
}

describe.each([
  ['paxoskv (CAS mode)', PAXOSKV_MAIN_JS, { mode: 'cas' }],
  ['dynamokv', DYNAMOKV_MAIN_JS, {}],
])('%s WAL compaction (processes)', (_name, main, params) => {
  it('keeps one snapshot and the segments after it, and recovers every key after kill -9 of every node', async () => {
    // Arrange
    const c = await TestCluster.start(3, 'correct', { ...params, snapshotEvery: 50, walSegmentBytes: 4096 }, undefined, main);
    clusters.push(c);
    // Act
    await writeRounds(c);
    // Assert: every node compacted: a snapshot, and the first segments gone
    for (const n of c.nodes) {
      const wal = walFolder(join(c.dir, n.id));
      expect(wal.snaps, `${n.id}: ${JSON.stringify(wal)}`).toHaveLength(1);
      expect(wal.segments[0], `${n.id}: ${JSON.stringify(wal)}`).toBeGreaterThan(1);
      expect(n.stderr).toMatch(/snapshot of the durable state at WAL record \d+, \d+ segments discarded/);
    }
    // Act: kill -9 every node, start them again
    for (const n of c.nodes) await c.kill(n);
    for (const n of c.nodes) await c.startNode(n);
    // Assert: the last value of every key, through another node than the writer
    const cl = await TestClient.connect(c.nodes[1]!.clientPort);
    clients.push(cl);
    for (let k = 0; k < KEYS; k++) {
      expect(await cl.call({ type: 'read', key: `k${k}` }, 10_000)).toMatchObject({ type: 'read_ok', value: (ROUNDS - 1) * KEYS + k });
    }
  }, 60_000);
});
