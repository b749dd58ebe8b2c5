/**
 * Every fault kind `--nemesis` accepts, by name, each one package (`./types.ts`). A new kind is a
 * file in this folder and one entry here; the schedule, the nemesis, the CLI help and the report
 * styles all read this index. User-given names are looked up with own-property checks only, so
 * `__proto__` or `constructor` are unknown faults like any other.
 */
import { clock } from './clock.js';
import { disk } from './disk.js';
import { kill } from './kill.js';
import { latency } from './latency.js';
import { message } from './message.js';
import { partition } from './partition.js';
import { pause } from './pause.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import type { FaultManifest, FaultPackage, FaultSpecBase, FaultStyle, JudgedResults } from './types.js';

/** Each kind's package, in the order help texts list the kinds. */
export const FAULT_PACKAGES = Object.freeze({ partition, kill, pause, latency, clock, message, disk });

/** A fault kind `--nemesis` accepts. */
export type FaultKind = keyof typeof FAULT_PACKAGES;

/** One planned fault, of any kind: what the kinds' draws give. */
export type FaultSpec = ReturnType<(typeof FAULT_PACKAGES)[FaultKind]['draw']>;

/** A package of any fault: methods take the spec of its own kind only (see `faultPackage`). */
export type AnyFaultPackage = FaultPackage<FaultSpec>;

/** The fault kinds `--nemesis` accepts, in index order. */
export const FAULT_KINDS = Object.freeze(Object.keys(FAULT_PACKAGES)) as readonly [FaultKind, ...FaultKind[]];

/** Whether `name` is a fault kind (own properties only). */
export function isFaultKind(name: string): name is FaultKind {
  return Object.hasOwn(FAULT_PACKAGES, name);
}

/** The package of a kind. */
export function kindPackage(kind: FaultKind): AnyFaultPackage {
  if (!isFaultKind(kind)) throw new RangeError(`no fault kind named ${JSON.stringify(kind)}`);
  return FAULT_PACKAGES[kind] as AnyFaultPackage;
}

/** Every package, the kinds' and their variants', by the name their specs carry. */
const BY_NAME: ReadonlyMap<string, AnyFaultPackage> = new Map(
  Object.values(FAULT_PACKAGES).flatMap((p: FaultPackage<FaultSpecBase>) => [p, ...(p.variants ?? [])].map((q) => [q.name, q as AnyFaultPackage] as const)),
);

/** Every package, kinds' and variants', in index order. */
export function allPackages(): AnyFaultPackage[] {
  return [...BY_NAME.values()];
}

/** The package that applies a planned fault (a kind's or a variant's). */
export function faultPackage(spec: FaultSpec): AnyFaultPackage {
  const p = BY_NAME.get(spec.fault);
  if (p === undefined) throw new RangeError(`no fault package named ${JSON.stringify(spec.fault)}`);
  return p;
}

/** How reports draw each fault, by the name in its history events (`start-<name>`). */
export function faultStyles(): Record<string, { color: string; label: string }> {
  // No prototype: reports look names up from history files, which may say anything.
  const out: Record<string, FaultStyle> = Object.create(null) as Record<string, FaultStyle>;
  for (const [name, p] of BY_NAME) out[name] = { color: p.style.color, label: p.style.label };
  return out;
}

/** A run's results held to every package's claim rule (`judge`), in index order; `nodes` are the run's node ids. */
export function judgeByFaults<R extends JudgedResults>(results: R, events: readonly HistoryEvent[], manifest: FaultManifest, nodes: readonly string[]): R {
  let out = results;
  for (const p of allPackages()) if (p.judge) out = p.judge(out, events, manifest, nodes);
  return out;
}

/** The claims stored results were judged by, from every package that judges, for a recheck. */
export function recordedManifest(results: Record<string, unknown>): FaultManifest {
  return Object.assign({}, ...allPackages().map((p) => p.recordedManifest?.(results) ?? {})) as FaultManifest;
}
