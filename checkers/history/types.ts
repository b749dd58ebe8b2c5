/**
 * The history event: one JSON object per line of `history.jsonl`, with Jepsen's op fields so that
 * EDN import and export map 1:1.
 *
 *   {"index":0,"time":1234567,"type":"invoke","process":3,"f":"cas","value":["x",[1,2]]}
 *   {"index":1,"time":1302211,"type":"ok","process":3,"f":"cas","value":["x",[1,2]],"node":"n2"}
 *
 * - `time` is nanoseconds since the run started (monotonic).
 * - Key-value ops carry `[key, payload]` (Jepsen's independent tuples); a read invokes with
 *   `[key, null]` and completes with `[key, value]`.
 * - Transactions: `{"f":"txn","value":[["append","x",3],["r","y",null]]}`; the ok completion has
 *   the reads filled in.
 * - Nemesis events: `{"process":"nemesis","type":"invoke","f":"start-partition","value":...}` when a
 *   step begins, then its completion (`ok`, or `info` with an `error`) once applied; older
 *   histories hold the completion alone, as `info`.
 * - Cluster status events, what the nodes said of themselves while the clients ran (who leads, in
 *   which term): `{"process":"status","type":"info","f":"cluster-status","value":...}`.
 *
 * Events of the harness's own processes (`HARNESS_PROCESSES`) are no client operations: checkers,
 * statistics and workloads leave them out (`isHarnessEvent`).
 */

/** `invoke` opens an operation; `ok`, `fail` or `info` completes it. */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/**
 * The processes of the harness itself: the fault injector, the poller of the nodes' status, and
 * the Maelstrom services (lin-kv, seq-kv...) the harness runs for Maelstrom nodes.
 */
export const HARNESS_PROCESSES = ['nemesis', 'status', 'service'] as const;

/** A process of the harness (see HARNESS_PROCESSES). */
export type HarnessProcess = (typeof HARNESS_PROCESSES)[number];

/** A client process is a non-negative integer; the harness's own are named (HARNESS_PROCESSES). */
export type ProcessId = number | HarnessProcess;

/** True for an event of the harness's own processes, which is no client operation. */
export function isHarnessEvent(e: { process: unknown }): e is { process: HarnessProcess } {
  return e.process === 'nemesis' || e.process === 'status' || e.process === 'service';
}

export interface HistoryEvent {
  /** Position in the history, from 0, strictly increasing. */
  index: number;
  /** Nanoseconds since the run started (monotonic). Optional in imported histories. */
  time?: number;
  type: EventType;
  process: ProcessId;
  /** The operation's function: read, write, cas, txn, acquire, start-partition... */
  f: string;
  value?: unknown;
  /** The node that answered, for completions recorded by the harness. */
  node?: string;
  /** Error code or text for fail/info completions. */
  error?: unknown;
}
