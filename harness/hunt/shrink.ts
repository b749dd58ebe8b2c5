/**
 * Delta debugging over a failing schedule's faults (Zeller's ddmin, complements only): the pure
 * part of `faultline hunt`'s shrinking, with the test of a candidate handed in.
 *
 * The faults are split into n chunks (halves first); a candidate is the faults without one chunk.
 * When a candidate still fails it becomes the set to shrink, and the split goes on at n - 1
 * chunks (at least 2); when none fails, the chunks are halved again (quarters, eighths...) until
 * they are single faults, and a round of single faults in which none can go ends the search.
 * Before that, the empty set is tried once: an anomaly that needs no fault at all is the smallest
 * answer there is.
 *
 * Real runs are not deterministic, so `fails` is a question with three answers: `true` (the
 * candidate failed in one of its tries), `false` (it failed in none) and `null` (it could not be
 * answered: the budget ran out, the hunt was interrupted), which ends the search with the
 * smallest set that failed so far. The hunt answers it with several runs of the candidate, as
 * one run that passes proves little.
 */

/** One candidate tried: the indexes of the items it kept, and whether it failed. */
export interface ShrinkStep {
  kept: number[];
  failed: boolean;
}

/** What the search found: the smallest failing set of indexes, and every candidate tried. */
export interface ShrinkResult {
  kept: number[];
  steps: ShrinkStep[];
  /** False when the search ended before it was done (`fails` answered null). */
  complete: boolean;
}

/** The test of a candidate: the indexes (ascending) it keeps; null when it cannot be answered. */
export type FailsTest = (kept: readonly number[]) => Promise<boolean | null>;

/** Splits `items` into `n` chunks as even as can be, in order. */
export function chunks<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor((items.length - at) / (n - i));
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out.filter((c) => c.length > 0);
}

/**
 * The smallest subset of `0..count-1` that `fails`, by ddmin over complements, assuming the whole
 * set fails (it is never tried). At most `candidatesMax` candidates are tried.
 */
export async function shrinkIndexes(count: number, fails: FailsTest, candidatesMax = Number.POSITIVE_INFINITY): Promise<ShrinkResult> {
  let kept = Array.from({ length: count }, (_, i) => i);
  const steps: ShrinkStep[] = [];
  /** Answers a candidate and records it; null ends the search. */
  const tryOne = async (candidate: number[]): Promise<boolean | null> => {
    if (steps.length >= candidatesMax) return null;
    const failed = await fails(candidate);
    if (failed === null) return null;
    steps.push({ kept: candidate, failed });
    return failed;
  };
  if (count === 0) return { kept, steps, complete: true };
  const none = await tryOne([]);
  if (none === null) return { kept, steps, complete: false };
  if (none) return { kept: [], steps, complete: true };
  let n = 2;
  while (kept.length >= 2) {
    const parts = chunks(kept, Math.min(n, kept.length));
    let reduced = false;
    for (const part of parts) {
      const drop = new Set(part);
      const candidate = kept.filter((i) => !drop.has(i));
      const failed = await tryOne(candidate);
      if (failed === null) return { kept, steps, complete: false };
      if (failed) {
        kept = candidate;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (parts.length >= kept.length) break;
    n = Math.min(2 * parts.length, kept.length);
  }
  return { kept, steps, complete: true };
}

/** Time kept after the later of a candidate's last fault event and the anomaly, when its time limit is cut. */
export const CUT_MARGIN_MS = 1000;

/**
 * A candidate's time limit (s, one decimal, rounded up): just after the later of its last fault
 * event and the time at which the anomaly showed in the last run that failed, never more than the
 * original limit, never less than one second. Without an anomaly time the limit stays.
 */
export function cutTimeLimitS(lastEventMs: number, anomalyMs: number | null, limitS: number): number {
  if (anomalyMs === null) return limitS;
  const ms = Math.max(lastEventMs, anomalyMs) + CUT_MARGIN_MS;
  return Math.min(limitS, Math.max(1, Math.ceil(ms / 100) / 10));
}
