/**
 * The workloads by name, as `--workload` takes them (Maelstrom's workload map).
 */
import { listAppend } from './list-append.js';
import { metadata } from './metadata.js';
import { register } from './register.js';
import { rwRegister } from './rw-register.js';
import type { Workload } from './types.js';

/** Every workload faultline can run. */
export const workloads: Readonly<Record<string, Workload>> = {
  register,
  'list-append': listAppend,
  metadata,
  'rw-register': rwRegister,
};

/** Names of the workloads, sorted. */
export function workloadNames(): string[] {
  return Object.keys(workloads).sort();
}

/** What is wrong with options given to a workload: the first bad option and why. */
export interface WorkloadOptionsIssue {
  option: string;
  /** True when the workload does not take the option at all (`takenBy` then names those that do). */
  unknown: boolean;
  message: string;
  takenBy: string[];
}

/**
 * Checks options given to a workload against the workload's own schema. Returns them, or the
 * first issue with them.
 */
export function checkWorkloadOptions(workload: Workload, given: Record<string, unknown>): { options: Record<string, unknown> } | { issue: WorkloadOptionsIssue } {
  const r = workload.options.schema.safeParse(given);
  if (r.success) return { options: r.data as Record<string, unknown> };
  const first = r.error.issues[0]!;
  const option = first.code === 'unrecognized_keys' ? first.keys[0]! : String(first.path[0] ?? '');
  const takenBy = workloadNames().filter((n) => Object.hasOwn(workloads[n]!.options.defaults, option));
  return { issue: { option, unknown: first.code === 'unrecognized_keys', message: first.message, takenBy } };
}
