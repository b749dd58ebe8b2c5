/**
 * The workloads by name, as `--workload` takes them (Maelstrom's workload map).
 */
import { listAppend } from './list-append.js';
import { register } from './register.js';
import { rwRegister } from './rw-register.js';
import type { Workload } from './types.js';

/** Every workload faultline can run. */
export const workloads: Readonly<Record<string, Workload>> = {
  register,
  'list-append': listAppend,
  'rw-register': rwRegister,
};

/** Names of the workloads, sorted. */
export function workloadNames(): string[] {
  return Object.keys(workloads).sort();
}
