/**
 * A run's configuration: plain data, validated with zod, built from the command-line flags (or,
 * later, a suite file). Every bad value is a UsageError with one line naming the flag.
 *
 *   { system, variant, workload, nodes, concurrency, rateOpsPerSec, timeLimitS, nemesis,
 *     nemesisIntervalS, seed, toxiproxy, opTimeoutMs, consistencyModel, resultsDir, runDir }
 */
import { z } from 'zod';
import { UsageError } from '../cli/exit.js';
import { findSystem, type SystemManifest } from '../cluster/manifest.js';
import { FAULT_KINDS, type FaultKind } from '../nemesis/schedule.js';
import { CONSISTENCY_MODELS, isConsistencyModel } from '../../checkers/transactional/index.js';
import { freshSeed, SEED_MAX } from '../random.js';
import { workloadNames, workloads } from '../../workloads/index.js';
import type { Workload } from '../../workloads/types.js';

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

/** Limits on the numbers a run takes. */
export const LIMITS = {
  nodesMax: 64,
  concurrencyMax: 1000,
  rateOpsPerSecMax: 100_000,
  timeLimitSMax: 86_400,
  nemesisIntervalSMax: 3600,
  opTimeoutMsMax: 600_000,
} as const;

export const runConfigSchema = z.object({
  system: z.string().min(1),
  variant: z.string().min(1),
  workload: z.string().min(1),
  nodes: z.number().int().min(1).max(LIMITS.nodesMax),
  concurrency: z.number().int().min(1).max(LIMITS.concurrencyMax),
  rateOpsPerSec: z.number().positive().max(LIMITS.rateOpsPerSecMax),
  timeLimitS: z.number().positive().max(LIMITS.timeLimitSMax),
  nemesis: z.array(z.enum(FAULT_KINDS)),
  nemesisIntervalS: z.number().positive().max(LIMITS.nemesisIntervalSMax),
  /** Each fault kind on its own schedule, so that faults of different kinds overlap. */
  nemesisOverlap: z.boolean().default(false),
  seed: z.number().int().min(0).max(SEED_MAX),
  /** "embedded", or the URL of an external toxiproxy-server. */
  toxiproxy: z.string().min(1),
  opTimeoutMs: z.number().int().positive().max(LIMITS.opTimeoutMsMax),
  /** Transactional workloads: the model the history is checked against (null: strict-serializable). */
  consistencyModel: z.enum(CONSISTENCY_MODELS).nullable().default(null),
  resultsDir: z.string().min(1),
  /** Use exactly this folder for the run (else a new one under resultsDir). */
  runDir: z.string().min(1).nullable(),
  /** Nodes log every peer message (`@msg` lines), which the report draws as a message diagram. */
  logMessages: z.boolean().default(false),
});

/** A validated run configuration. */
export type RunConfig = z.infer<typeof runConfigSchema>;

/** The flags of `faultline run`, as commander hands them over (strings, all optional). */
export interface RunFlags {
  system?: string;
  variant?: string;
  workload?: string;
  nodes?: string;
  concurrency?: string;
  rate?: string;
  timeLimit?: string;
  nemesis?: string;
  nemesisInterval?: string;
  nemesisOverlap?: boolean;
  seed?: string;
  toxiproxy?: string;
  logMessages?: boolean;
  opTimeout?: string;
  consistencyModel?: string;
  resultsDir?: string;
  runDir?: string;
}

function number(flag: string, text: string | undefined, opts: { integer?: boolean; min?: number; max: number; positive?: boolean }): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  const what = opts.integer ? 'an integer' : 'a number';
  if (text.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
    throw new UsageError(`--${flag} must be ${what}, got "${text}"`);
  }
  if (opts.positive && !(v > 0)) throw new UsageError(`--${flag} must be greater than 0, got ${text}`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${flag} must be at least ${opts.min}, got ${text}`);
  if (v > opts.max) throw new UsageError(`--${flag} must be at most ${opts.max}, got ${text}`);
  return v;
}

/** Parses `--nemesis partition,kill` (or `none`). */
export function parseNemesis(text: string): FaultKind[] {
  const t = text.trim();
  if (t === 'none' || t === '') return [];
  const out: FaultKind[] = [];
  for (const part of t.split(',').map((s) => s.trim())) {
    if (!(FAULT_KINDS as readonly string[]).includes(part)) {
      throw new UsageError(`--nemesis: unknown fault "${part}" (known: ${FAULT_KINDS.join(', ')}, or none)`);
    }
    if (!out.includes(part as FaultKind)) out.push(part as FaultKind);
  }
  return out;
}

/** The default system: raftkv when it is built, else the atomic-kv fixture (with a note). */
export function defaultSystem(note: (text: string) => void): string {
  try {
    findSystem('raftkv');
    return 'raftkv';
  } catch {
    note('faultline: raftkv is not built; running the atomic-kv test fixture instead (pass --system to choose)');
    return 'atomic-kv';
  }
}

/** A run config with its system manifest and workload resolved. */
export interface ResolvedRun {
  config: RunConfig;
  manifest: SystemManifest;
  workload: Workload;
}

/** Turns flags into a validated config; any bad flag is a one-line UsageError. */
export function resolveRunFlags(flags: RunFlags, note: (text: string) => void = () => {}): ResolvedRun {
  const manifest = findSystem(flags.system ?? defaultSystem(note));
  const variant = flags.variant ?? manifest.defaultVariant ?? (Object.keys(manifest.variants)[0] as string);
  if (!(variant in manifest.variants)) {
    throw new UsageError(`unknown variant "${variant}" of ${manifest.name} (known: ${Object.keys(manifest.variants).join(', ')})`);
  }
  const workloadName = flags.workload ?? 'register';
  const workload = workloads[workloadName];
  if (!workload) throw new UsageError(`unknown workload "${workloadName}" (known: ${workloadNames().join(', ')})`);
  if (!manifest.workloads.includes(workloadName)) {
    throw new UsageError(`${manifest.name} does not serve the ${workloadName} workload (it serves: ${manifest.workloads.join(', ')})`);
  }
  let consistencyModel: string | null = null;
  if (flags.consistencyModel !== undefined) {
    if (workload.transactional !== true) {
      throw new UsageError(`--consistency-model applies to the transactional workloads (list-append, rw-register), not to ${workloadName}`);
    }
    if (!isConsistencyModel(flags.consistencyModel)) {
      throw new UsageError(`--consistency-model: unknown model "${flags.consistencyModel}" (known: ${CONSISTENCY_MODELS.join(', ')})`);
    }
    consistencyModel = flags.consistencyModel;
  }
  const nodes = number('nodes', flags.nodes, { integer: true, min: manifest.nodes.min, max: Math.min(manifest.nodes.max, LIMITS.nodesMax) }) ?? manifest.nodes.default;
  const raw = {
    system: manifest.name,
    variant,
    workload: workloadName,
    nodes,
    concurrency: number('concurrency', flags.concurrency, { integer: true, min: 1, max: LIMITS.concurrencyMax }) ?? 2 * nodes,
    rateOpsPerSec: number('rate', flags.rate, { positive: true, max: LIMITS.rateOpsPerSecMax }) ?? 100,
    timeLimitS: number('time-limit', flags.timeLimit, { positive: true, max: LIMITS.timeLimitSMax }) ?? 20,
    nemesis: parseNemesis(flags.nemesis ?? 'partition,kill'),
    nemesisIntervalS: number('nemesis-interval', flags.nemesisInterval, { positive: true, max: LIMITS.nemesisIntervalSMax }) ?? 5,
    nemesisOverlap: flags.nemesisOverlap === true,
    seed: number('seed', flags.seed, { integer: true, min: 0, max: SEED_MAX }) ?? freshSeed(),
    toxiproxy: flags.toxiproxy ?? 'embedded',
    opTimeoutMs: number('op-timeout', flags.opTimeout, { integer: true, positive: true, max: LIMITS.opTimeoutMsMax }) ?? 1000,
    consistencyModel,
    resultsDir: flags.resultsDir ?? 'results',
    runDir: flags.runDir ?? null,
    logMessages: flags.logMessages === true,
  };
  if (raw.toxiproxy !== 'embedded' && !/^https?:\/\/[^\s/]+/.test(raw.toxiproxy)) {
    throw new UsageError(`--toxiproxy must be a URL like http://127.0.0.1:8474, got "${raw.toxiproxy}"`);
  }
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`bad run config: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { config: parsed.data, manifest, workload };
}

/** Quotes an argument for a POSIX shell only when it needs it. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command line that reproduces a run (the system given by name or by its manifest path). */
export function reproCommand(config: RunConfig, systemArg: string): string {
  const parts = [
    'faultline run',
    `--system ${shellQuote(systemArg)}`,
    `--variant ${shellQuote(config.variant)}`,
    `--workload ${shellQuote(config.workload)}`,
    `--nodes ${config.nodes}`,
    `--concurrency ${config.concurrency}`,
    `--rate ${config.rateOpsPerSec}`,
    `--time-limit ${config.timeLimitS}`,
    `--nemesis ${config.nemesis.length ? config.nemesis.join(',') : 'none'}`,
    `--nemesis-interval ${config.nemesisIntervalS}`,
    `--op-timeout ${config.opTimeoutMs}`,
    `--seed ${config.seed}`,
  ];
  if (config.nemesisOverlap) parts.push('--nemesis-overlap');
  if (config.toxiproxy !== 'embedded') parts.push(`--toxiproxy ${shellQuote(config.toxiproxy)}`);
  if (config.logMessages) parts.push('--log-messages');
  if (config.consistencyModel !== null) parts.push(`--consistency-model ${config.consistencyModel}`);
  return parts.join(' ');
}
