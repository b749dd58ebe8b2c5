/**
 * The workloads by name, as `--workload` takes them (Maelstrom's workload map).
 */
import { counter } from './counter.js';
import { listAppend } from './list-append.js';
import { lock } from './lock.js';
import { metadata } from './metadata.js';
import { register } from './register.js';
import { rwRegister } from './rw-register.js';
import { set } from './set.js';
import type { Workload } from './types.js';
import { watch } from './watch.js';
import { echo } from './maelstrom/echo.js';
import { asMaelstrom } from './maelstrom/options.js';
import { uniqueIds } from './maelstrom/unique-ids.js';
import { kafka } from './maelstrom/kafka.js';
import { broadcast, gCounter, gSet, pnCounter } from './maelstrom/collections.js';

/** Every workload faultline can run. */
export const workloads: Readonly<Record<string, Workload>> = {
  register,
  'list-append': listAppend,
  metadata,
  'rw-register': rwRegister,
  set,
  counter,
  lock,
  watch,
  // Maelstrom's workloads, for Maelstrom nodes (`faultline maelstrom test`, docs/maelstrom.md).
  echo,
  'unique-ids': uniqueIds,
  'lin-kv': asMaelstrom('lin-kv', "Maelstrom's lin-kv: read/write/cas on independent keys, each key a linearizable cas-register", register),
  'txn-list-append': asMaelstrom('txn-list-append', "Maelstrom's txn-list-append: transactions of appends and reads, checked by the Elle-class checker (strict serializable by default)", listAppend),
  kafka,
  broadcast,
  'g-set': gSet,
  'g-counter': gCounter,
  'pn-counter': pnCounter,
  'txn-rw-register': asMaelstrom('txn-rw-register', "Maelstrom's txn-rw-register: transactions of writes and reads, checked by the Elle-class checker (strict serializable by default)", rwRegister),
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
