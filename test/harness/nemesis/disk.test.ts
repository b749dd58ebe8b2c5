/**
 * The `disk` fault package on real nodes: walkv and raftkv killed, one file of theirs cut or
 * bit-flipped, restarted; what they claim in their manifests (`"disk": "detects"`) against what
 * they do, walkv's `no-crc` variant caught starting from a flipped bit, the verdict rule, and a
 * system without a claim left out with its reason.
 */
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import type { Anomaly, CheckerResult } from '../../../workloads/types.js';
import { NdjsonConnection } from '../../../harness/client/connection.js';
import { Cluster, planCluster } from '../../../harness/cluster/cluster.js';
import { LocalLauncher } from '../../../harness/cluster/local.js';
import { findSystem } from '../../../harness/cluster/manifest.js';
import { disk, EXIT_DISK_DAMAGED, holdToDiskClaim, recordedDiskClaim, type DiskSpec } from '../../../harness/nemesis/faults/disk.js';
import { describeFault, drawFault, planNemesis, unusableFaults } from '../../../harness/nemesis/schedule.js';
import { MutableRng } from '../../../harness/random.js';
import { EXIT_DISK_DAMAGED as NODE_EXIT_DISK_DAMAGED } from '../../../systems/lib/node.js';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';

beforeAll(() => requireBuild());

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function request(c: Cluster, body: Record<string, unknown>) {
  const { host, port } = c.clientAddress('n1');
  const conn = await NdjsonConnection.connect(host, port, 2000);
  try {
    return await conn.request(body, 5000);
  } finally {
    conn.close();
  }
}

/** One node of `system`, with writes of keys 1..5 acknowledged (so synced). */
async function nodeWithWrites(system: string, variant: string): Promise<{ cluster: Cluster; dataDir: string; logFile: string }> {
  const runDir = tempDir();
  const launcher = await LocalLauncher.create({ pidsFile: join(runDir, 'pids') });
  cleanup.push(() => launcher.close());
  const plans = await planCluster(runDir, 1);
  const cluster = await Cluster.start({ manifest: findSystem(system), variant, plans, peers: { n1: {} }, launcher });
  cleanup.unshift(() => cluster.stop());
  for (let k = 1; k <= 5; k++) expect(await request(cluster, { type: 'write', key: k, value: 100 + k })).toMatchObject({ kind: 'reply' });
  return { cluster, dataDir: cluster.dataDir('n1'), logFile: plans[0]!.logFile };
}

/** The node's only (or first) log segment, relative to its data dir. */
function firstSegment(dataDir: string, sub = ''): { rel: string; size: number } {
  const rel = join(sub, 'seg-00000000000000000001.wal');
  return { rel, size: statSync(join(dataDir, rel)).size };
}

const spec = (mode: DiskSpec['mode'], amount: number, bit = 0): DiskSpec => ({ fault: 'disk', nodes: ['n1'], mode, filePick: 0, amount, bit });

/** A nemesis start event as the history records it (the spec after the start). */
const startEvent = (s: DiskSpec, index = 3): HistoryEvent => ({ index, time: 1e9, type: 'info', process: 'nemesis', f: 'start-disk', value: { ...s, description: describeFault(s) } });

const validResults = (): { valid: boolean | 'unknown'; exitCode: number; checkers: Record<string, CheckerResult>; firstAnomaly: Anomaly | null } => ({
  valid: true,
  exitCode: 0,
  checkers: { register: { valid: true } },
  firstAnomaly: null,
});

describe('disk fault: drawing and claims', () => {
  it('is unusable for a system whose manifest makes no claim, and left out of its schedule', () => {
    const fixture = findSystem('atomic-kv');
    expect(fixture.disk).toBeUndefined();
    const [u] = unusableFaults(['disk'], 1, [], fixture);
    expect(u?.reason).toContain('the manifest of atomic-kv makes no disk claim');
    expect(planNemesis({ faults: ['kill', 'disk'], intervalMs: 500, timeLimitMs: 20_000, nodes: ['n1'], seed: 1, manifest: fixture }).some((s) => s.spec.fault === 'disk')).toBe(false);
    // walkv and raftkv claim detection, so it is theirs.
    for (const name of ['walkv', 'raftkv']) {
      const m = findSystem(name);
      expect(m.disk).toBe('detects');
      expect(unusableFaults(['disk'], 3, [], m)).toEqual([]);
      expect(planNemesis({ faults: ['disk'], intervalMs: 500, timeLimitMs: 5_000, nodes: ['n1', 'n2', 'n3'], seed: 1, manifest: m }).length).toBeGreaterThan(0);
    }
    expect(EXIT_DISK_DAMAGED).toBe(NODE_EXIT_DISK_DAMAGED);
  });

  it('draws one node, a cut of 1 to 16 bytes or one bit, from the seeded stream', () => {
    const draws = (seed: number) => {
      const rng = new MutableRng(seed);
      return Array.from({ length: 300 }, () => drawFault('disk', ['n1', 'n2', 'n3'], rng) as DiskSpec);
    };
    const a = draws(4);
    expect(draws(4)).toEqual(a);
    expect(draws(5)).not.toEqual(a);
    for (const s of a) {
      expect(s.nodes).toHaveLength(1);
      expect(s.bit).toBeGreaterThanOrEqual(0);
      expect(s.bit).toBeLessThanOrEqual(7);
      if (s.mode === 'truncate') {
        expect(s.amount).toBeGreaterThanOrEqual(1);
        expect(s.amount).toBeLessThanOrEqual(16);
      }
    }
    expect(new Set(a.map((s) => s.mode))).toEqual(new Set(['truncate', 'bitflip']));
    expect(a.some((s) => s.target === 'leader')).toBe(true);
  });

  it('holds the verdict to the claim: detection refused, silent starts and other exits invalid', () => {
    const refused: DiskSpec = { ...spec('bitflip', 40, 2), damage: { file: 'seg.wal', size: 200, offset: 40, bit: 2 }, outcome: { started: false, exitCode: 3 } };
    const started: DiskSpec = { ...refused, outcome: { started: true, exitCode: null, kept: true } };
    // A node that cut the damage away as a torn tail is the checkers' to judge.
    const cutAway: DiskSpec = { ...refused, outcome: { started: true, exitCode: null, kept: false } };
    const crashed: DiskSpec = { ...refused, outcome: { started: false, exitCode: 255 } };
    // No disk fault, or no claim: unchanged.
    expect(holdToDiskClaim(validResults(), [], 'detects')).toEqual(validResults());
    expect(holdToDiskClaim(validResults(), [startEvent(cutAway)], 'detects').valid).toBe(true);
    const ok = holdToDiskClaim(validResults(), [startEvent(refused)], 'detects');
    expect(ok.valid).toBe(true);
    expect(ok.checkers.disk).toMatchObject({ valid: true, claim: 'detects' });
    const bad = holdToDiskClaim(validResults(), [startEvent(started)], 'detects');
    expect(bad).toMatchObject({ valid: false, exitCode: 1, firstAnomaly: { index: 3, summary: expect.stringContaining('disk-damage-undetected: n1 started with the damage in place after flipped bit 2 of byte 40 of seg.wal') } });
    // survives: a start is the checkers' to judge, a refusal with 3 is detection, another exit a crash.
    expect(holdToDiskClaim(validResults(), [startEvent(started)], 'survives').valid).toBe(true);
    expect(holdToDiskClaim(validResults(), [startEvent(refused)], 'survives').valid).toBe(true);
    const crash = holdToDiskClaim(validResults(), [startEvent(crashed)], 'survives');
    expect(crash.valid).toBe(false);
    expect((crash.checkers.disk?.['anomalies'] as Array<{ type: string }>).map((a) => a.type)).toEqual(['disk-restart-crashed']);
    // A recheck finds the claim the run was held to in its results.
    expect(recordedDiskClaim({ checkers: { disk: bad.checkers.disk } })).toBe('detects');
    expect(recordedDiskClaim({ checkers: { disk: { claim: 'constructor' } } })).toBeUndefined();
    expect(recordedDiskClaim({ checkers: null })).toBeUndefined();
    // An earlier anomaly of the checkers stays the first.
    const earlier = { ...validResults(), valid: false, exitCode: 1, firstAnomaly: { index: 1, timeNs: 5, summary: 'stale read' } };
    expect(holdToDiskClaim(earlier, [startEvent(started)], 'detects').firstAnomaly?.summary).toBe('stale read');
  });
});

describe('disk fault on real nodes', () => {
  it('walkv refuses to start from a flipped bit (exit 3), and runs with its data once the file is put back', async () => {
    const { cluster, dataDir, logFile } = await nodeWithWrites('walkv', 'correct');
    const seg = firstSegment(dataDir);
    const s = spec('bitflip', seg.size - 1, 0);
    expect(await disk.start(s, { cluster, network: null })).toBeUndefined();
    expect(s.damage).toEqual({ file: seg.rel, size: seg.size, offset: seg.size - 1, bit: 0 });
    expect(s.outcome).toEqual({ started: false, exitCode: 3 });
    expect(describeFault(s)).toBe(`disk: kill -9 n1, flipped bit 0 of byte ${seg.size - 1} of ${seg.rel} (${seg.size} bytes); it refused to start (exit 3)`);
    expect(readFileSync(logFile, 'utf8')).toMatch(/fatal: .*seg-00000000000000000001\.wal: damaged record at byte \d+ \(crc mismatch\)/);
    expect(cluster.state('n1')).toBe('running');
    for (let k = 1; k <= 5; k++) expect(await request(cluster, { type: 'read', key: k })).toMatchObject({ body: { type: 'read_ok', value: 100 + k } });
    expect(holdToDiskClaim(validResults(), [startEvent(s)], 'detects').valid).toBe(true);
  });

  it('walkv refuses to start from a cut tail (exit 3), where it used to cut the acknowledged write away', async () => {
    const { cluster, dataDir } = await nodeWithWrites('walkv', 'correct');
    const seg = firstSegment(dataDir);
    const s = spec('truncate', 5);
    await disk.start(s, { cluster, network: null });
    expect(s.damage).toEqual({ file: seg.rel, size: seg.size, offset: seg.size - 5, bytes: 5 });
    expect(s.outcome).toEqual({ started: false, exitCode: 3 });
    expect(await request(cluster, { type: 'read', key: 5 })).toMatchObject({ body: { type: 'read_ok', value: 105 } });
  });

  it('walkv starts when a cut falls in the zeros of a torn write, having cut them away: no finding', async () => {
    const { cluster, dataDir } = await nodeWithWrites('walkv', 'correct');
    await cluster.kill('n1');
    // A torn write of which nothing landed: the file grew by zeros only.
    const seg = firstSegment(dataDir);
    appendFileSync(join(dataDir, seg.rel), Buffer.alloc(40));
    const s = spec('truncate', 5);
    await disk.start(s, { cluster, network: null });
    expect(s.damage).toMatchObject({ offset: seg.size + 35, bytes: 5 });
    expect(s.outcome).toEqual({ started: true, exitCode: null, kept: false });
    expect(statSync(join(dataDir, seg.rel)).size).toBeLessThanOrEqual(seg.size + 35);
    expect(holdToDiskClaim(validResults(), [startEvent(s)], 'detects').valid).toBe(true);
    expect(await request(cluster, { type: 'read', key: 5 })).toMatchObject({ body: { type: 'read_ok', value: 105 } });
  });

  it("catches walkv's no-crc variant starting from the same flipped bit", async () => {
    const { cluster, dataDir } = await nodeWithWrites('walkv', 'no-crc');
    const seg = firstSegment(dataDir);
    const s = spec('bitflip', seg.size - 1, 0);
    await disk.start(s, { cluster, network: null });
    expect(s.outcome).toEqual({ started: true, exitCode: null, kept: true });
    const judged = holdToDiskClaim(validResults(), [startEvent(s)], findSystem('walkv').disk);
    expect(judged.valid).toBe(false);
    expect(judged.firstAnomaly?.summary).toContain('disk-damage-undetected: n1 started with the damage in place after flipped bit 0');
  });

  it('raftkv refuses to start from a flipped bit in its log (exit 3)', async () => {
    const { cluster, dataDir } = await nodeWithWrites('raftkv', 'correct');
    const seg = firstSegment(dataDir, 'wal');
    const s = spec('bitflip', Math.floor(seg.size / 2), 5);
    await disk.start(s, { cluster, network: null });
    expect(s.damage?.file).toBe(seg.rel);
    expect(s.outcome).toEqual({ started: false, exitCode: 3 });
    expect(await request(cluster, { type: 'read', key: 3 })).toMatchObject({ body: { type: 'read_ok', value: 103 } });
  });

  it('`run --nemesis disk` on a system without a claim leaves the fault out and says why', async () => {
    const r = await runCli(['run', '--system', 'atomic-kv', '--nodes', '1', '--workload', 'register', '--nemesis', 'disk', '--time-limit', '1', '--seed', '1']);
    expect(r.stderr + r.stdout).toContain('faultline: disk left out of this run (the manifest of atomic-kv makes no disk claim');
    expect(r.exitCode).not.toBe(254);
  });
});
