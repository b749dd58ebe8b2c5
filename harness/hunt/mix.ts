/**
 * The fault mix of each run of a hunt, drawn from the hunt's seed (swarm testing, as VOPR and
 * Jepsen's test matrices do): the first run takes the combined default nemesis, as
 * `faultline run` without `--nemesis`; each later one, one time in three, the combined default
 * again, otherwise a seeded subset of one to three of the fault kinds the cluster can take,
 * overlapping, changing every 1 to 3 s. A subset meets a variant's fault more often per second
 * than seven kinds sharing two places in force can (systems/raftkv/README.md, "Measured detection").
 */
import type { RunSpec } from '../suite/entry.js';
import { MutableRng, deriveSeed } from '../random.js';
import type { FaultKind } from '../nemesis/schedule.js';

/** The part of a RunSpec that says what faults a run takes. */
export type FaultMix = Pick<RunSpec, 'nemesis' | 'nemesisIntervalS'> & { nemesisDefault: boolean; nemesisOverlap: boolean };

/** Kinds in a drawn subset, at most. */
export const MIX_KINDS_MAX = 3;
/** Seconds between fault changes of a drawn subset: one of these. */
export const MIX_INTERVALS_S = [1, 2, 3] as const;
/** The share of later runs that take the combined default. */
export const MIX_DEFAULT_P = 1 / 3;

/** The mix of run `attempt` (0-based) of a hunt with root seed `seed`, from the kinds the cluster can take. */
export function drawMix(seed: number, attempt: number, usable: readonly FaultKind[]): FaultMix {
  const combined: FaultMix = { nemesis: [...usable], nemesisDefault: true, nemesisOverlap: false };
  if (attempt === 0 || usable.length === 0) return combined;
  const rng = new MutableRng(deriveSeed(seed, `mix-${attempt}`));
  if (rng.chance(MIX_DEFAULT_P)) return combined;
  const size = rng.int(1, Math.min(MIX_KINDS_MAX, usable.length));
  const chosen = new Set(rng.shuffle(usable).slice(0, size));
  return { nemesis: usable.filter((k) => chosen.has(k)), nemesisDefault: false, nemesisOverlap: size > 1, nemesisIntervalS: rng.pick(MIX_INTERVALS_S) };
}

/** A mix as one short text: `default`, or `partition,pause every 2 s`. */
export function describeMix(mix: FaultMix): string {
  return mix.nemesisDefault ? 'default' : `${mix.nemesis.join(',')} every ${mix.nemesisIntervalS} s`;
}
