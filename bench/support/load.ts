/**
 * The closed-loop load of the key-value benchmarks (bench/raftkv.ts, bench/dynamokv.ts):
 * `connections` client connections, each keeping `depth` requests in flight, half writes and half
 * reads on 1000 keys, seeded; the latencies of the ok replies after a warm-up.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { percentile } from '../../checkers/history/stats.js';
import { median } from './median.js';
import { TestClient } from './raftkv-cluster.js';

/** How hard and how long to drive a cluster. */
export interface LoadOptions {
  durationMs: number;
  warmupMs: number;
  connections: number;
  depth: number;
  seed: number;
}

/** One round's figures. */
export interface RoundResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}



/** Drives `connections` x `depth` closed-loop requests at port for warmup + duration. */
export async function load(port: number | readonly number[], o: LoadOptions, seed: number): Promise<RoundResult> {
  const rng = xoroshiro128plus(seed);
  // Connections are spread over the ports given (any node of a leaderless store coordinates).
  const ports = typeof port === 'number' ? [port] : port;
  const clients = await Promise.all(Array.from({ length: o.connections }, (_, i) => TestClient.connect(ports[i % ports.length]!)));
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let measuring = false;
  let stopping = false;
  let value = 0;
  const worker = async (c: TestClient): Promise<void> => {
    while (!stopping) {
      const key = unsafeUniformIntDistribution(0, 999, rng);
      const body = unsafeUniformIntDistribution(0, 1, rng) === 0 ? { type: 'write', key, value: ++value } : { type: 'read', key };
      const t0 = performance.now();
      let reply: Record<string, unknown>;
      try {
        reply = await c.call(body, 10_000);
      } catch {
        errors++;
        continue;
      }
      if (!measuring) continue;
      if (reply.type === 'error') errors++;
      else {
        ops++;
        latencies.push(performance.now() - t0);
      }
    }
  };
  const workers = clients.flatMap((c) => Array.from({ length: o.depth }, () => worker(c)));
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

/** One line of figures. */
export const fmt = (r: RoundResult): string =>
  `${r.opsPerSec.toFixed(0).padStart(8)} ops/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  errors ${r.errors}`;


/** The medians of several rounds (errors summed). */
export const med = (rs: RoundResult[]): RoundResult => ({
  opsPerSec: median(rs.map((x) => x.opsPerSec)),
  p50Ms: median(rs.map((x) => x.p50Ms)),
  p99Ms: median(rs.map((x) => x.p99Ms)),
  errors: rs.reduce((a, x) => a + x.errors, 0),
});

/** The load and the number of rounds. */
export type Opts = LoadOptions & { rounds: number };

/** The benchmarks' flags: rounds, durations, connections, depth and seed, integers, each checked (exit 254). */
export function parseLoadArgs(bench: string, argv: string[]): Opts {
  const o: Opts = { rounds: 3, durationMs: 5000, warmupMs: 1000, connections: 8, depth: 8, seed: 1 };
  const names: Record<string, keyof Opts> = {
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

