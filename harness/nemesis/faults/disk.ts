/**
 * Damaged files on a stopped node, as Jepsen's file-corruption nemesis: kill -9 one node (often
 * the leader), then, before its restart, cut a few bytes off the tail of one of the files in its
 * data dir or flip one bit in it, then start it again. What was done (file, offset, bytes or bit)
 * and how the node came back are written into the fault's value and description.
 *
 * A system says in its manifest what it claims (`disk`, docs/protocol.md section 1), and
 * `holdToDiskClaim` (the package's `judge`) holds the run's verdict to it: under `detects` the node must refuse to start
 * with exit code 3, or start only having cut the damage away as a torn tail (the checkers then
 * judge whether that lost acknowledged data); under `survives` it may refuse (exit 3) or start,
 * and the checkers judge the data; any other exit at the restart is a crash under both. Without
 * a claim the fault is unusable. After a refusal the harness puts the file's bytes back (it kept them) and starts the node
 * again, as an operator restoring a backup would, so that the run goes on.
 *
 * The cut is 1 to 16 bytes: a lost last write, shorter than any framed record, so that a checksum
 * can see it. A cut of whole records leaves a log that no checksum can tell from an older one; no
 * claim could cover it, so this fault does not make it.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import type { CheckerResult } from '../../../workloads/types.js';
import { exitCodeForVerdict } from '../../cli/exit.js';
import { NodeStartError } from '../../cluster/launcher.js';
import { DISK_CLAIMS, type DiskClaim } from '../../cluster/manifest.js';
import { LEADER_TARGET_P, settledErrors } from './common.js';
import type { FaultPackage, FaultTarget, JudgedResults } from './types.js';

/** The exit code of a node that refuses to start from damaged files (`EXIT_DISK_DAMAGED` of systems/lib/node.ts). */
export const EXIT_DISK_DAMAGED = 3;

/** Bytes a cut takes off a file's tail. */
const CUT_BYTES = { min: 1, max: 16 } as const;

/** What was done to the file, once the fault started. */
export interface DiskDamage {
  /** The file, relative to the node's data dir. */
  file: string;
  /** Its size before the damage. */
  size: number;
  /** The first byte cut, or the byte whose bit was flipped. */
  offset: number;
  /** Bytes cut (truncate). */
  bytes?: number;
  /** The bit flipped, 0 (least significant) to 7 (bitflip). */
  bit?: number;
}

/** How the node came back after the damage. */
export interface DiskOutcome {
  /** It printed `ready` from the damaged files. */
  started: boolean;
  /** Its exit code when it did not start (null when it was killed or timed out). */
  exitCode: number | null;
  /**
   * When it started: whether the damage was still in place once it was ready (the file still
   * began with the damaged bytes, up to and with the damage), rather than cut away as a torn tail.
   */
  kept?: boolean;
}

/** One planned fault: damage to one file of one stopped node. */
export interface DiskSpec {
  fault: 'disk';
  nodes: [string];
  target?: FaultTarget;
  mode: 'truncate' | 'bitflip';
  /** Which file: this number modulo the count of the node's non-empty files, in path order (they are known only at the start). */
  filePick: number;
  /** truncate: bytes cut; bitflip: the byte, as this number modulo the file's size. */
  amount: number;
  /** bitflip: the bit of the byte. */
  bit: number;
  /** Set by the start. */
  damage?: DiskDamage | null;
  outcome?: DiskOutcome;
}

/** The node's non-empty regular files, in path order. */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size > 0) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A damage done: what, where, the bytes to put back, and the damaged bytes up to and with the damage. */
interface Done {
  done: DiskDamage;
  path: string;
  original: Buffer;
  damagedPrefix: Buffer;
}

/** Whether the file still begins with the damaged bytes (a node that started kept the damage). */
function stillDamaged(d: Done): boolean {
  let now: Buffer;
  try {
    now = readFileSync(d.path);
  } catch {
    return false;
  }
  return now.length >= d.damagedPrefix.length && now.subarray(0, d.damagedPrefix.length).equals(d.damagedPrefix);
}

/** Damages one file as planned; gives what was done and the bytes to put back. */
function damage(spec: DiskSpec, dataDir: string): Done | null {
  const files = filesOf(dataDir);
  if (files.length === 0) return null;
  const path = files[spec.filePick % files.length]!;
  const original = readFileSync(path);
  const file = relative(dataDir, path);
  if (spec.mode === 'truncate') {
    const bytes = Math.min(spec.amount, original.length);
    const cut = original.subarray(0, original.length - bytes);
    writeFileSync(path, cut);
    return { done: { file, size: original.length, offset: cut.length, bytes }, path, original, damagedPrefix: cut };
  }
  const offset = spec.amount % original.length;
  const flipped = Buffer.from(original);
  flipped[offset] = flipped[offset]! ^ (1 << spec.bit);
  writeFileSync(path, flipped);
  return { done: { file, size: original.length, offset, bit: spec.bit }, path, original, damagedPrefix: flipped.subarray(0, offset + 1) };
}

function describeDamage(d: DiskDamage): string {
  return d.bytes !== undefined ? `cut ${d.bytes} of ${d.size} bytes off ${d.file}` : `flipped bit ${d.bit} of byte ${d.offset} of ${d.file} (${d.size} bytes)`;
}

/** The `disk` fault package. */
export const disk: FaultPackage<DiskSpec> = {
  name: 'disk',
  summary: 'kill -9 of a node, a cut tail or a flipped bit in one of its files, and a restart',
  unusable: (_nodeCount, _messageTypes, manifest) =>
    manifest.disk === undefined
      ? `the manifest${manifest.name ? ` of ${manifest.name}` : ''} makes no disk claim ("disk": "survives" or "detects"), so no verdict could follow from damage`
      : null,
  draw(rng, nodes) {
    const node = rng.pick(nodes);
    const toLeader = rng.chance(LEADER_TARGET_P);
    const mode = rng.chance(0.5) ? 'truncate' : 'bitflip';
    const filePick = rng.int(0, 0x3fff_ffff);
    const amount = mode === 'truncate' ? rng.int(CUT_BYTES.min, CUT_BYTES.max) : rng.int(0, 0x3fff_ffff);
    return { fault: 'disk', nodes: [node], ...(toLeader ? { target: 'leader' as const } : {}), mode, filePick, amount, bit: rng.int(0, 7) };
  },
  aim: (spec, leader) => ({ ...spec, nodes: [leader] }),
  async start(spec, { cluster }) {
    const [node] = spec.nodes;
    await cluster.kill(node);
    const d = damage(spec, cluster.dataDir(node));
    // The history's value and description are taken from the spec after the start.
    spec.damage = d?.done ?? null;
    try {
      await cluster.restart(node);
      // Read at once: the node only appends past what it kept, and cuts only before it is ready.
      spec.outcome = { started: true, exitCode: null, kept: d !== null && stillDamaged(d) };
      return d === null ? `no file in the data dir of ${node} to damage` : undefined;
    } catch (err) {
      spec.outcome = { started: false, exitCode: err instanceof NodeStartError ? err.exitCode : null };
      if (d === null) return (err as Error).message;
    }
    writeFileSync(d.path, d.original);
    try {
      await cluster.restart(node);
    } catch (err) {
      return `${node} did not start after ${d.done.file} was put back: ${(err as Error).message}`;
    }
    return undefined;
  },
  // The damage is done and the node running again when the start returns: nothing to undo.
  stop: async () => undefined,
  async heal({ cluster }, inForce) {
    return settledErrors(await Promise.allSettled(inForce.map((s) => cluster.restart(s.nodes[0]))));
  },
  describe(spec) {
    const what = spec.damage ? describeDamage(spec.damage) : spec.mode === 'truncate' ? `cut ${spec.amount} bytes off a file` : 'flip a bit in a file';
    const o = spec.outcome;
    const how =
      o === undefined ? '' : !o.started ? `; it refused to start (exit ${String(o.exitCode)})` : o.kept === true ? '; it started with the damage in place' : '; it started after cutting the damage away';
    return `disk: kill -9 ${spec.nodes[0]}, ${what}${how}`;
  },
  style: { color: '#6a1b9a', label: 'disk damage' },
  judge: (results, events, manifest) => holdToDiskClaim(results, events, manifest.disk),
  recordedManifest(results) {
    const claim = recordedDiskClaim(results);
    return claim === undefined ? {} : { disk: claim };
  },
};

/**
 * Holds a run's results to the system's disk claim, from the `start-disk` events of its history:
 * a checker `disk`, invalid when a node claiming `detects` started with the damage still in its
 * file (`disk-damage-undetected`) or when a node exited at its restart with another code than 3 (a
 * crash, under either claim: `disk-restart-crashed`). Results of a run without disk faults are
 * returned as they are.
 */
export function holdToDiskClaim<R extends JudgedResults>(results: R, events: readonly HistoryEvent[], claim: DiskClaim | undefined): R {
  const faults = events.filter((e) => e.process === 'nemesis' && e.f === 'start-disk' && e.type !== 'invoke');
  if (faults.length === 0 || claim === undefined) return results;
  const anomalies: Array<{ type: string; node: string; index: number; damage: DiskDamage | null; outcome: DiskOutcome | null; text: string }> = [];
  for (const e of faults) {
    const v = e.value as Partial<DiskSpec>;
    const node = v.nodes?.[0] ?? '?';
    const d = v.damage ?? null;
    const o = v.outcome ?? null;
    if (d === null || o === null) continue;
    const what = describeDamage(d);
    if (o.started && o.kept === true && claim === 'detects') {
      anomalies.push({ type: 'disk-damage-undetected', node, index: e.index, damage: d, outcome: o, text: `${node} started with the damage in place after ${what}, though the system claims to detect damage` });
    } else if (!o.started && o.exitCode !== EXIT_DISK_DAMAGED) {
      anomalies.push({ type: 'disk-restart-crashed', node, index: e.index, damage: d, outcome: o, text: `${node} exited with ${o.exitCode === null ? 'no code' : `code ${o.exitCode}`} after ${what}, not with ${EXIT_DISK_DAMAGED} (damage detected)` });
    }
  }
  const checker: CheckerResult = {
    valid: anomalies.length === 0,
    explanation: anomalies.length === 0 ? `${faults.length} disk fault(s), each met as the system claims (${claim})` : anomalies.map((a) => a.text).join('\n'),
    claim,
    anomalies,
  };
  const out = { ...results, checkers: { ...results.checkers, disk: checker } };
  const first = anomalies[0];
  if (first === undefined) return out;
  const at = events.find((e) => e.index === first.index);
  const earlier = results.firstAnomaly !== null && results.firstAnomaly.index <= first.index;
  return {
    ...out,
    valid: false,
    exitCode: exitCodeForVerdict(false),
    firstAnomaly: earlier ? results.firstAnomaly : { index: first.index, timeNs: at?.time ?? null, summary: `${first.type}: ${first.text}` },
  };
}

/**
 * The claim a run's results were held to (their `disk` checker's), so that a recheck of the
 * stored history holds it to the same claim; undefined when the run had no disk fault.
 */
export function recordedDiskClaim(results: Record<string, unknown>): DiskClaim | undefined {
  const checkers = results['checkers'];
  const claim = typeof checkers === 'object' && checkers !== null ? (checkers as Record<string, { claim?: unknown } | undefined>)['disk']?.claim : undefined;
  return DISK_CLAIMS.find((c) => c === claim);
}
