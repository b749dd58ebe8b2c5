/**
 * What every Maelstrom workload shares: the options of the node harness (the broadcast topology,
 * how long a node may take to answer init, links delivering out of order), added to each
 * workload's own options, and the names of the workloads (Maelstrom's `-w`).
 */
import { z } from 'zod';
import type { Workload, WorkloadOptionsSpec } from '../types.js';

/** Maelstrom's workloads, as `-w` names them. */
export const MAELSTROM_WORKLOADS = [
  'echo',
  'unique-ids',
  'broadcast',
  'g-set',
  'g-counter',
  'pn-counter',
  'lin-kv',
  'txn-list-append',
  'txn-rw-register',
  'kafka',
] as const;

/** The topologies broadcast's `topology` message may describe (Maelstrom's `--topology`). */
export const TOPOLOGIES = ['grid', 'line', 'total', 'tree2', 'tree3', 'tree4'] as const;

/** The options every Maelstrom workload takes. */
export type MaelstromOptions = {
  /** The neighbours broadcast's `topology` message gives each node. */
  topology: (typeof TOPOLOGIES)[number];
  /** How long a node may take to answer `init` (and each setup message) with its `_ok`. */
  initTimeoutMs: number;
  /** Inbound peer messages held a random 0..reorderMs each, so links deliver out of order (0: in order, as TCP). */
  reorderMs: number;
};

/** The zod fields of MaelstromOptions. */
export const maelstromOptionShape = {
  topology: z.enum(TOPOLOGIES).optional(),
  initTimeoutMs: z.number().int().min(100).max(120_000).optional(),
  reorderMs: z.number().int().min(0).max(10_000).optional(),
};

/** The defaults of MaelstromOptions. */
export const MAELSTROM_OPTION_DEFAULTS: MaelstromOptions = { topology: 'grid', initTimeoutMs: 10_000, reorderMs: 0 };

/** A workload's own options with the Maelstrom options added. */
export function withMaelstromOptions(own: WorkloadOptionsSpec | null): WorkloadOptionsSpec {
  const base = own ? (own.schema as unknown as z.AnyZodObject) : z.object({});
  return { schema: base.extend(maelstromOptionShape).strict(), defaults: { ...(own?.defaults ?? {}), ...MAELSTROM_OPTION_DEFAULTS } };
}

/** The Maelstrom options of a run, defaults filled in. */
export function maelstromOptionsOf(given: Record<string, unknown> | undefined): MaelstromOptions {
  const o = { ...MAELSTROM_OPTION_DEFAULTS };
  for (const k of Object.keys(o) as (keyof MaelstromOptions)[]) if (given?.[k] !== undefined) (o as Record<string, unknown>)[k] = given[k];
  return o;
}

/** Options without the Maelstrom ones: what the workload's own schema takes. */
export function ownOptions(given: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given ?? {})) if (!Object.hasOwn(maelstromOptionShape, k)) out[k] = v;
  return out;
}

/**
 * A faultline workload under a Maelstrom name, taking the Maelstrom options too; its generator
 * and checker see only their own options.
 */
export function asMaelstrom(name: string, description: string, w: Workload): Workload {
  return {
    ...w,
    name,
    description,
    options: withMaelstromOptions(w.options),
    generator: (opts) => w.generator({ ...opts, workloadOptions: ownOptions(opts.workloadOptions) }),
    checker: (history, opts) => w.checker(history, { ...opts, workloadOptions: ownOptions(opts.workloadOptions) }),
  };
}
