/**
 * What a workload is: how clients pick operations, how each operation maps to a wire message and
 * back, and which checkers judge the history (STYLE.md: `{ generator, client, checker,
 * finalGenerator }`, Maelstrom's workloads). The harness knows workloads only through this shape.
 */
import type { z } from 'zod';
import type { HistoryEvent } from '../checkers/history/types.js';
import type { Generator, PureRng } from './generator.js';

/** Options the harness gives a workload's generator. */
export interface WorkloadGeneratorOptions {
  rng: PureRng;
  /** Number of workers (--concurrency). */
  concurrency: number;
  /** Number of nodes in the cluster. */
  nodes: number;
  /** The run's workload options (checked by the workload's schema); absent: the defaults. */
  workloadOptions?: Record<string, unknown>;
}

/** The outcome of an operation from a reply that came back. */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value: unknown;
  error?: unknown;
}

/** How operations map to wire requests, and replies back to completions. */
export interface WorkloadClient {
  /** The request body for an op (without msg_id: the client adds it). */
  request(op: { f: string; value: unknown }): Record<string, unknown>;
  /** The completion for a non-error reply to that request. */
  complete(op: { f: string; value: unknown }, reply: Record<string, unknown>): Completion;
  /**
   * True when the op cannot change state (a read): when its outcome is unknown it is recorded
   * `fail` instead of `info`, since it had no effect either way.
   */
  readOnly(op: { f: string; value: unknown }): boolean;
}

/** A checker's verdict; each checker adds its own details. */
export interface CheckerResult {
  valid: boolean | 'unknown';
  explanation?: string;
  [detail: string]: unknown;
}

/** The history event a checker names first (see docs/formats.md, `firstAnomaly`). */
export interface Anomaly {
  index: number;
  timeNs: number | null;
  /** One line saying what is wrong, for the terminal. */
  summary: string;
}

/** The verdicts of every checker of a workload. */
export interface CheckOutcome {
  checkers: Record<string, CheckerResult>;
  firstAnomaly: Anomaly | null;
}

/** Budgets for the checkers, and the run's options for its workload. */
export interface CheckOptions {
  timeLimitMs: number;
  /** The run's `workloadOptions` as given (the workload validates them and fills in its defaults). */
  workloadOptions?: Record<string, unknown>;
}

/**
 * The options a workload takes (a run's `workloadOptions`), which the workload validates itself:
 * the zod schema of what may be given (strict, every option optional) and the value of each option
 * that is not given. `defaults` names every option there is.
 */
export interface WorkloadOptionsSpec<T extends Record<string, unknown> = Record<string, unknown>> {
  schema: z.ZodType<Partial<T>>;
  defaults: T;
}

/** What a final generator knows of the cluster. */
export interface FinalPhaseContext {
  /** The nodes, in id order. */
  nodes: readonly string[];
  /** The run's workload options, as given. */
  workloadOptions?: Record<string, unknown>;
}

/**
 * The consistency a workload's checkers judge: `linearizable` (register), `transactional` (Elle's
 * models, chosen per run), or `eventual` (convergence and no lost update). A system's manifest
 * states the model it claims (`consistency`); a run refuses a workload that would judge it by a
 * stronger one than it claims.
 */
export type JudgedModel = 'linearizable' | 'transactional' | 'eventual';

/** A workload. */
export interface Workload {
  name: string;
  description: string;
  generator(opts: WorkloadGeneratorOptions): Generator;
  client: WorkloadClient;
  /**
   * The ops that end a run, after every fault is healed (e.g. one read per key touched); `cluster`
   * names the nodes, for a final phase that reads each of them (ops may name their `node`).
   */
  finalGenerator(history: readonly HistoryEvent[], cluster?: FinalPhaseContext): Generator;
  /** Whether the workload's operations are transactions (`txn`). */
  transactional?: boolean;
  /** The consistency its checkers judge (absent: linearizable, or transactional for `transactional` workloads). */
  judges?: JudgedModel;
  /** The options it takes (`workloadOptions`), their schema and defaults. */
  options: WorkloadOptionsSpec;
  /**
   * How long one of its ops may take before it is recorded `info`, when `--op-timeout` is not
   * given (default 1000 ms): a workload whose ops are long by design (a lock holder's whole turn)
   * says so here.
   */
  opTimeoutMs?: number;
  /**
   * Shorter timeouts for some of its functions, below the run's op timeout: a workload that mixes
   * long ops (a lock turn) with short ones (a watch poll) lets the short ones give up sooner, as
   * their clients would.
   */
  opTimeoutCapsMs?: Readonly<Record<string, number>>;
  /**
   * How many ok reads observed a value some operation of the history wrote (a register read of a
   * written value, a list read holding an appended element): a run in which none did could not
   * have shown a stale or lost write, so its verdict is unknown rather than valid.
   */
  observedWrites(history: readonly HistoryEvent[]): number;
  /** Runs every checker of the workload on a history. */
  checker(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome>;
}

/** The wire kit's types, for systems and clients that speak the workloads' messages. */
export type { DecodeResult, ErrorCodeInfo, ErrorCodeValue, RequestOf, RpcDef, RpcSet } from './wire/index.js';
