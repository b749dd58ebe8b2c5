/**
 * The data the report page draws, embedded in report.html as JSON: built in Node by data.ts,
 * read in the browser by the page's modules. Plain types (and the outcome codes) only, so that
 * both the Node build and the page's DOM build can use them.
 */

/** Outcome codes of an operation, in the `t` column. */
export const OUTCOME = { ok: 0, fail: 1, info: 2, pending: 3 } as const;

/** Operations as parallel columns; op `i` is `{ lane: lane[i], startMs: startMs[i], ... }`. */
export interface OpColumns {
  /** Index into `ReportData.processes`. */
  lane: number[];
  /** Invocation time, ms since the run started. */
  startMs: number[];
  /** Completion time, ms; for an op that never completed, the end of the history. */
  endMs: number[];
  /** OUTCOME code. */
  outcome: number[];
  /** Index into `ReportData.keys`, or -1 for an op without a single key (a transaction). */
  key: number[];
  /** For transactions: op index -> the keys its micro-ops touch (indexes into `ReportData.keys`). */
  txnKeys: Record<number, number[]>;
  /** One line that says what the op did ("write 3", "read -> 4", "cas 1->2"). */
  desc: string[];
  /** History index of the invocation. */
  invokeIndex: number[];
  /** History index of the completion, or -1. */
  completeIndex: number[];
  /** The node that answered, or "". */
  node: string[];
  /** The error of a fail/info completion, as text, or "". */
  error: string[];
}

/** A span of time during which a fault was active. */
export interface NemesisWindow {
  /** The fault's kind, as in the nemesis's `start-<kind>` event: partition, kill, pause, latency... */
  kind: string;
  startMs: number;
  endMs: number;
  /** What the fault was applied to, as text. */
  detail: string;
  /** What the fault did (traffic cut or delayed, processes stopped, ops failed), as text; absent when the history does not record it. */
  effect?: string;
}

/**
 * A span of time during which one node said it led (with its term), or none did: the leader
 * band, from the run's `cluster-status` events (docs/formats.md).
 */
export interface LeaderSpan {
  startMs: number;
  endMs: number;
  /** The node that said it leads with the highest term, or null: no node led. */
  leader: string | null;
  term: number | null;
  /** What every node said, as text: "n1 leader (term 3), n2 follower (term 3), n3 dead". */
  detail: string;
}

/** One step of a linearizability witness: an op in linearization order and the model states. */
export interface LinStep {
  op: number;
  before: string | null;
  after: string | null;
}

/** The linearizability witness of one failing partition. */
export interface LinWitness {
  checker: string;
  /** Key of the partition as shown, or null when the history was checked as a whole. */
  key: string | null;
  /** Index into `ReportData.keys`, or -1. */
  keyIndex: number;
  /** The op that cannot be linearized (index into the op columns), or -1 when not found. */
  failOp: number;
  /** The longest linearizable prefix, in linearization order. */
  prefix: LinStep[];
  /** States the model could be in when the failing op was tried, as text. */
  finalStates: string[];
  /** Ops of the prefix left out before its shown part (the checker keeps only its end). */
  prefixOmitted: number;
  /** The ops that could have come next, and why none leads anywhere. */
  candidates: Array<{ op: number; desc: string; outcome: string; stateAfter: string | null }>;
}

/** A transactional anomaly drawn as a small graph of transactions. */
export interface AnomalyGraph {
  checker: string;
  type: string;
  nodes: Array<{ id: string; label: string; op: number }>;
  edges: Array<{ from: string; to: string; label: string }>;
  sentence: string;
}

/** A checker's verdict, its explanation and its raw result for the page. */
export interface CheckerView {
  name: string;
  valid: boolean | 'unknown' | null;
  explanation: string;
  raw: unknown;
}

/** The colours of one fault kind. */
export interface FaultStyle {
  /** Shading of the window the fault was active (CSS colour, translucent). */
  fill: string;
  /** Its label and the bar at the top of its window. */
  ink: string;
}

/** A node process that ended by itself during the run (results.json `nodeCrashes`). */
export interface NodeCrash {
  node: string;
  /** When it ended, ms since the run started. */
  timeMs: number;
  exitCode: number | null;
  signal: string | null;
  /** The last lines of its log. */
  logTail: string[];
}

/** Everything the page needs, embedded as JSON. */
export interface ReportData {
  title: string;
  run: Record<string, unknown>;
  valid: boolean | 'unknown' | null;
  exitCode: number | null;
  checkers: CheckerView[];
  stats: {
    ok: number;
    fail: number;
    info: number;
    pending: number;
    opsPerSec: number | null;
    latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
    okRateInFaults: number | null;
    okRateOutsideFaults: number | null;
    /** From results.json, else from the history by the run's rule (ok or refused on the merits). */
    answeredRateInFaults: number | null;
    answeredRateOutsideFaults: number | null;
  };
  firstAnomaly: { index: number; timeMs: number | null; op: number } | null;
  /** The error that ended the run early (results.json `error`), or null. */
  runError: string | null;
  /**
   * The schedule file the run replayed (run.json `replayOf`) and what a replay does and does not
   * reproduce, shown in the header; null for a run that planned its own faults.
   */
  replay: { of: string; caveat: string } | null;
  /** Faults the nemesis failed to apply or heal (results.json `nemesisErrors`). */
  nemesisErrors: string[];
  /** Why the verdict is unknown when no checker made it so (results.json `unknownReason`), or null. */
  unknownReason: string | null;
  durationMs: number;
  processes: string[];
  keys: string[];
  ops: OpColumns;
  nemesis: NemesisWindow[];
  /** Who led over the run, when some node ever said it leads; empty otherwise (no band is drawn). */
  leaders: LeaderSpan[];
  /** How each fault kind is drawn: by kind, and for a kind not in the table. */
  faultStyles: { byKind: Record<string, FaultStyle>; other: FaultStyle };
  lin: LinWitness[];
  anomalies: AnomalyGraph[];
  nodes: string[];
  messages: Array<{ sendMs: number | null; recvMs: number | null; from: string; to: string; type: string; id: string }>;
  nodeCrashes: NodeCrash[];
  warnings: string[];
}
