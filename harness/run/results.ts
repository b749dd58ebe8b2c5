/**
 * results.json (docs/formats.md): the one type of a run's results, written by `run` and
 * `recheck`, and the schema that reads it back for `suite`, `compare` and `serve`.
 */
import { z } from 'zod';
import type { Anomaly, CheckerResult } from '../../workloads/types.js';
import type { RunStats } from './stats.js';
import type { FaultRecord } from '../../checkers/history/effects.js';
import type { FunctionCounts } from '../../checkers/history/stats.js';

import type { NodeCrash } from '../cluster/cluster.js';
import type { NetStats } from '../maelstrom/run-hook.js';
import type { OutsideContract } from '../nemesis/faults/clock-bound.js';

export type { NodeCrash };

/** The contents of results.json. */
export interface RunResults {
  valid: boolean | 'unknown';
  exitCode: number;
  checkers: Record<string, CheckerResult>;
  stats: RunStats;
  /** Client ops by function and how they ended (the per-function rule of the verdict). */
  functions: Record<string, FunctionCounts>;
  firstAnomaly: Anomaly | null;
  durationMs: number | null;
  /** Faults that could not be applied or undone (e.g. a node that did not restart). */
  nemesisErrors: string[];
  /** Nodes that exited on their own, in the order they did (empty when none did). */
  nodeCrashes: NodeCrash[];
  /** Each fault the nemesis started: when, whom it aimed at, and what it did. */
  faults: FaultRecord[];
  /** Why the verdict is `unknown` when no checker made it so (e.g. no op was ever ok). */
  unknownReason?: string;
  /** Set when the run ended in an error before its checkers ran. */
  error?: string;
  /** Maelstrom's message statistics, for a Maelstrom system (harness/maelstrom/run-hook.ts). */
  net?: NetStats;
  /** The manifest's clock bound and the largest offset between two nodes' clocks in the run (nemesis/faults/clock-bound.ts). */
  clockBound?: { boundMs: number; maxOffsetMs: number };
  /** Set when an anomaly was found in a run whose clocks went beyond the bound: the verdict is then unknown. */
  outsideContract?: OutsideContract;
  /** Set by `faultline recheck`. */
  rechecked?: { at: string; events: number; partial: boolean };
}

const nullableNum = z.number().nullable();
const statsSchema = z
  .object({
    ok: z.number(),
    fail: z.number(),
    info: z.number(),
    open: z.number().default(0),
    opsPerSec: z.number(),
    latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() }).nullable(),
    okRateInFaults: nullableNum.default(null),
    okRateOutsideFaults: nullableNum.default(null),
    answeredRateInFaults: nullableNum.default(null),
    answeredRateOutsideFaults: nullableNum.default(null),
  })
  .passthrough();

const nodeCrashSchema = z.object({
  node: z.string(),
  timeNs: z.number(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  logTail: z.array(z.string()),
});

const count = z.number().int().nonnegative();
const trafficSchema = z.object({ bytesCut: count, messagesCut: count, bytesDelayed: count, messagesDelayed: count, connectionsCut: count });
const faultRecordSchema = z.object({
  fault: z.string(),
  description: z.string().nullable(),
  startNs: z.number(),
  endNs: z.number().nullable(),
  targets: z.object({ links: z.array(z.string()).optional(), nodes: z.array(z.string()).optional() }),
  effect: z.object({ links: count, traffic: trafficSchema.nullable(), processes: z.array(z.string()), clocks: z.array(z.string()) }).nullable(),
  ops: z.object({ active: count.default(0), invoked: count, failed: count, info: count }),
});

/** The `nodeCrashes` of results.json. */
export const nodeCrashesSchema = z.array(nodeCrashSchema);

/** results.json as read back: what `run` writes, with the lists older runs lacked defaulted. */
export const runResultsSchema = z
  .object({
    valid: z.union([z.boolean(), z.literal('unknown')]),
    exitCode: z.number().int(),
    checkers: z.record(z.object({ valid: z.union([z.boolean(), z.literal('unknown')]), explanation: z.string().optional() }).passthrough()).default({}),
    stats: statsSchema,
    functions: z.record(z.object({ ok: count, fail: count, info: count, refused: count.default(0) })).default({}),
    firstAnomaly: z.object({ index: z.number(), timeNs: z.number().nullable(), summary: z.string() }).passthrough().nullable().default(null),
    durationMs: z.number().nullable().default(null),
    nemesisErrors: z.array(z.string()).default([]),
    nodeCrashes: nodeCrashesSchema.default([]),
    faults: z.array(faultRecordSchema).default([]),
    unknownReason: z.string().optional(),
    error: z.string().optional(),
    rechecked: z.object({ at: z.string(), events: z.number(), partial: z.boolean() }).optional(),
  })
  .passthrough() satisfies z.ZodType<RunResults, z.ZodTypeDef, unknown>;
