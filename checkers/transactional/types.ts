/**
 * Result and option types of the transactional checkers (list-append and rw-register).
 *
 * A check returns a {@link TxnCheckResult}: a three-valued verdict, the anomalies found (each with
 * a plain-sentence explanation), and the consistency models those anomalies rule out. Cycle
 * anomalies carry their cycle as data ({@link CycleAnomaly.steps}) so that a report can draw it as
 * a graph of transactions with labelled edges. Everything here is plain JSON-serialisable data.
 */

/** A micro-operation of a transaction, as recorded in the history (`[f, key, value]`). */
export type MicroOp = [f: string, key: unknown, value: unknown];

/** The dependency relations between transactions. */
export type Rel = 'ww' | 'wr' | 'rw' | 'process' | 'realtime';

/** Kinds of dependency cycles, from most to least severe (Adya's phenomena). */
export const CYCLE_KINDS = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'] as const;
export type CycleKind = (typeof CYCLE_KINDS)[number];

/** A cycle kind with its flavour: plain (data edges only), `-process` or `-realtime`. */
export type CycleAnomalyType = CycleKind | `${CycleKind}-process` | `${CycleKind}-realtime`;

/** Anomalies found without a cycle. */
export type NonCycleAnomalyType =
  | 'G1a' // aborted read: observed a write of a failed transaction
  | 'G1b' // intermediate read: observed a write that its transaction later overwrote
  | 'internal' // a read disagrees with the transaction's own earlier reads and writes
  | 'dirty-update' // a committed write was applied on top of a failed transaction's write
  | 'duplicate-elements' // a list read contains the same element twice
  | 'incompatible-order' // two reads of a list are not prefixes of one another
  | 'lost-update' // two committed transactions read the same version and both wrote the key
  | 'cyclic-versions' // the inferred version order of a register is cyclic
  | 'garbage-read'; // observed a value that no transaction wrote

/** A dependency cycle certainly exists, but the search ran out of budget before naming it. */
export type CycleExistsType =
  | 'serializable-cycle-exists'
  | 'strong-session-serializable-cycle-exists'
  | 'strict-serializable-cycle-exists';

export type AnomalyType = CycleAnomalyType | NonCycleAnomalyType | CycleExistsType | 'cycle-search-timeout';

/** One transaction, as shown in explanations. */
export interface TxnRef {
  /** Position of the transaction's completion (or invocation, if it never completed) in the history. */
  index: number;
  /** The `index` field of that event, when the history carries one. */
  eventIndex: number;
  /** The index the source file gave that event, for imported histories (EDN `:index`). */
  sourceIndex?: number;
  process: number | string | null;
  type: 'ok' | 'info' | 'fail';
  /** The completed micro-operations (for ok transactions the reads are filled in). */
  value: MicroOp[];
}

/** One edge of a cycle: `from` < `to` in every serialization the model allows. */
export interface CycleStep {
  /** Position of the source transaction in {@link CycleAnomaly.txns}. */
  from: number;
  /** Position of the target transaction in {@link CycleAnomaly.txns}. */
  to: number;
  rel: Rel;
  /** The key that gives the data dependency, if any. */
  key?: unknown;
  /** The value written by `to` (ww, rw) or by `from` (wr) that gives the dependency. */
  value?: unknown;
  /** For ww edges, the value `from` wrote; for rw, the last version `from` observed. */
  prevValue?: unknown;
  /** "T1 < T2, because T2 observed T1's append of 3 to key x." */
  text: string;
}

/** A minimal dependency cycle, named after its kind. */
export interface CycleAnomaly {
  type: CycleAnomalyType;
  /** The transactions of the cycle in order; T1 is `txns[0]`. */
  txns: TxnRef[];
  /** One step per edge; the last step leads back to T1. */
  steps: CycleStep[];
  /** The whole explanation in plain sentences. */
  text: string;
}

/** An anomaly of one or two transactions, found without a cycle. */
export interface OpAnomaly {
  type: NonCycleAnomalyType;
  /** The transaction that exhibits the anomaly (the reader, for read anomalies). */
  txn: TxnRef;
  key: unknown;
  /** The other transaction involved (the writer of the observed value, the second updater...). */
  other?: TxnRef;
  /** What was observed, for reads. */
  observed?: unknown;
  /** What was expected instead, where one can say. */
  expected?: unknown;
  text: string;
}

/** The search for one cycle kind in one strongly connected component ran out of budget. */
export interface SearchTimeout {
  type: 'cycle-search-timeout';
  anomalySpecType: CycleAnomalyType;
  /** Transactions in the component searched. */
  sccSize: number;
  /** Why the search stopped: its edge-visit budget, or the check's time limit. */
  reason: 'budget' | 'time-limit';
  text: string;
}

/** A cycle certainly exists among these transactions, but no named cycle could be found in budget. */
export interface CycleExists {
  type: CycleExistsType;
  sccSize: number;
  /** A few transactions of the component. */
  sample: TxnRef[];
  text: string;
}

export type Anomaly = CycleAnomaly | OpAnomaly | SearchTimeout | CycleExists;

/** The consistency models the checkers know, weakest first. */
export const CONSISTENCY_MODELS = [
  'read-uncommitted',
  'strong-session-read-uncommitted',
  'strong-read-uncommitted',
  'read-committed',
  'strong-session-read-committed',
  'strong-read-committed',
  'monotonic-atomic-view',
  'repeatable-read',
  'snapshot-isolation',
  'strong-session-snapshot-isolation',
  'strong-snapshot-isolation',
  'serializable',
  'strong-session-serializable',
  'strict-serializable',
] as const;
export type ConsistencyModel = (typeof CONSISTENCY_MODELS)[number];

/** Options shared by both transactional checkers. */
export interface TxnCheckOptions {
  /** The model to check; the verdict is false when an anomaly it prohibits is present. Default strict-serializable. */
  consistencyModel?: ConsistencyModel;
  /**
   * Edge visits allowed per anomaly kind per strongly connected component before that search gives
   * up with `cycle-search-timeout`. Default 2,000,000.
   */
  cycleSearchBudget?: number;
  /** At most this many examples are reported per anomaly type. Default 8. */
  maxExamplesPerType?: number;
  /**
   * Wall-clock limit for the cycle searches, from the start of the check; searches not started
   * by then are reported as `cycle-search-timeout`. Default: none.
   */
  timeLimitMs?: number;
}

/** Options of the rw-register checker: the extra version-order inferences it may use. */
export interface RwRegisterOptions extends TxnCheckOptions {
  /** Assume each key is linearizable: a write that completed before another began precedes it. */
  linearizableKeys?: boolean;
  /** Assume each key is sequentially consistent: each process observes a key's versions in order. */
  sequentialKeys?: boolean;
  /** Writes follow reads within a transaction (read v1 then wrote v2 means v1 < v2). Default true. */
  wfrKeys?: boolean;
}

/** Counts that describe the history and the graph. */
export interface TxnCheckStats {
  txns: number;
  ok: number;
  info: number;
  fail: number;
  keys: number;
  edges: number;
  /** Strongly connected components with two or more transactions. */
  sccs: number;
  largestScc: number;
  /** Client operations that are not transactions and were left out. */
  skippedOps: number;
  timeMs: number;
}

/** The result of a transactional check. */
export interface TxnCheckResult {
  /** false: an anomaly the model prohibits is present; 'unknown': a needed search ran out of budget. */
  valid: boolean | 'unknown';
  checker: 'list-append' | 'rw-register';
  consistencyModel: ConsistencyModel;
  /** Every anomaly type found, sorted. */
  anomalyTypes: AnomalyType[];
  /** Examples per anomaly type. */
  anomalies: Partial<Record<AnomalyType, Anomaly[]>>;
  /** The weakest models the anomalies rule out. */
  not: ConsistencyModel[];
  /** The stronger models also ruled out. */
  alsoNot: ConsistencyModel[];
  /** One sentence that says what was found. */
  explanation: string;
  stats: TxnCheckStats;
}

/** A history a transactional checker cannot read: one message, the offending event's position. */
export class TxnHistoryError extends Error {
  /** Position of the offending event in the history (0-based), or -1. */
  readonly position: number;
  constructor(message: string, position = -1) {
    super(message);
    this.name = 'TxnHistoryError';
    this.position = position;
  }
}
