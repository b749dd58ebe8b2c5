/**
 * The closed-loop key-value load of the benchmarks (bench/raftkv.ts, bench/paxoskv.ts): its flags,
 * one measured round against a client port, the echo-server baseline, and the medians quoted.
 *
 * Load: `connections` client connections, each keeping `depth` requests in flight (pipelining);
 * half writes, half reads on 1000 keys, seeded; a warm-up before each measured round.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { percentile } from '../../checkers/history/stats.js';
import { median } from './median.js';
import { TestClient, type TestCluster } from './raftkv-cluster.js';

/** The closed-loop load every key-value benchmark drives. */
export interface LoadOpts {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  connections: number;
  depth: number;
  seed: number;
}

/** The load flags of a benchmark named `bench` (exit 254 on a bad one). */
export function parseLoadArgs(argv: string[], bench: string, defaults: Partial<LoadOpts> = {}): LoadOpts {
  const o: LoadOpts = { rounds: 3, durationMs: 5000, warmupMs: 1000, connections: 8, depth: 8, seed: 1, ...defaults };
  const names: Record<string, keyof LoadOpts> = {
    '--rounds': 'rounds',
    '--duration-ms': 'durationMs',
    '--warmup-ms': 'warmupMs',
    '--connections': 'connections',
    '--depth': 'depth',
    '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i++) {
    const k = names[argv[i]!];
    const v = Number(argv[i + 1]);
    if (k === undefined || !Number.isInteger(v) || v < 0 || v > 1_000_000) {
      process.stderr.write(`${bench}: bad argument ${argv[i]} ${argv[i + 1] ?? ''} (flags: ${Object.keys(names).join(' ')}, integer values)\n`);
      process.exit(254);
    }
    o[k] = v;
    i++;
  }
  if (o.rounds < 1 || o.connections < 1 || o.depth < 1 || o.durationMs < 100) {
    process.stderr.write(`${bench}: rounds, connections and depth must be >= 1, duration-ms >= 100\n`);
    process.exit(254);
  }
  return o;
}

/** One measured round. */
export interface RoundResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** A worker's last request and its reply (null when it did not answer). */
export interface LastCall {
  body: Record<string, unknown>;
  reply: Record<string, unknown> | null;
}

/**
 * The next request of closed-loop worker `worker` (0 .. connections x depth - 1), given its last
 * call (null before its first): a benchmark whose requests depend on earlier replies (a lease,
 * a fencing token) keeps that state per worker here.
 */
export type NextRequest = (worker: number, last: LastCall | null, rng: RandomGenerator) => Record<string, unknown>;

/** The default load: half writes, half reads on 1000 keys. */
const kvMix = (): NextRequest => {
  let value = 0;
  return (_w, _last, rng) => {
    const key = unsafeUniformIntDistribution(0, 999, rng);
    return unsafeUniformIntDistribution(0, 1, rng) === 0 ? { type: 'write', key, value: ++value } : { type: 'read', key };
  };
};

/**
 * Drives `connections` x `depth` closed-loop requests for warmup + duration, the connections spread
 * over the ports given (any node of a leaderless store coordinates); `next` draws the requests
 * (half writes, half reads on 1000 keys by default).
 */
export async function load(port: number | readonly number[], o: LoadOpts, seed: number, next: NextRequest = kvMix()): Promise<RoundResult> {
  const rng = xoroshiro128plus(seed);
  const ports = typeof port === 'number' ? [port] : port;
  const clients = await Promise.all(Array.from({ length: o.connections }, (_, i) => TestClient.connect(ports[i % ports.length]!)));
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let measuring = false;
  let stopping = false;
  const worker = async (c: TestClient, w: number): Promise<void> => {
    let last: LastCall | null = null;
    while (!stopping) {
      const body = next(w, last, rng);
      const t0 = performance.now();
      let reply: Record<string, unknown>;
      try {
        reply = await c.call(body, 10_000);
      } catch {
        errors++;
        last = { body, reply: null };
        continue;
      }
      last = { body, reply };
      if (!measuring) continue;
      if (reply.type === 'error') errors++;
      else {
        ops++;
        latencies.push(performance.now() - t0);
      }
    }
  };
  const workers = clients.flatMap((c, i) => Array.from({ length: o.depth }, (_, d) => worker(c, i * o.depth + d)));
  await new Promise((r) => setTimeout(r, o.warmupMs));
  measuring = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, o.durationMs));
  measuring = false;
  const elapsedMs = performance.now() - start;
  stopping = true;
  await Promise.all(workers);
  for (const c of clients) c.close();
  latencies.sort((a, b) => a - b);
  return { opsPerSec: (ops / elapsedMs) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}

/** The raw NDJSON echo server, as a baseline process. */
export async function startEcho(): Promise<{ port: number; stop: () => void }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const p = spawn(process.execPath, [join(here, 'echo-server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    p.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    p.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return { port, stop: () => p.kill('SIGKILL') };
}

/** The client port of the node whose status says `role: "leader"`. */
export async function findLeader(c: TestCluster): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const n of c.nodes) {
      const cl = await TestClient.connect(n.clientPort);
      const s = await cl.call({ type: 'admin', action: 'status' });
      cl.close();
      if (s.role === 'leader') return n.clientPort;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader elected within 10 s');
}

/** A round as one aligned line. */
export const fmt = (r: RoundResult): string =>
  `${r.opsPerSec.toFixed(0).padStart(8)} ops/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  errors ${r.errors}`;

/** The medians of rounds (errors summed). */
export function medianRound(rs: readonly RoundResult[]): RoundResult {
  return {
    opsPerSec: median(rs.map((x) => x.opsPerSec)),
    p50Ms: median(rs.map((x) => x.p50Ms)),
    p99Ms: median(rs.map((x) => x.p99Ms)),
    errors: rs.reduce((a, x) => a + x.errors, 0),
  };
}

/** Prints each subject's medians, with its ops/s as a share of the `base` subject's. */
export function printMedians(rows: Readonly<Record<string, readonly RoundResult[]>>, base: string): void {
  const b = medianRound(rows[base]!);
  const width = Math.max(...Object.keys(rows).map((n) => n.length)) + 1;
  for (const [name, rs] of Object.entries(rows)) {
    const m = medianRound(rs);
    const ratio = name === base ? '' : `  = ${((m.opsPerSec / b.opsPerSec) * 100).toFixed(0)} % of ${base}'s ops/s`;
    console.log(`median ${name.padEnd(width)} ${fmt(m)}${ratio}`);
  }
}
