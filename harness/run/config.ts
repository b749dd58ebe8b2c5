/**
 * A run's configuration: plain data, validated with zod, built from the command-line flags (or,
 * later, a suite file). Every bad value is a UsageError with one line naming the flag.
 *
 *   { system, variant, workload, nodes, concurrency, rateOpsPerSec, timeLimitS, nemesis,
 *     nemesisIntervalS, seed, toxiproxy, opTimeoutMs, workloadOptions, resultsDir, runDir }
 */
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { UsageError } from '../cli/exit.js';
import { findSystem, type SystemManifest } from '../cluster/manifest.js';
import { DEFAULT_FAULT_KINDS, FAULT_KINDS, usableFaults, type FaultKind } from '../nemesis/schedule.js';
import { freshSeed } from '../random.js';
import type { ScheduleFile } from '../nemesis/replay.js';
import { parseDecimalInt, parseDecimalNumber, type NumberBounds } from '../cli/flags.js';
import { LIMITS, PHASE_LIMITS } from './limits.js';
import { checkWorkloadOptions, workloadNames, workloads } from '../../workloads/index.js';
import type { JudgedModel, Workload } from '../../workloads/types.js';

export { LIMITS, PHASE_LIMITS };

/** The consistency a workload's checkers judge (`Workload.judges`, with its default). */
export function judgedModel(workload: Pick<Workload, 'judges' | 'transactional'>): JudgedModel {
  return workload.judges ?? (workload.transactional === true ? 'transactional' : 'linearizable');
}

/**
 * The numeric options of a run, each with its flag and bounds: the one table by which `run` parses
 * its flags, suite files validate their fields and `compare` its own, and from which argv is made.
 */
export const RUN_NUMBERS = {
  nodes: { flag: '--nodes', int: true, min: 1, max: LIMITS.nodesMax },
  concurrency: { flag: '--concurrency', int: true, min: 1, max: LIMITS.concurrencyMax },
  rateOpsPerSec: { flag: '--rate', int: false, positive: true, max: LIMITS.rateOpsPerSecMax },
  timeLimitS: { flag: '--time-limit', int: false, positive: true, max: LIMITS.timeLimitSMax },
  nemesisIntervalS: { flag: '--nemesis-interval', int: false, positive: true, max: LIMITS.nemesisIntervalSMax },
  opTimeoutMs: { flag: '--op-timeout', int: true, positive: true, max: LIMITS.opTimeoutMsMax },
  seed: { flag: '--seed', int: true, min: 0, max: LIMITS.seedMax },
  minOkPerF: { flag: '--min-ok-per-f', int: true, min: 0, max: LIMITS.vacuityThresholdMax },
  minObservedReads: { flag: '--min-observed-reads', int: true, min: 0, max: LIMITS.vacuityThresholdMax },
  minEffectiveFaults: { flag: '--min-effective-faults', int: true, min: 0, max: LIMITS.vacuityThresholdMax },
} as const satisfies Record<string, { flag: string; int: boolean } & NumberBounds>;

export type RunNumber = keyof typeof RUN_NUMBERS;

/**
 * The thresholds below which a run that found no anomaly is `unknown` rather than valid (README,
 * "Verdicts"): ok ops per function, ok reads that saw a value written in the run, and faults that
 * touched the traffic or the processes while clients ran (when the nemesis started any). 0 turns
 * a rule off.
 */
export const VACUITY_DEFAULTS = { minOkPerF: 1, minObservedReads: 1, minEffectiveFaults: 1 } as const;

/** The threshold options of a run. */
export type VacuityThresholds = { -readonly [K in keyof typeof VACUITY_DEFAULTS]: number };

/** Parses the text of a numeric run option (decimal only); a UsageError naming its flag. */
export function parseRunNumber(key: RunNumber, text: string, bounds: NumberBounds = {}): number {
  const { flag, int, ...own } = RUN_NUMBERS[key];
  const b = { ...own, ...bounds };
  return int ? parseDecimalInt(flag, text, b) : parseDecimalNumber(flag, text, b);
}

/** The zod schema of a numeric run option, for files that set it (suite files). */
export function runNumberSchema(key: RunNumber): z.ZodNumber {
  const spec: { int: boolean } & NumberBounds = RUN_NUMBERS[key];
  let s = z.number();
  if (spec.int) s = s.int();
  if (spec.positive) s = s.positive();
  if (spec.min !== undefined) s = s.min(spec.min);
  if (spec.max !== undefined) s = s.max(spec.max);
  return s;
}

export const runConfigSchema = z.object({
  system: z.string().min(1),
  variant: z.string().min(1),
  workload: z.string().min(1),
  nodes: runNumberSchema('nodes'),
  concurrency: runNumberSchema('concurrency'),
  rateOpsPerSec: runNumberSchema('rateOpsPerSec'),
  timeLimitS: runNumberSchema('timeLimitS'),
  nemesis: z.array(z.enum(FAULT_KINDS)),
  nemesisIntervalS: runNumberSchema('nemesisIntervalS'),
  /** Each fault kind on its own schedule, so that faults of different kinds overlap. */
  nemesisOverlap: z.boolean().default(false),
  /**
   * The combined default nemesis (no `--nemesis`, or `--nemesis default`): `nemesis` is every
   * kind of DEFAULT_FAULT_KINDS the cluster can take, overlapping, lengths and gaps log-uniform
   * (`nemesisIntervalS` and `nemesisOverlap` are not used).
   */
  nemesisDefault: z.boolean().default(false),
  seed: runNumberSchema('seed'),
  /** "embedded", or the URL of an external toxiproxy-server. */
  toxiproxy: z.string().min(1),
  opTimeoutMs: runNumberSchema('opTimeoutMs'),
  /**
   * The workload's own options as given (`--consistency-model`, `--workload-options`, a suite
   * entry's `workloadOptions`), checked by the workload's schema; the workload fills in the rest.
   */
  workloadOptions: z.record(z.string(), z.unknown()).default({}),
  minOkPerF: runNumberSchema('minOkPerF').default(VACUITY_DEFAULTS.minOkPerF),
  minObservedReads: runNumberSchema('minObservedReads').default(VACUITY_DEFAULTS.minObservedReads),
  minEffectiveFaults: runNumberSchema('minEffectiveFaults').default(VACUITY_DEFAULTS.minEffectiveFaults),
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
  minOkPerF?: string;
  minObservedReads?: string;
  minEffectiveFaults?: string;
  consistencyModel?: string;
  /** `--workload-options`: a JSON object. */
  workloadOptions?: string;
  resultsDir?: string;
  runDir?: string;
}

/** The `--nemesis` value that asks for the combined default. */
export const DEFAULT_NEMESIS = 'default';

/**
 * Whether a run takes the combined default nemesis: `--nemesis default`, or none of `--nemesis`,
 * `--nemesis-interval` and `--nemesis-overlap` (any of them keeps the one-at-a-time
 * `partition,kill` of earlier versions, so old command lines run as they did).
 */
export function usesDefaultNemesis(flags: Pick<RunFlags, 'nemesis' | 'nemesisInterval' | 'nemesisOverlap'>): boolean {
  if (flags.nemesis !== undefined) return flags.nemesis.trim() === DEFAULT_NEMESIS;
  return flags.nemesisInterval === undefined && flags.nemesisOverlap !== true;
}

/** Parses `--nemesis partition,kill` (or `none`; `default` is the caller's, see usesDefaultNemesis). */
export function parseNemesis(text: string): FaultKind[] {
  const t = text.trim();
  if (t === 'none' || t === '') return [];
  const out: FaultKind[] = [];
  for (const part of t.split(',').map((s) => s.trim())) {
    if (!(FAULT_KINDS as readonly string[]).includes(part)) {
      throw new UsageError(`--nemesis: unknown fault "${part}" (known: ${FAULT_KINDS.join(', ')}, or none, or default)`);
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
  /** The schedule file a replay follows instead of planning (`--schedule`). */
  replay?: { path: string; schedule: ScheduleFile };
  config: RunConfig;
  manifest: SystemManifest;
  workload: Workload;
}

/** Turns flags into a validated config; any bad flag is a one-line UsageError. */
export function resolveRunFlags(flags: RunFlags, note: (text: string) => void = () => {}): ResolvedRun {
  return resolveRunConfig(flags, findSystem(flags.system ?? defaultSystem(note)));
}

/** A name given by the user looked up among the own keys of a table (never `__proto__` & co.). */
function known<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * Turns flags into a validated config for a system whose manifest is at hand: what `run` does with
 * its flags and `suite` with each entry before any of them runs.
 */
export function resolveRunConfig(flags: RunFlags, manifest: SystemManifest): ResolvedRun {
  const variantNames = Object.keys(manifest.variants);
  const variant = flags.variant ?? manifest.defaultVariant ?? (variantNames[0] as string);
  if (known(manifest.variants, variant) === undefined) {
    throw new UsageError(`unknown variant "${variant}" of ${manifest.name} (known: ${variantNames.join(', ')})`);
  }
  const workloadName = flags.workload ?? (Object.hasOwn(manifest.variantWorkloads ?? {}, variant) ? manifest.variantWorkloads![variant] : undefined) ?? manifest.defaultWorkload ?? 'register';
  const workload = known(workloads, workloadName);
  if (!workload) throw new UsageError(`unknown workload "${workloadName}" (known: ${workloadNames().join(', ')})`);
  const judged = judgedModel(workload);
  if (manifest.consistency === 'eventual' && judged !== 'eventual') {
    throw new UsageError(`${manifest.name} claims eventual consistency, and the ${workloadName} workload would judge it by ${judged === 'transactional' ? 'a transactional model' : 'linearizability'} (it serves: ${manifest.workloads.join(', ')})`);
  }
  if (!manifest.workloads.includes(workloadName)) {
    throw new UsageError(`${manifest.name} does not serve the ${workloadName} workload (it serves: ${manifest.workloads.join(', ')})`);
  }
  const workloadOptions = workloadOptionsOfFlags(flags, workloadName, workload);
  const ownOptions = manifest.workloadOptions?.[workloadName];
  if (ownOptions !== undefined) validateWorkloadOptions(workloadName, workload, ownOptions, (option) => `${manifest.manifestPath}: workloadOptions.${workloadName}.${option}`);
  const num = (key: RunNumber, text: string | undefined, bounds: NumberBounds = {}) => (text === undefined ? undefined : parseRunNumber(key, text, bounds));
  const nodes = num('nodes', flags.nodes, { min: manifest.nodes.min, max: Math.min(manifest.nodes.max, LIMITS.nodesMax) }) ?? manifest.nodes.default;
  const nemesisDefault = usesDefaultNemesis(flags);
  const raw = {
    system: manifest.name,
    variant,
    workload: workloadName,
    nodes,
    concurrency: num('concurrency', flags.concurrency) ?? Math.min(2 * nodes, LIMITS.concurrencyMax),
    rateOpsPerSec: num('rateOpsPerSec', flags.rate) ?? 100,
    timeLimitS: num('timeLimitS', flags.timeLimit) ?? 20,
    nemesis: nemesisDefault ? usableFaults(DEFAULT_FAULT_KINDS, nodes, manifest.messageTypes ?? [], manifest) : parseNemesis(flags.nemesis ?? 'partition,kill'),
    nemesisDefault,
    nemesisIntervalS: num('nemesisIntervalS', flags.nemesisInterval) ?? 5,
    nemesisOverlap: flags.nemesisOverlap === true,
    seed: num('seed', flags.seed) ?? freshSeed(),
    toxiproxy: flags.toxiproxy ?? 'embedded',
    opTimeoutMs: num('opTimeoutMs', flags.opTimeout) ?? workload.opTimeoutMs ?? 1000,
    workloadOptions,
    minOkPerF: num('minOkPerF', flags.minOkPerF) ?? VACUITY_DEFAULTS.minOkPerF,
    minObservedReads: num('minObservedReads', flags.minObservedReads) ?? VACUITY_DEFAULTS.minObservedReads,
    minEffectiveFaults: num('minEffectiveFaults', flags.minEffectiveFaults) ?? VACUITY_DEFAULTS.minEffectiveFaults,
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

/** Workload options that have a flag of their own besides `--workload-options`. */
const WORKLOAD_OPTION_FLAGS: Readonly<Record<string, string>> = { consistencyModel: '--consistency-model' };

/**
 * Checks options given to a workload by the workload's own schema; a UsageError for the first bad
 * one, naming it as `label(option)` says (a flag, or a field of a suite file).
 */
export function validateWorkloadOptions(
  workloadName: string,
  workload: Workload,
  given: Record<string, unknown>,
  label: (option: string) => string,
): Record<string, unknown> {
  const r = checkWorkloadOptions(workload, given);
  if ('options' in r) return r.options;
  const { option, unknown, message, takenBy } = r.issue;
  if (!unknown) throw new UsageError(`${label(option)}: ${message}`);
  if (takenBy.length === 0) throw new UsageError(`${label(option)}: no workload takes this option (the ${workloadName} workload takes: ${Object.keys(workload.options.defaults).join(', ') || 'none'})`);
  const kind = takenBy.every((n) => workloads[n]!.transactional === true) ? 'the transactional workloads' : 'the workloads';
  throw new UsageError(`${label(option)} applies to ${kind} (${takenBy.join(', ')}), not to ${workloadName}`);
}

/** The workload options of `--workload-options` and the flags of single options, checked. */
function workloadOptionsOfFlags(flags: RunFlags, workloadName: string, workload: Workload): Record<string, unknown> {
  // No prototype, so that a "__proto__" option is an option like any other (and refused).
  const given = Object.create(null) as Record<string, unknown>;
  const from = new Map<string, string>();
  if (flags.workloadOptions !== undefined) {
    let v: unknown;
    try {
      v = JSON.parse(flags.workloadOptions);
    } catch (err) {
      throw new UsageError(`--workload-options: not valid JSON (${(err as Error).message})`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UsageError('--workload-options: must be a JSON object such as {"consistencyModel":"serializable"}');
    for (const [k, x] of Object.entries(v)) {
      given[k] = x;
      from.set(k, `--workload-options: ${k}`);
    }
  }
  for (const [option, flag] of Object.entries(WORKLOAD_OPTION_FLAGS)) {
    // commander names a flag's value by the flag in camel case, which is the option's name.
    const value = (flags as Record<string, unknown>)[option];
    if (value === undefined) continue;
    if (Object.hasOwn(given, option)) throw new UsageError(`${flag}: ${option} is given by --workload-options too`);
    given[option] = value;
    from.set(option, flag);
  }
  return validateWorkloadOptions(workloadName, workload, given, (option) => from.get(option) ?? option);
}

/**
 * The flags of `faultline run`: commander's flag syntax, and the help line. `run` registers them,
 * and `parseRunArgv` reads a suite entry's `args` with the very same table.
 */
export const RUN_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['--system <name|path>', 'system name, or path to its faultline.system.json (default: raftkv if built)'],
  ['--variant <name>', "variant of the system (default: the manifest's defaultVariant)"],
  ['--workload <name>', 'workload (default: register)'],
  ['--nodes <n>', "number of nodes (default: the manifest's default)"],
  ['--concurrency <n>', 'client workers (default: 2 x nodes)'],
  ['--rate <ops/s>', 'ops per second over all workers (default: 100)'],
  ['--time-limit <s>', 'seconds of the main phase (default: 20)'],
  [
    '--nemesis <list>',
    `faults: any of ${FAULT_KINDS.join(',')}, one at a time every --nemesis-interval; or none; or default (the default): every kind the system can take, ` +
      'overlapping (at most two at once), each on its own seeded stream, faults of 0.5 to 6 s and gaps of 1 to 12 s drawn log-uniformly, aimed at one node, a minority, a majority, the leader, a minority with the leader or all',
  ],
  ['--nemesis-interval <s>', 'seconds between fault changes of a --nemesis list (default: 5; given alone: --nemesis partition,kill)'],
  ['--nemesis-overlap', 'each fault kind of a --nemesis list on its own schedule, so faults of different kinds overlap'],
  ['--seed <n>', 'root seed (default: a fresh one, printed in the repro command)'],
  ['--toxiproxy <url>', 'use an external toxiproxy-server instead of the embedded one'],
  ['--op-timeout <ms>', "time an op may take before it is recorded info (default: the workload's, else 1000)"],
  ['--min-ok-per-f <n>', 'unknown, not valid, when a function (read, write, cas, txn...) had fewer ops ok or refused on their merits (default: 1; 0: off)'],
  ['--min-observed-reads <n>', 'unknown, not valid, when fewer ok reads saw a value written in the run (default: 1; 0: off)'],
  ['--min-effective-faults <n>', 'unknown, not valid, when fewer faults cut or delayed traffic, or stopped a process or set a clock, while clients ran (default: 1; 0: off; a run that started no fault is not judged by it)'],
  ['--consistency-model <model>', 'list-append, rw-register: the model to check the transactions against (default: strict-serializable)'],
  ['--workload-options <json>', 'options of the workload as a JSON object, e.g. {"consistencyModel":"serializable"}'],
  ['--results-dir <dir>', 'folder of run folders (default: results)'],
  ['--run-dir <dir>', 'use exactly this folder for the run'],
  ['--log-messages', 'nodes log their peer messages, drawn as a message diagram in the report'],
];

/** Registers the run flags on a commander command. */
export function addRunFlags(cmd: Command): Command {
  for (const [flags, description] of RUN_FLAGS) cmd.option(flags, description);
  return cmd;
}

/** Reads `faultline run` arguments (without the `run` word) into flags; a bad one is a UsageError. */
export function parseRunArgv(argv: readonly string[]): RunFlags {
  const cmd = addRunFlags(new Command('run'))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .allowExcessArguments(false);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new UsageError(err.message.replace(/^error: /, ''));
    throw err;
  }
  return cmd.opts<RunFlags>();
}

/** Quotes an argument for a POSIX shell only when it needs it. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A number as a decimal flag value: `String` writes 1e-7 and 1e21 with an exponent, which the
 * decimal-only flag parser refuses; here they are written out in full (the same double back).
 */
export function formatDecimal(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = `${lead}${frac}`;
  const point = 1 + Number(expText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * A run's options as `faultline run` takes them: the system (a name or a manifest path) and any of
 * the config's fields, the ones left out keeping run's defaults.
 */
export type RunArgvSpec = { system: string; nemesis: readonly string[]; args?: readonly string[] } & Partial<
  Pick<RunConfig, 'variant' | 'workload' | RunNumber | 'nemesisOverlap' | 'nemesisDefault' | 'toxiproxy' | 'logMessages' | 'workloadOptions'>
> & { runDir?: string | null };

/**
 * The one way from a config to `faultline run` arguments (without the `run` word): the repro
 * line of a run and the argv of a suite's or a comparison's child run.
 */
export function runArgv(spec: RunArgvSpec): string[] {
  const a: string[] = ['--system', spec.system];
  if (spec.variant !== undefined) a.push('--variant', spec.variant);
  if (spec.workload !== undefined) a.push('--workload', spec.workload);
  const n = (key: RunNumber) => {
    const v = spec[key];
    if (v !== undefined) a.push(RUN_NUMBERS[key].flag, formatDecimal(v));
  };
  n('nodes');
  n('concurrency');
  n('rateOpsPerSec');
  n('timeLimitS');
  if (spec.nemesisDefault === true) a.push('--nemesis', DEFAULT_NEMESIS);
  else {
    a.push('--nemesis', spec.nemesis.length ? spec.nemesis.join(',') : 'none');
    n('nemesisIntervalS');
  }
  n('opTimeoutMs');
  n('seed');
  // Thresholds only when they differ from the defaults, so that repro lines stay short.
  for (const key of Object.keys(VACUITY_DEFAULTS) as (keyof typeof VACUITY_DEFAULTS)[]) if (spec[key] !== VACUITY_DEFAULTS[key]) n(key);
  if (spec.nemesisOverlap && spec.nemesisDefault !== true) a.push('--nemesis-overlap');
  if (spec.toxiproxy !== undefined && spec.toxiproxy !== 'embedded') a.push('--toxiproxy', spec.toxiproxy);
  if (spec.logMessages) a.push('--log-messages');
  // Options with a flag of their own go by it (as a user would write them), the rest as JSON.
  const rest: Record<string, unknown> = {};
  for (const [option, value] of Object.entries(spec.workloadOptions ?? {})) {
    const flag = Object.hasOwn(WORKLOAD_OPTION_FLAGS, option) ? WORKLOAD_OPTION_FLAGS[option] : undefined;
    if (flag !== undefined && typeof value === 'string') a.push(flag, value);
    else rest[option] = value;
  }
  if (Object.keys(rest).length > 0) a.push('--workload-options', JSON.stringify(rest));
  a.push(...(spec.args ?? []));
  if (spec.runDir !== undefined && spec.runDir !== null) a.push('--run-dir', spec.runDir);
  return a;
}

/** The command line that reproduces a run (the system given by name or by its manifest path). */
export function reproCommand(config: RunConfig, systemArg: string): string {
  const { runDir: _runDir, resultsDir: _resultsDir, ...rest } = config;
  return ['faultline', 'run', ...runArgv({ ...rest, system: systemArg })].map(shellQuote).join(' ');
}
