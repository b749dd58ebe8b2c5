/**
 * Benchmark: throughput and latency of a 3-node dynamokv cluster without faults, with the default
 * quorums (N=3, R=W=2) and with R=W=1, against a 3-node raftkv cluster measured in the same run
 * (the machine is shared and noisy: only the ratios mean much).
 *
 *   npm run bench:dynamokv                    # 3 rounds of 5 s each, the three clusters in turn
 *   node dist/bench/dynamokv.js --rounds 5 --duration-ms 8000 --connections 8 --depth 8
 *
 * Load (bench/support/kv-load.ts): closed loop, `connections` connections each keeping `depth`
 * requests in flight, half writes and half reads on 1000 keys, seeded. dynamokv's connections are
 * spread over all three nodes (any node coordinates); raftkv's go to its leader. Prints each
 * round, then the medians of ops/s, p50 and p99 and each dynamokv setting's ratio to raftkv.
 *
 * What to expect: a dynamokv write is two round trips (read R versions, then write W copies), a
 * read one (two when it repairs), and every replica fsyncs each Put; raftkv's leader batches many
 * commands into one append and one fsync per round. R=W=1 answers on the coordinator's own
 * replica alone, so it saves the wait for a peer but not the fsync.
 */
import { DYNAMOKV_MAIN_JS, TestCluster } from './support/raftkv-cluster.js';
import { findLeader, fmt, load, parseLoadArgs, printMedians, type RoundResult } from './support/kv-load.js';

async function main(): Promise<void> {
  const o = parseLoadArgs(process.argv.slice(2), 'bench:dynamokv');
  console.log(`dynamokv benchmark: ${o.rounds} rounds x ${o.durationMs} ms (after ${o.warmupMs} ms warm-up), ${o.connections} connections x depth ${o.depth}, 50% writes, seed ${o.seed}`);
  const raft = await TestCluster.start(3);
  const quorum = await TestCluster.start(3, 'correct', {}, undefined, DYNAMOKV_MAIN_JS);
  const one = await TestCluster.start(3, 'correct', { r: 1, w: 1 }, undefined, DYNAMOKV_MAIN_JS);
  const rows: Record<string, RoundResult[]> = { raftkv: [], 'dynamokv R=W=2': [], 'dynamokv R=W=1': [] };
  try {
    const leaderPort = await findLeader(raft);
    const targets: Array<[string, number | number[]]> = [
      ['raftkv', leaderPort],
      ['dynamokv R=W=2', quorum.nodes.map((n) => n.clientPort)],
      ['dynamokv R=W=1', one.nodes.map((n) => n.clientPort)],
    ];
    for (let r = 0; r < o.rounds; r++) {
      for (const [i, [name, ports]] of targets.entries()) {
        const res = await load(ports, o, o.seed + 3 * r + i);
        rows[name]!.push(res);
        console.log(`round ${r + 1} ${name.padEnd(15)} ${fmt(res)}`);
      }
    }
  } finally {
    await Promise.all([raft.stop(2000), quorum.stop(2000), one.stop(2000)]);
  }
  printMedians(rows, 'raftkv');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:dynamokv failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
