/**
 * A run's realized nemesis schedule (the run folder's `schedule.json`): each step as the nemesis
 * applied it (its time after the workload phase began, its action, its fault with the targets
 * resolved: the leader it found, the concrete nodes), with the seed and the nemesis config of the
 * run. `faultline run --schedule` follows these steps at these times instead of planning.
 *
 * A replay applies the same faults to the same nodes at the same times; it does not reproduce the
 * interleaving: the nodes are real processes, whose timing (elections, retries, the OS scheduler)
 * differs from one run to the next. A fault once aimed at the leader is replayed on the node that
 * led then, whoever leads now.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../cli/exit.js';
import { shellQuote } from '../run/config.js';
import { parseJsonWithSchema } from '../source-text.js';
import type { RealizedStep } from './nemesis.js';
import { allPackages } from './faults/index.js';
import { FAULT_KINDS, type FaultSpec, type NemesisStep } from './schedule.js';

/** The name of the file in a run folder. */
export const SCHEDULE_FILE = 'schedule.json';

/**
 * The faults a step may apply: every package's, a kind's or a variant's (a latency fault draws a
 * `bandwidth` limit three times in ten, and its schedule records it so).
 */
const STEP_FAULTS = allPackages().map((p) => p.name) as [string, ...string[]];

const stepSchema = z
  .object({
    atMs: z.number().nonnegative().finite(),
    action: z.enum(['start', 'stop']),
    spec: z.object({ fault: z.enum(STEP_FAULTS) }).passthrough(),
  })
  .strict();

export const scheduleSchema = z
  .object({
    format: z.literal('faultline-schedule/1'),
    system: z.string().min(1),
    variant: z.string().min(1),
    /** The run's workload; schedules written before it was kept lack it, and replay the default. */
    workload: z.string().min(1).optional(),
    nodes: z.number().int().positive(),
    seed: z.number().int().nonnegative(),
    timeLimitS: z.number().positive(),
    nemesis: z.object({ faults: z.array(z.enum(FAULT_KINDS)), intervalS: z.number().positive(), overlap: z.boolean() }).strict(),
    /** The schedule file this run replayed, or null for a planned run. */
    replayOf: z.string().nullable().default(null),
    steps: z.array(stepSchema),
  })
  .strict();

export type ScheduleFile = z.infer<typeof scheduleSchema>;

/** The schedule.json of a finished nemesis. */
export function scheduleFile(base: Omit<ScheduleFile, 'steps'>, realized: readonly RealizedStep[]): ScheduleFile {
  return { ...base, steps: realized.map((s) => ({ atMs: Math.round(s.atMs), action: s.action, spec: s.spec as unknown as ScheduleFile['steps'][number]['spec'] })) };
}

/** The schedule file of a run folder, or the file itself. */
export function schedulePath(arg: string): string {
  const path = existsSync(arg) && statSync(arg).isDirectory() ? join(arg, SCHEDULE_FILE) : arg;
  if (!existsSync(path)) throw new UsageError(`--schedule: ${path} does not exist${arg === path ? '' : ' (the run folder has no schedule.json: it was recorded before schedules were saved, or the run ended before its nemesis did)'}`);
  return path;
}

/** Reads a schedule file; a UsageError naming the file, its line and the field that is wrong. */
export function readSchedule(arg: string): { path: string; schedule: ScheduleFile } {
  const path = schedulePath(arg);
  const schedule = parseJsonWithSchema(readFileSync(path, 'utf8'), path, scheduleSchema);
  const at = schedule.steps.findIndex((s, i) => i > 0 && s.atMs < schedule.steps[i - 1]!.atMs);
  if (at > 0) throw new UsageError(`${path}: steps.${at}.atMs: ${schedule.steps[at]!.atMs} is before the step above it; steps are in time order`);
  return { path, schedule };
}

/**
 * The steps to follow: each fault as applied, no longer aimed (it stays on the node it hit, and
 * its aim is kept as `recordedTarget`, for its label), and each stop given the very spec of the
 * start it ends (the nemesis pairs them by identity).
 */
export function replaySteps(schedule: Pick<ScheduleFile, 'steps'>): NemesisStep[] {
  const open: FaultSpec[] = [];
  return schedule.steps.map((s) => {
    const { target, ...rest } = s.spec as Record<string, unknown>;
    const spec = (target === undefined ? rest : { ...rest, recordedTarget: target }) as unknown as FaultSpec;
    if (s.action === 'start') {
      open.push(spec);
      return { atMs: s.atMs, action: 'start', spec };
    }
    const text = JSON.stringify(spec);
    const i = open.findIndex((o) => JSON.stringify(o) === text);
    const start = i >= 0 ? open.splice(i, 1)[0]! : spec;
    return { atMs: s.atMs, action: 'stop', spec: start };
  });
}

/** A fault of a schedule: a start with the stop that ends it (null when the final heal does). */
export interface ScheduledFault {
  start: number;
  stop: number | null;
}

/** The faults of a schedule's steps, by their indexes, in the order they start. */
export function scheduledFaults(steps: readonly NemesisStep[]): ScheduledFault[] {
  const faults: ScheduledFault[] = [];
  steps.forEach((s, i) => {
    if (s.action === 'start') faults.push({ start: i, stop: null });
    else {
      const f = faults.find((x) => x.stop === null && steps[x.start]!.spec === s.spec);
      if (f) f.stop = i;
    }
  });
  return faults;
}

/** The run flags `--schedule` cannot go with: the schedule replaces the nemesis's planning. */
const PLANNING_FLAGS = [
  ['nemesis', '--nemesis'],
  ['nemesisInterval', '--nemesis-interval'],
  ['nemesisOverlap', '--nemesis-overlap'],
] as const;

/** Flags that, given with `--schedule`, must agree with the schedule's run. */
const RUN_OF_SCHEDULE = [
  ['variant', '--variant'],
  ['nodes', '--nodes'],
] as const;

/**
 * The run flags of a replay: the system, variant, workload, node count, seed and time limit default from
 * the schedule's run; a planning flag, or a variant or node count other than the schedule's, is a
 * UsageError.
 */
export function replayFlags<F extends { system?: string; variant?: string; workload?: string; nodes?: string; seed?: string; timeLimit?: string; nemesis?: string; nemesisInterval?: string; nemesisOverlap?: boolean }>(
  flags: F,
  path: string,
  schedule: ScheduleFile,
): F {
  for (const [key, flag] of PLANNING_FLAGS) {
    if (flags[key] !== undefined) throw new UsageError(`${flag} cannot go with --schedule: the schedule's steps replace the nemesis's planning`);
  }
  const own: Record<(typeof RUN_OF_SCHEDULE)[number][0], string> = { variant: schedule.variant, nodes: String(schedule.nodes) };
  for (const [key, flag] of RUN_OF_SCHEDULE) {
    const given = flags[key];
    if (given !== undefined && given !== own[key]) throw new UsageError(`${flag} ${given} conflicts with --schedule ${path}, recorded with ${flag} ${own[key]}`);
  }
  const faults = schedule.nemesis.faults.length ? schedule.nemesis.faults.join(',') : 'none';
  return {
    ...flags,
    system: flags.system ?? schedule.system,
    variant: own.variant,
    ...(flags.workload ?? schedule.workload ? { workload: flags.workload ?? schedule.workload } : {}),
    nodes: own.nodes,
    seed: flags.seed ?? String(schedule.seed),
    timeLimit: flags.timeLimit ?? String(schedule.timeLimitS),
    nemesis: faults,
    nemesisInterval: String(schedule.nemesis.intervalS),
    ...(schedule.nemesis.overlap ? { nemesisOverlap: true } : {}),
  };
}

/** What a replay says of itself, in its terminal output and the help. */
export const REPLAY_CAVEAT = 'the same faults on the same nodes at the same times; the nodes are real processes, so the interleaving of their operations is not reproduced';

/** The command that runs a replay again: the schedule, with the seed and time limit when they differ from its run's. */
export function replayCommand(replay: { path: string; schedule: ScheduleFile }, config: { seed: number; timeLimitS: number }): string {
  const parts = ['faultline', 'run', '--schedule', shellQuote(replay.path)];
  if (config.seed !== replay.schedule.seed) parts.push('--seed', String(config.seed));
  if (config.timeLimitS !== replay.schedule.timeLimitS) parts.push('--time-limit', String(config.timeLimitS));
  return parts.join(' ');
}
