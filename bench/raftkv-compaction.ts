/**
 * Benchmark: what log compaction buys raftkv. For compaction off (a snapshot threshold never
 * reached) and on (`snapshotEveryEntries`, default 10 000), alternating in the same run: a 3-node
 * cluster takes `writes` writes through its leader (pipelined clients), then the leader's WAL
 * folder is measured (bytes, segments, snapshots) and the leader is killed with kill -9 and
 * started again, timing the start until it is ready (recovery of the WAL included). The time to
 * start a node with an empty data directory is measured too, as the floor.
 *
 *   node dist/bench/raftkv-compaction.js                         # 100 000 writes, 1 round
 *   node dist/bench/raftkv-compaction.js --writes 20000 --rounds 3 --every 2000
 *   node dist/bench/raftkv-compaction.js --segment-bytes 1048576   # segments of 1 MiB (8 MiB by default)
 *
 * Prints each run, then medians per mode and the ratios on/off. The machine is shared and noisy:
 * the sizes are exact, the times are indications.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient, TestCluster, type TestNode } from './support/raftkv-cluster.js';
import { median } from './support/median.js';

interface Opts {
  writes: number;
  keys: number;
  rounds: number;
  connections: number;
  depth: number;
  every: number;
  segmentBytes: number;
}

function parseArgs(argv: string[]): Opts {
  const o: Opts = { writes: 100_000, keys: 1000, rounds: 1, connections: 8, depth: 32, every: 10_000, segmentBytes: 8 << 20 };
  const names: Record<string, keyof Opts> = {
    '--writes': 'writes',
    '--keys': 'keys',
    '--rounds': 'rounds',
    '--connections': 'connections',
    '--depth': 'depth',
    '--every': 'every',
    '--segment-bytes': 'segmentBytes',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = names[argv[i]!];
    const v = Number(argv[i + 1]);
    if (k === undefined || !Number.isInteger(v) || v < 1 || v > 1 << 30) {
      process.stderr.write(`raftkv-compaction: bad argument ${argv[i]} ${argv[i + 1] ?? ''} (flags: ${Object.keys(names).join(' ')}, integers >= 1)\n`);
      process.exit(254);
    }
    o[k] = v;
  }
  return o;
}

/** A threshold no run reaches: compaction off. */
const NEVER = 100_000_000;

interface RunResult {
  mode: 'off' | 'on';
  writesPerSec: number;
  walBytes: number;
  segments: number;
  snapshots: number;
  snapshotBytes: number;
  restartMs: number;
  recovered: string;
}


async function status(n: TestNode): Promise<Record<string, unknown>> {
  const c = await TestClient.connect(n.clientPort);
  try {
    return await c.call({ type: 'admin', action: 'status' });
  } finally {
    c.close();
  }
}

async function findLeader(c: TestCluster): Promise<TestNode> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const n of c.nodes) if (n.proc !== null && (await status(n)).role === 'leader') return n;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader elected');
}

/** Sends `writes` writes through `port` from `connections` clients, `depth` in flight each; returns ops/s. */
async function writeLoad(port: number, o: Opts): Promise<number> {
  const clients = await Promise.all(Array.from({ length: o.connections }, () => TestClient.connect(port)));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.flatMap((cl) =>
      Array.from({ length: o.depth }, async () => {
        for (let i = next++; i < o.writes; i = next++) {
          const r = await cl.call({ type: 'write', key: `k${i % o.keys}`, value: i }, 30_000);
          if (r.type !== 'write_ok') throw new Error(`write ${i} answered ${JSON.stringify(r)}`);
        }
      }),
    ),
  );
  const secs = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  return o.writes / secs;
}

function walFolder(dir: string): { bytes: number; segments: number; snapshots: number; snapshotBytes: number } {
  let bytes = 0;
  let segments = 0;
  let snapshots = 0;
  let snapshotBytes = 0;
  for (const f of readdirSync(dir)) {
    const size = statSync(join(dir, f)).size;
    bytes += size;
    if (f.endsWith('.wal')) segments++;
    if (f.endsWith('.snap')) {
      snapshots++;
      snapshotBytes += size;
    }
  }
  return { bytes, segments, snapshots, snapshotBytes };
}

async function timedStart(c: TestCluster, n: TestNode): Promise<number> {
  const t0 = performance.now();
  await c.startNode(n);
  return performance.now() - t0;
}

async function run(mode: 'off' | 'on', o: Opts): Promise<RunResult> {
  const c = await TestCluster.start(3, 'correct', { snapshotEveryEntries: mode === 'on' ? o.every : NEVER, walSegmentBytes: o.segmentBytes });
  try {
    const leader = await findLeader(c);
    const writesPerSec = await writeLoad(leader.clientPort, o);
    await new Promise((r) => setTimeout(r, 500)); // let the last snapshot reach the disk
    const wal = walFolder(join(c.dir, leader.id, 'wal'));
    await c.kill(leader);
    const restartMs = await timedStart(c, leader);
    const recovered = /recovered [^\n]*/.exec(leader.stderr.split('\n').filter((l) => l.includes('recovered')).pop() ?? '')?.[0] ?? '?';
    return { mode, writesPerSec, walBytes: wal.bytes, segments: wal.segments, snapshots: wal.snapshots, snapshotBytes: wal.snapshotBytes, restartMs, recovered };
  } finally {
    await c.stop();
  }
}

/** Start time of a node with an empty data directory: the floor of any restart. */
async function freshStartMs(): Promise<number> {
  const c = await TestCluster.start(1);
  try {
    const n = c.nodes[0]!;
    await c.kill(n); // its WAL holds a few records only (a single node elects itself)
    return await timedStart(c, n);
  } finally {
    await c.stop();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  console.log(
    `raftkv log compaction: ${o.writes} writes on ${o.keys} keys, ${o.connections} x ${o.depth} in flight, ` +
      `snapshot every ${o.every} entries when on, WAL segments of ${o.segmentBytes} bytes`,
  );
  const results: RunResult[] = [];
  const floors: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const x = await run(mode, o);
      results.push(x);
      console.log(
        `round ${r + 1} ${mode.padEnd(3)} ${Math.round(x.writesPerSec)} writes/s, WAL ${(x.walBytes / 1e6).toFixed(2)} MB in ${x.segments} segments` +
          ` + ${x.snapshots} snapshot (${(x.snapshotBytes / 1e3).toFixed(0)} kB), restart ${x.restartMs.toFixed(0)} ms (${x.recovered})`,
      );
    }
    floors.push(await freshStartMs());
  }
  const med = (mode: 'off' | 'on', f: (x: RunResult) => number): number => median(results.filter((x) => x.mode === mode).map(f));
  const rows: [string, (x: RunResult) => number, (v: number) => string][] = [
    ['writes/s', (x) => x.writesPerSec, (v) => String(Math.round(v))],
    ['WAL bytes', (x) => x.walBytes, (v) => `${(v / 1e6).toFixed(2)} MB`],
    ['segments', (x) => x.segments, (v) => String(v)],
    ['restart ms', (x) => x.restartMs, (v) => v.toFixed(0)],
  ];
  console.log(`\nmedians over ${o.rounds} round(s)         off          on      on/off`);
  for (const [name, f, fmt] of rows) {
    const off = med('off', f);
    const on = med('on', f);
    console.log(`${name.padEnd(30)} ${fmt(off).padStart(10)} ${fmt(on).padStart(11)} ${(on / off).toFixed(2).padStart(10)}`);
  }
  console.log(`${'start with an empty data dir'.padEnd(30)} ${median(floors).toFixed(0).padStart(10)} ms (the floor of a restart)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`raftkv-compaction: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
