/**
 * raftkv's side of the swarm hunt (`faultline hunt --simulate --system raftkv`): a case drawn by
 * harness/hunt/swarm.ts becomes one run of the deterministic simulation (sim.ts), the real core
 * under the case's faults, Raft's invariants asserted as it goes.
 */
import type { SwarmTarget } from '../lib/sim/swarm.js';
import { RAFTKV_VARIANTS, type Variant } from './core/types.js';
import { simulate } from './sim.js';

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
    });
    return { history: r.history, violations: r.violations, events: r.stats.events };
  },
};
