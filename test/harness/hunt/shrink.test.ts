/**
 * The shrink of `faultline hunt` as a pure function: ddmin over a schedule's faults with the test
 * of a candidate given as a plain function (deterministic, or flaky with a seed, as real runs are),
 * and the time limit a candidate is cut to.
 */
import { describe, expect, it } from 'vitest';
import { chunks, cutTimeLimitS, shrinkIndexes, type FailsTest } from '../../../harness/hunt/shrink.js';
import { MutableRng } from '../../../harness/random.js';

/** Fails exactly when the candidate holds every culprit. */
const needs = (...culprits: number[]): FailsTest => async (kept) => culprits.every((c) => kept.includes(c));

describe('shrinkIndexes', () => {
  it('finds the one fault that matters among 16, trying fewer candidates than one per subset', async () => {
    // Act
    const r = await shrinkIndexes(16, needs(11));
    // Assert
    expect(r.kept).toEqual([11]);
    expect(r.complete).toBe(true);
    expect(r.steps.length).toBeLessThan(40);
    // The empty set first, then halves: the second candidate drops half of the faults.
    expect(r.steps[0]!.kept).toEqual([]);
    expect(r.steps[1]!.kept).toHaveLength(8);
  });

  it('keeps two faults that only fail together, wherever they are', async () => {
    for (const [a, b] of [[0, 15], [3, 4], [7, 12]] as const) {
      const r = await shrinkIndexes(16, needs(a, b));
      expect(r.kept).toEqual([a, b]);
    }
  });

  it('answers the empty schedule when the anomaly needs no fault', async () => {
    const r = await shrinkIndexes(9, async () => true);
    expect(r.kept).toEqual([]);
    expect(r.steps).toHaveLength(1);
  });

  it('keeps everything when no smaller candidate fails, and stops at the first unanswered one', async () => {
    const all = await shrinkIndexes(5, async (kept) => kept.length === 5);
    expect(all.kept).toEqual([0, 1, 2, 3, 4]);
    expect(all.complete).toBe(true);
    expect(all.steps.every((s) => !s.failed)).toBe(true);
    // A budget that runs out after three answers: the smallest failing set so far, not complete.
    let asked = 0;
    const cut = await shrinkIndexes(16, async (kept) => (++asked > 3 ? null : kept.includes(11)));
    expect(cut.complete).toBe(false);
    expect(cut.steps).toHaveLength(3);
    expect(cut.kept).toContain(11);
    expect(cut.kept.length).toBeLessThan(16);
  });

  it('with a flaky test (a culprit run fails one time in two, three tries) returns only sets that failed, holding the culprit', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new MutableRng(seed);
      const tries = 3;
      // Arrange: no false failures, missed ones one time in two per try.
      const fails: FailsTest = async (kept) => {
        if (!kept.includes(5)) return false;
        for (let t = 0; t < tries; t++) if (rng.chance(0.5)) return true;
        return false;
      };
      // Act
      const r = await shrinkIndexes(12, fails);
      // Assert: the answer is the whole set or a set that failed, and never loses the culprit.
      expect(r.kept).toContain(5);
      const failedSets = r.steps.filter((s) => s.failed).map((s) => JSON.stringify(s.kept));
      if (r.kept.length < 12) expect(failedSets).toContain(JSON.stringify(r.kept));
    }
  });

  it('tries no more candidates than its bound', async () => {
    const r = await shrinkIndexes(32, needs(1, 30), 4);
    expect(r.steps).toHaveLength(4);
    expect(r.complete).toBe(false);
  });
});

describe('chunks', () => {
  it('splits in order into even parts and drops none', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4, 5]]);
    expect(chunks([1, 2, 3], 3)).toEqual([[1], [2], [3]]);
    expect(chunks([1, 2], 4)).toEqual([[1], [2]]);
  });
});

describe('cutTimeLimitS', () => {
  it('cuts to just after the later of the last fault event and the anomaly, within 1 s and the original limit', () => {
    expect(cutTimeLimitS(4200, 3000, 15)).toBe(5.2);
    expect(cutTimeLimitS(1000, 6010, 15)).toBe(7.1);
    expect(cutTimeLimitS(0, 0, 15)).toBe(1);
    expect(cutTimeLimitS(14500, 20000, 15)).toBe(15);
    expect(cutTimeLimitS(3000, null, 15)).toBe(15);
  });
});
