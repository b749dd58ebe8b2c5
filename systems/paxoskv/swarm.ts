/**
 * paxoskv's side of the swarm hunt (`faultline hunt --simulate --system paxoskv`, or
 * `paxoskv-multi` for the Multi-Paxos mode): a case drawn by harness/hunt/swarm.ts becomes one run
 * of the deterministic simulation (sim.ts) with the Paxos invariants asserted as it goes.
 */
import type { SwarmCase, SwarmOutcome, SwarmTarget } from '../lib/sim/swarm.js';
import { MULTI_ONLY_VARIANTS, PAXOSKV_VARIANTS, type Variant } from './core/paxos.js';
import { simulate } from './sim.js';

function run(mode: 'cas' | 'multi', c: SwarmCase): SwarmOutcome {
  if (!(PAXOSKV_VARIANTS as readonly string[]).includes(c.variant)) throw new Error(`paxoskv has no variant ${JSON.stringify(c.variant)} (${PAXOSKV_VARIANTS.join(', ')})`);
  const variant = c.variant as Variant;
  const f = c.faults;
  const r = simulate({
    seed: c.seed,
    mode: MULTI_ONLY_VARIANTS.includes(variant) ? 'multi' : mode,
    variant,
    nodes: c.nodes,
    clients: c.clients,
    keys: c.keys,
    durationMs: c.durationMs,
    crash: f.crash === true,
    partition: f.partition === true,
    network: { dropRate: f.dropRate, duplicateRate: f.duplicateRate, delayMaxMs: f.delayMaxMs ?? 5, reorder: f.reorder },
    buggify: c.buggify,
  });
  // This simulation reports invariant breaks without their time: at the end of the run.
  return { history: r.history, violations: r.violations.map((what) => ({ timeMs: c.durationMs, what })), events: r.history.length };
}

const common = {
  workloads: ['register'],
  nodes: [3, 5],
  faults: ['dropRate', 'duplicateRate', 'delayMaxMs', 'reorder', 'partition', 'crash'],
} as const;

/** CASPaxos mode (`systems/paxoskv`). */
export const swarm: SwarmTarget = { ...common, run: (c) => run('cas', c) };
/** Multi-Paxos mode (`systems/paxoskv-multi`). */
export const swarmMulti: SwarmTarget = { ...common, run: (c) => run('multi', c) };
