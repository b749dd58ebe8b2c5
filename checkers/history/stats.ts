/**
 * Statistics of a history, computed from its events alone: counts by how operations ended,
 * throughput, latency percentiles of ok operations, and how often operations succeeded (and were
 * answered at all) inside and outside fault windows.
 *
 * The in-fault rule, the one every figure here and in reports follows: an operation counts as "in
 * a fault" when it was *invoked* inside a fault window, windows being half-open [start, end) (see
 * faults.ts). The invocation is what the client chose to do while the fault was on; an operation
 * invoked before a partition and answered during it was sent to a healthy cluster. Operations that
 * never completed take part in neither rate.
 */
import { faultWindows, inFaultWindow } from './faults.js';
import { pairOperations } from './pair.js';
import { isHarnessEvent, type HistoryEvent } from './types.js';

/** Statistics of a history (the `stats` of a run's results.json). */
export interface HistoryStats {
  ok: number;
  fail: number;
  info: number;
  /** Ops invoked that never completed (the history ends first, e.g. a partial history). */
  open: number;
  /** Completed client ops per second, between the first invocation and the last completion. */
  opsPerSec: number;
  /** Latency of ok ops, invoke to completion, in milliseconds. */
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** ok / completed, for ops invoked while a fault was on; null when there were none. */
  okRateInFaults: number | null;
  /** ok / completed, for ops invoked while no fault was on. */
  okRateOutsideFaults: number | null;
  /**
   * (ok + refused) / completed, for ops invoked while a fault was on: refused is a `fail` that
   * `isRefusal` says the system turned down on its merits (precondition-failed, txn-conflict...),
   * an answer rather than unavailability.
   */
  answeredRateInFaults: number | null;
  /** The same for ops invoked while no fault was on. */
  answeredRateOutsideFaults: number | null;
}

/** Options of historyStats. */
export interface HistoryStatsOptions {
  /** Whether a `fail` completion's error is a refusal on the merits (default: none is). */
  isRefusal?: (error: unknown) => boolean;
}

/**
 * The value at percentile `p` (0..100) of ascending `sorted` values, by the nearest-rank method:
 * the smallest value with at least p% of the values at or below it. 0 for no values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Statistics of a history (see the module comment for the in-fault rule). */
export function historyStats(events: readonly HistoryEvent[], options: HistoryStatsOptions = {}): HistoryStats {
  const isRefusal = options.isRefusal ?? (() => false);
  const windows = faultWindows(events);
  const { operations } = pairOperations(events, undefined, { strict: false });
  let ok = 0;
  let fail = 0;
  let info = 0;
  let open = 0;
  const latencies: number[] = [];
  const inside = { ok: 0, answered: 0, all: 0 };
  const outside = { ok: 0, answered: 0, all: 0 };
  let first: number | null = null;
  let last: number | null = null;
  for (const op of operations) {
    const invokedNs = op.invoke.time;
    if (first === null && invokedNs !== undefined) first = invokedNs;
    const done = op.complete;
    if (done === null) {
      open++;
      continue;
    }
    if (done.type === 'ok') ok++;
    else if (done.type === 'fail') fail++;
    else info++;
    if (done.time !== undefined && (last === null || done.time > last)) last = done.time;
    if (invokedNs === undefined || done.time === undefined) continue;
    if (done.type === 'ok') latencies.push((done.time - invokedNs) / 1e6);
    const bucket = inFaultWindow(windows, invokedNs) ? inside : outside;
    bucket.all++;
    if (done.type === 'ok') bucket.ok++;
    if (done.type === 'ok' || (done.type === 'fail' && isRefusal(done.error))) bucket.answered++;
  }
  latencies.sort((a, b) => a - b);
  const spanS = first !== null && last !== null && last > first ? (last - first) / 1e9 : 0;
  return {
    ok,
    fail,
    info,
    open,
    opsPerSec: spanS > 0 ? round((ok + fail + info) / spanS, 1) : 0,
    latencyMs: latencies.length
      ? {
          p50: round(percentile(latencies, 50)),
          p95: round(percentile(latencies, 95)),
          p99: round(percentile(latencies, 99)),
          max: round(latencies[latencies.length - 1]!),
        }
      : null,
    okRateInFaults: inside.all ? round(inside.ok / inside.all, 4) : null,
    okRateOutsideFaults: outside.all ? round(outside.ok / outside.all, 4) : null,
    answeredRateInFaults: inside.all ? round(inside.answered / inside.all, 4) : null,
    answeredRateOutsideFaults: outside.all ? round(outside.answered / outside.all, 4) : null,
  };
}

/** How much of a run the cluster answered in (see answeredTime). */
export interface AnsweredTime {
  /** Whole seconds, from the first client invocation to the last completion, with client ops. */
  seconds: number;
  /** Of those, the seconds in which some op was answered: ok, or refused on its merits. */
  answered: number;
}

/**
 * In how many seconds of the run the cluster answered. A second counts as answered when an op
 * completed in it ok or refused on its merits (`isRefusal`); seconds are counted from the first
 * client invocation. A run answered in only a few of its seconds tested little: the checkers saw
 * a history of a cluster that was mostly down.
 */
export function answeredTime(events: readonly HistoryEvent[], options: HistoryStatsOptions = {}): AnsweredTime {
  const isRefusal = options.isRefusal ?? (() => false);
  let first: number | null = null;
  let last: number | null = null;
  const answered = new Set<number>();
  for (const e of events) {
    if (isHarnessEvent(e) || e.time === undefined) continue;
    if (e.type === 'invoke') {
      if (first === null || e.time < first) first = e.time;
      continue;
    }
    if (last === null || e.time > last) last = e.time;
    if (first !== null && (e.type === 'ok' || (e.type === 'fail' && isRefusal(e.error)))) answered.add(Math.floor((e.time - first) / 1e9));
  }
  if (first === null || last === null || last < first) return { seconds: 0, answered: 0 };
  return { seconds: Math.floor((last - first) / 1e9) + 1, answered: answered.size };
}

/** How the client operations of one function ended (see opsByFunction). */
export interface FunctionCounts {
  ok: number;
  fail: number;
  info: number;
  /** Of the `fail`s, those `isRefusal` says the system turned down on their merits. */
  refused: number;
}

/**
 * Client operations by function (`f`), as Jepsen's `stats` checker counts them: how many of each
 * ended ok, fail or info (ops never completed count as info), and how many of the fails were
 * refusals on the merits. A function that was invoked and never answered tested nothing about
 * what it does.
 */
export function opsByFunction(events: readonly HistoryEvent[], options: HistoryStatsOptions = {}): Record<string, FunctionCounts> {
  const isRefusal = options.isRefusal ?? (() => false);
  // No prototype: function names come from history files.
  const out = Object.create(null) as Record<string, FunctionCounts>;
  const { operations } = pairOperations(events, undefined, { strict: false });
  for (const op of operations) {
    const c = (out[op.invoke.f] ??= { ok: 0, fail: 0, info: 0, refused: 0 });
    const done = op.complete;
    if (done?.type === 'ok') c.ok++;
    else if (done?.type === 'fail') {
      c.fail++;
      if (isRefusal(done.error)) c.refused++;
    } else c.info++;
  }
  return out;
}
