/**
 * Benchmark: paxoskv in both modes against raftkv, 3 nodes each, without faults, the same
 * closed-loop load (bench/support/kv-load.ts) on each in turn, round after round, in one run (the
 * machine is shared and noisy: the medians and ratios mean more than any one round).
 *
 *   npm run bench:paxoskv                     # 3 rounds of 5 s each
 *   node dist/bench/paxoskv.js --rounds 5 --duration-ms 8000 --connections 8 --depth 8
 *
 * Where the load goes: raftkv and Multi-Paxos to the leader (found by its status); CASPaxos has no
 * leader, so every client talks to n1, which proposes every round itself (the best case: with
 * clients at several nodes, rounds on one key duel).
 *
 * What each write costs (see systems/paxoskv/README.md): raftkv and Multi-Paxos with a stable
 * leader, 1 round trip to a majority and 1 fsync per acceptor, shared by the batch of a Ready;
 * CASPaxos, 2 round trips (Prepare/Promise, Accept/Accepted) and 2 fsyncs per acceptor, and the
 * proposer's own promise is durable before its Prepares leave (a third fsync on its path). Reads
 * cost the same as writes in CASPaxos (a read is a round that writes the value back) and a slot in
 * Multi-Paxos; raftkv answers reads from a read index without a log entry.
 */
import { fmt, findLeader, load, medianRound, parseLoadArgs, type RoundResult } from './support/kv-load.js';
import { PAXOSKV_MAIN_JS, TestCluster } from './support/raftkv-cluster.js';

interface Subject {
  name: string;
  cluster: TestCluster;
  port: number;
  rounds: RoundResult[];
}

async function main(): Promise<void> {
  const o = parseLoadArgs(process.argv.slice(2), 'bench:paxoskv');
  console.log(
    `paxoskv benchmark: ${o.rounds} rounds x ${o.durationMs} ms (after ${o.warmupMs} ms warm-up), ${o.connections} connections x depth ${o.depth}, 50% writes, seed ${o.seed}`,
  );
  const subjects: Subject[] = [];
  try {
    const raft = await TestCluster.start(3);
    subjects.push({ name: 'raftkv', cluster: raft, port: await findLeader(raft), rounds: [] });
    const cas = await TestCluster.start(3, 'correct', { mode: 'cas' }, undefined, PAXOSKV_MAIN_JS);
    subjects.push({ name: 'paxoskv cas', cluster: cas, port: cas.nodes[0]!.clientPort, rounds: [] });
    const multi = await TestCluster.start(3, 'correct', { mode: 'multi' }, undefined, PAXOSKV_MAIN_JS);
    subjects.push({ name: 'paxoskv multi', cluster: multi, port: await findLeader(multi), rounds: [] });
    for (let r = 0; r < o.rounds; r++) {
      for (const [i, s] of subjects.entries()) {
        const res = await load(s.port, o, o.seed + subjects.length * r + i);
        s.rounds.push(res);
        console.log(`round ${r + 1} ${s.name.padEnd(13)} ${fmt(res)}`);
      }
    }
  } finally {
    await Promise.all(subjects.map((s) => s.cluster.stop(2000)));
  }
  const raftMedian = medianRound(subjects[0]!.rounds);
  for (const s of subjects) {
    const m = medianRound(s.rounds);
    const ratio = s === subjects[0] ? '' : `  = ${((m.opsPerSec / raftMedian.opsPerSec) * 100).toFixed(1)} % of raftkv's ops/s, p99 x ${(m.p99Ms / raftMedian.p99Ms).toFixed(2)}`;
    console.log(`median ${s.name.padEnd(13)} ${fmt(m)}${ratio}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:paxoskv failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
