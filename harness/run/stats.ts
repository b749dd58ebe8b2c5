/**
 * A run's statistics, computed from its history alone (so `recheck` can compute them again):
 * counts by completion type, throughput, latency percentiles of ok ops, and how often ops
 * succeeded (and how often they were answered at all) inside and outside fault windows (the
 * windows between a nemesis start and its stop).
 */
import type { HistoryEvent } from '../../checkers/history/types.js';
import { isRefusal } from '../client/errors.js';

/** The `stats` of results.json. */
export interface RunStats {
  ok: number;
  fail: number;
  info: number;
  /** Ops invoked that never completed (the history ends first, e.g. a partial history). */
  open: number;
  /** Completed client ops per second, between the first invocation and the last completion. */
  opsPerSec: number;
  /** Latency of ok ops, invoke to completion. */
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** ok / completed, for ops invoked while a fault was on; null when there were none. */
  okRateInFaults: number | null;
  /** ok / completed, for ops invoked while no fault was on. */
  okRateOutsideFaults: number | null;
  /**
   * (ok + refused) / completed, for ops invoked while a fault was on: refused is a `fail` whose
   * error says the system turned the op down on its merits (precondition-failed,
   * key-does-not-exist, txn-conflict...), an answer rather than unavailability.
   */
  answeredRateInFaults: number | null;
  /** The same for ops invoked while no fault was on. */
  answeredRateOutsideFaults: number | null;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Fault windows [start, end) in ns: from each `start-*` nemesis event to the next `stop-*` or heal. */
export function faultWindows(events: readonly HistoryEvent[]): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  let openSince: number | null = null;
  let depth = 0;
  for (const e of events) {
    if (e.process !== 'nemesis' || e.time === undefined) continue;
    if (e.f.startsWith('start-')) {
      if (depth === 0) openSince = e.time;
      depth++;
    } else if ((e.f.startsWith('stop-') || e.f === 'heal') && depth > 0) {
      depth = e.f === 'heal' ? 0 : depth - 1;
      if (depth === 0 && openSince !== null) {
        windows.push([openSince, e.time]);
        openSince = null;
      }
    }
  }
  if (openSince !== null) windows.push([openSince, Number.POSITIVE_INFINITY]);
  return windows;
}

/** Statistics of a history. */
export function computeStats(events: readonly HistoryEvent[]): RunStats {
  const windows = faultWindows(events);
  const inFault = (t: number) => windows.some(([a, b]) => t >= a && t < b);
  const open = new Map<number, HistoryEvent>();
  let ok = 0;
  let fail = 0;
  let info = 0;
  const latencies: number[] = [];
  const inside = { ok: 0, answered: 0, all: 0 };
  const outside = { ok: 0, answered: 0, all: 0 };
  let first: number | null = null;
  let last: number | null = null;
  for (const e of events) {
    if (e.process === 'nemesis') continue;
    if (e.type === 'invoke') {
      open.set(e.process, e);
      if (first === null && e.time !== undefined) first = e.time;
      continue;
    }
    const inv = open.get(e.process);
    open.delete(e.process);
    if (e.type === 'ok') ok++;
    else if (e.type === 'fail') fail++;
    else info++;
    if (e.time !== undefined) last = e.time;
    if (!inv || inv.time === undefined || e.time === undefined) continue;
    if (e.type === 'ok') latencies.push((e.time - inv.time) / 1e6);
    const bucket = inFault(inv.time) ? inside : outside;
    bucket.all++;
    if (e.type === 'ok') bucket.ok++;
    if (e.type === 'ok' || (e.type === 'fail' && isRefusal(e.error))) bucket.answered++;
  }
  latencies.sort((a, b) => a - b);
  const spanS = first !== null && last !== null && last > first ? (last - first) / 1e9 : 0;
  return {
    ok,
    fail,
    info,
    open: open.size,
    opsPerSec: spanS > 0 ? round((ok + fail + info) / spanS, 1) : 0,
    latencyMs: latencies.length
      ? {
          p50: round(percentile(latencies, 50)),
          p95: round(percentile(latencies, 95)),
          p99: round(percentile(latencies, 99)),
          max: round(latencies[latencies.length - 1] as number),
        }
      : null,
    okRateInFaults: inside.all ? round(inside.ok / inside.all, 4) : null,
    okRateOutsideFaults: outside.all ? round(outside.ok / outside.all, 4) : null,
    answeredRateInFaults: inside.all ? round(inside.answered / inside.all, 4) : null,
    answeredRateOutsideFaults: outside.all ? round(outside.answered / outside.all, 4) : null,
  };
}
