/**
 * The cluster and the local launcher on a real fixture process: readiness, kill -9 and restart
 * with the same port and data dir, SIGSTOP/SIGCONT, start failures that name the node, and the
 * manifest checks.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NdjsonConnection } from '../../../harness/client/connection.js';
import { Cluster, planCluster } from '../../../harness/cluster/cluster.js';
import { NodeStartError } from '../../../harness/cluster/launcher.js';
import { LocalLauncher } from '../../../harness/cluster/local.js';
import { BUILT_SYSTEMS_DIR, findSystem, readManifest } from '../../../harness/cluster/manifest.js';
import { UsageError } from '../../../harness/cli/exit.js';
import { isAlive, requireBuild, tempDir } from '../../support/cli.js';

beforeAll(() => requireBuild());

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function request(c: Cluster, id: string, body: Record<string, unknown>, timeoutMs = 2000) {
  const { host, port } = c.clientAddress(id);
  const conn = await NdjsonConnection.connect(host, port, 1000);
  try {
    return await conn.request(body, timeoutMs);
  } finally {
    conn.close();
  }
}

async function startAtomicKv(nodes = 1): Promise<{ cluster: Cluster; runDir: string }> {
  const runDir = tempDir();
  const launcher = await LocalLauncher.create({ pidsFile: join(runDir, 'pids') });
  cleanup.push(() => launcher.close());
  const plans = await planCluster(runDir, nodes);
  const peers = Object.fromEntries(plans.map((p) => [p.id, {}]));
  const cluster = await Cluster.start({ manifest: findSystem('atomic-kv'), variant: 'correct', plans, peers, launcher });
  cleanup.unshift(() => cluster.stop());
  return { cluster, runDir };
}

describe('cluster', () => {
  it('kills with -9 and restarts a node on the same port with its data', async () => {
    const { cluster, runDir } = await startAtomicKv();
    expect((await request(cluster, 'n1', { type: 'write', key: 1, value: 4 })).kind).toBe('reply');
    await cluster.kill('n1');
    expect(cluster.state('n1')).toBe('dead');
    await expect(request(cluster, 'n1', { type: 'read', key: 1 })).rejects.toThrow(/ECONNREFUSED/);
    await cluster.restart('n1');
    expect(cluster.state('n1')).toBe('running');
    const r = await request(cluster, 'n1', { type: 'read', key: 1 });
    expect(r).toMatchObject({ kind: 'reply', body: { type: 'read_ok', value: 4 } });
    // Both processes were recorded, with the reaper.
    const ids = readFileSync(join(runDir, 'pids'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    expect(ids).toEqual(['reaper', 'n1', 'n1']);
    expect(readFileSync(join(runDir, 'nodes', 'n1.log'), 'utf8').match(/starting n1/g)).toHaveLength(2);
  });

  it('pauses a node (requests time out) and resumes it (they are answered)', async () => {
    const { cluster } = await startAtomicKv();
    cluster.pause('n1');
    expect(cluster.state('n1')).toBe('paused');
    expect((await request(cluster, 'n1', { type: 'read', key: 1 }, 300)).kind).toBe('timeout');
    cluster.resume('n1');
    expect((await request(cluster, 'n1', { type: 'read', key: 1 })).kind).toBe('reply');
  });

  it('stops every node, paused ones included', async () => {
    const { cluster, runDir } = await startAtomicKv(2);
    cluster.pause('n2');
    await cluster.stop();
    const pids = readFileSync(join(runDir, 'pids'), 'utf8').trim().split('\n').filter((l) => !l.startsWith('reaper')).map((l) => Number(l.split(' ')[1]));
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('kills and pauses what a node started through a wrapper, not only the wrapper', async () => {
    // Arrange: the node runs under `sh -c` without exec, so the shell stays its parent.
    const dir = tempDir();
    const atomic = join(BUILT_SYSTEMS_DIR, '_fixtures', 'atomic-kv', 'main.js');
    const manifestPath = join(dir, 'faultline.system.json');
    writeFileSync(
      manifestPath,
      JSON.stringify({ name: 'wrapped', variants: { correct: '' }, workloads: ['register'], start: { command: 'sh', args: ['-c', `node ${atomic} --config "$1"; true`, 'sh', '{configFile}'] } }),
    );
    const launcher = await LocalLauncher.create({});
    cleanup.push(() => launcher.close());
    const plans = await planCluster(dir, 1);
    const cluster = await Cluster.start({ manifest: readManifest(manifestPath), variant: 'correct', plans, peers: { n1: {} }, launcher });
    cleanup.unshift(() => cluster.stop());
    // Act / Assert: a paused group answers nothing; a killed one frees its port for the restart.
    cluster.pause('n1');
    expect((await request(cluster, 'n1', { type: 'read', key: 1 }, 300)).kind).toBe('timeout');
    cluster.resume('n1');
    expect((await request(cluster, 'n1', { type: 'write', key: 1, value: 2 })).kind).toBe('reply');
    await cluster.kill('n1');
    await expect(request(cluster, 'n1', { type: 'read', key: 1 })).rejects.toThrow(/ECONNREFUSED/);
    await cluster.restart('n1');
    expect(await request(cluster, 'n1', { type: 'read', key: 1 })).toMatchObject({ kind: 'reply', body: { value: 2 } });
  });

  it('ends what a node started in its process group when the node stops', async () => {
    // Arrange: atomic-kv started through a shell that leaves a helper running in the background.
    const dir = tempDir();
    const manifestPath = join(dir, 'faultline.system.json');
    const atomicKv = join(BUILT_SYSTEMS_DIR, '_fixtures', 'atomic-kv', 'main.js');
    writeFileSync(
      manifestPath,
      JSON.stringify({
        name: 'wrapped',
        variants: { correct: 'atomic-kv behind sh' },
        workloads: ['register'],
        start: { command: 'sh', args: ['-c', `sleep 300 >/dev/null 2>&1 & echo $! > {dataDir}.helper; exec node ${atomicKv} --config {configFile}`] },
      }),
    );
    const launcher = await LocalLauncher.create({});
    cleanup.push(() => launcher.close());
    const plans = await planCluster(dir, 1);
    const cluster = await Cluster.start({ manifest: readManifest(manifestPath), variant: 'correct', plans, peers: { n1: {} }, launcher });
    const helper = Number(readFileSync(`${plans[0]!.dataDir}.helper`, 'utf8'));
    cleanup.push(async () => {
      if (isAlive(helper)) process.kill(helper, 'SIGKILL');
    });
    expect(isAlive(helper)).toBe(true);
    // Act
    await cluster.stop();
    // Assert (a killed process takes a moment to go, longer on a loaded machine)
    for (let i = 0; i < 100 && isAlive(helper); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(helper)).toBe(false);
  });

  it('names the node and shows its log when it does not become ready in time', async () => {
    const dir = tempDir();
    const manifestPath = join(dir, 'faultline.system.json');
    writeFileSync(
      manifestPath,
      JSON.stringify({
        name: 'mute',
        variants: { correct: 'never ready' },
        workloads: ['register'],
        start: { command: 'node', args: ['-e', 'console.error("warming up"); setInterval(() => {}, 1000)'], readyTimeoutMs: 2000 },
      }),
    );
    const launcher = await LocalLauncher.create({});
    cleanup.push(() => launcher.close());
    const plans = await planCluster(dir, 1);
    const err = await Cluster.start({ manifest: readManifest(manifestPath), variant: 'correct', plans, peers: { n1: {} }, launcher }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStartError);
    expect((err as Error).message).toMatch(/node n1 did not print "ready" within 2000 ms/);
    expect((err as Error).message).toMatch(/warming up/);
  });

  it('rejects a bad manifest with its path and the field', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sys'));
    const p = join(dir, 'sys', 'faultline.system.json');
    writeFileSync(p, JSON.stringify({ name: 'x', variants: { correct: '' }, workloads: ['register'], start: { args: [] } }));
    expect(() => findSystem(join(dir, 'sys'))).toThrow(UsageError);
    expect(() => findSystem(join(dir, 'sys'))).toThrow(/faultline\.system\.json:1: start\.command/);
    expect(() => findSystem('no-such-system')).toThrow(/unknown system "no-such-system" \(known: .*atomic-kv/);
  });
});
