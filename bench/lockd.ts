/**
 * Benchmark: throughput and latency of lock acquire/release on a 3-node lockd cluster without
 * faults, against writes on a 3-node raftkv cluster measured in the same run (the machine is
 * shared and noisy: only the ratio means much).
 *
 *   npm run bench:lockd                       # 3 rounds of 5 s each, the two clusters in turn
 *   node dist/bench/lockd.js --rounds 5 --duration-ms 8000 --connections 8 --depth 8
 *
 * Load (bench/support/kv-load.ts): closed loop, `connections` connections to each cluster's
 * leader, each keeping `depth` requests in flight. On lockd every worker grants itself a lease
 * (60 s TTL), then acquires and releases a lock of its own (no two workers contend) with the
 * fencing token the acquire returned, renewing the lease every 50 ops; on raftkv every request
 * is a write to one of 1000 keys. Prints each round, then the medians of ops/s, p50 and p99 and
 * lockd's ratio to raftkv.
 *
 * What to expect: an acquire, a release and a raftkv write are each one entry of the same Raft
 * core (appended, fsynced on a majority, committed, applied, answered); lockd's state machine
 * does a map lookup where raftkv's does a map write, so the two should be close, with lockd a
 * little behind for its lease bookkeeping on every tick and its larger replies.
 */
import { unsafeUniformIntDistribution } from 'pure-rand';
import { LOCKD_MAIN_JS, TestCluster } from './support/raftkv-cluster.js';
import { fmt, findLeader, type LastCall, load, type NextRequest, parseLoadArgs, printMedians, type RoundResult } from './support/kv-load.js';

/** Lease TTL of the benchmark's workers: longer than a round, renewed anyway. */
const TTL_MS = 60_000;
/** A worker renews its lease after this many acquires and releases. */
const RENEW_EVERY = 50;

/** Per worker: grant, then acquire / release its own lock, renewing now and then; an error re-grants. */
function lockCycle(round: number): NextRequest {
  const state = new Map<number, { lease: string; token: number | null; ops: number }>();
  return (w: number, last: LastCall | null) => {
    const r = last?.reply ?? null;
    let s = state.get(w);
    if (last !== null && (r === null || r.type === 'error')) s = undefined;
    else if (r?.type === 'grant_ok') s = { lease: String(r.lease), token: null, ops: 0 };
    else if (s !== undefined && r?.type === 'acquire_ok') s.token = Number(r.token);
    else if (s !== undefined && r?.type === 'release_ok') s.token = null;
    if (s === undefined) {
      state.delete(w);
      return { type: 'grant', ttl_ms: TTL_MS };
    }
    state.set(w, s);
    const lock = `b${round}.${w}.${s.lease}`;
    if (s.token !== null) return { type: 'release', lock, lease: s.lease, token: s.token };
    if (++s.ops % RENEW_EVERY === 0) return { type: 'keepalive', lease: s.lease };
    return { type: 'acquire', lock, lease: s.lease };
  };
}

/** Writes only, to 1000 keys. */
function writes(): NextRequest {
  let value = 0;
  return (_w, _last, rng) => ({ type: 'write', key: unsafeUniformIntDistribution(0, 999, rng), value: ++value });
}

async function main(): Promise<void> {
  const o = parseLoadArgs(process.argv.slice(2), 'bench:lockd');
  console.log(`lockd benchmark: ${o.rounds} rounds x ${o.durationMs} ms (after ${o.warmupMs} ms warm-up), ${o.connections} connections x depth ${o.depth}, seed ${o.seed}`);
  const raft = await TestCluster.start(3);
  const lockd = await TestCluster.start(3, 'correct', {}, undefined, LOCKD_MAIN_JS);
  const rows: Record<string, RoundResult[]> = { 'raftkv writes': [], 'lockd acq/rel': [] };
  try {
    const targets: Array<[string, number, (r: number) => NextRequest]> = [
      ['raftkv writes', await findLeader(raft), () => writes()],
      ['lockd acq/rel', await findLeader(lockd), (r) => lockCycle(r)],
    ];
    for (let r = 0; r < o.rounds; r++) {
      for (const [i, [name, port, next]] of targets.entries()) {
        const res = await load(port, o, o.seed + 2 * r + i, next(r));
        rows[name]!.push(res);
        console.log(`round ${r + 1} ${name.padEnd(14)} ${fmt(res)}`);
      }
    }
  } finally {
    await Promise.all([raft.stop(2000), lockd.stop(2000)]);
  }
  printMedians(rows, 'raftkv writes');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:lockd failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
