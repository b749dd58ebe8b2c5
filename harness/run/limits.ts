/**
 * The limits of a run's numbers, in one table shared by `run`, `compare`, `suite` and the system
 * manifests, so that a value one of them accepts is never refused by a child run.
 */
import { SEED_MAX } from '../random.js';

/** Limits on the numbers a run takes. */
export const LIMITS = {
  nodesMax: 64,
  concurrencyMax: 1000,
  rateOpsPerSecMax: 100_000,
  timeLimitSMax: 86_400,
  nemesisIntervalSMax: 3600,
  opTimeoutMsMax: 600_000,
  seedMax: SEED_MAX,
  /** The verdict's thresholds (--min-ok-per-f and the like). */
  vacuityThresholdMax: 1_000_000,
} as const;

/**
 * Bounds on the phases of a run after its time limit: what a caller that waits for a run (suite,
 * compare) must allow for before it calls the run stuck.
 */
export const PHASE_LIMITS = {
  /** The cluster's time after the final heal, before the final reads (elections, reconnects). */
  settleMs: 1000,
  /** The most time the final reads may take. */
  finalPhaseMsMax: 60_000,
  /** The checkers' time budget. */
  checkTimeLimitMs: 120_000,
} as const;
