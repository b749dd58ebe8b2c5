/**
 * raftkv's side of the swarm hunt (`faultline hunt --simulate --system raftkv`): a case drawn by
 * harness/hunt/swarm.ts becomes one run of the deterministic simulation (sim.ts), the real core
 * under the case's faults, Raft's invariants asserted as it goes.
 */
import { Rng } from '../lib/rng.js';
import type { SwarmCase, SwarmTarget } from '../lib/sim/swarm.js';
import { RAFTKV_VARIANTS, type RaftParams, type Variant } from './core/types.js';
import { simulate } from './sim.js';

/**
 * The protocol's own knobs a case takes, drawn from its seed (so a case file replays them): log
 * compaction every few entries on half the cases (snapshots, InstallSnapshot, restarts from a
 * snapshot), small messages and windows on some (more pipelining, more retries), pre-vote off on
 * some. Defaults would leave those paths unvisited.
 */
export function swarmParams(c: Pick<SwarmCase, 'seed'>): Partial<RaftParams> {
  const rng = new Rng(c.seed ^ 0x2f6b);
  const p: Partial<RaftParams> = {};
  if (rng.chance(0.5)) p.snapshotEveryEntries = [5, 20, 100][rng.int(0, 2)]!;
  if (rng.chance(0.3)) {
    p.maxEntriesPerMessage = rng.int(1, 8);
    p.maxInflightPerPeer = rng.int(1, 4);
  }
  if (rng.chance(0.2)) p.preVote = false;
  return p;
}

export const swarm: SwarmTarget = {
  workloads: ['register', 'list-append'],
  nodes: [3, 5],
  faults: ['dropRate', 'duplicateRate', 'delayMaxMs', 'reorder', 'partition', 'crash', 'pause', 'clockSkewMs', 'crashBeforeSyncRate'],
  run(c) {
    if (!(RAFTKV_VARIANTS as readonly string[]).includes(c.variant)) throw new Error(`raftkv has no variant ${JSON.stringify(c.variant)} (${RAFTKV_VARIANTS.join(', ')})`);
    const r = simulate({
      seed: c.seed,
      variant: c.variant as Variant,
      nodes: c.nodes,
      clients: c.clients,
      keys: c.keys,
      durationMs: c.durationMs,
      workload: c.workload === 'list-append' ? 'list-append' : 'register',
      faults: c.faults,
      buggify: c.buggify,
      params: swarmParams(c),
    });
    return { history: r.history, violations: r.violations, events: r.stats.events };
  },
};
