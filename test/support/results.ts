/** A complete results.json value for tests that need only a few of its fields. */
import type { RunResults } from '../../harness/run/results.js';
import type { RunStats } from '../../harness/run/stats.js';

export function runResults(over: Partial<Omit<RunResults, 'stats'>> & { stats?: Partial<RunStats> } = {}): RunResults {
  const { stats, ...rest } = over;
  return {
    valid: true,
    exitCode: 0,
    checkers: {},
    firstAnomaly: null,
    durationMs: 1000,
    nemesisErrors: [],
    nodeCrashes: [],
    functions: {},
    faults: [],
    ...rest,
    stats: {
      ok: 0, fail: 0, info: 0, open: 0, opsPerSec: 0, latencyMs: null,
      okRateInFaults: null, okRateOutsideFaults: null, answeredRateInFaults: null, answeredRateOutsideFaults: null,
      ...stats,
    },
  };
}
