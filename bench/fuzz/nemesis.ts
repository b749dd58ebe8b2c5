/**
 * Fuzz surface `nemesis`: `--nemesis` texts and seeded schedules on random clusters.
 *
 * Each case parses a `--nemesis` text (known kinds, prototype names, junk), then plans a schedule
 * of its kinds for a cluster of 1 to 9 nodes and some message types, and checks what every fault
 * package promises: the same seed gives the same plan; steps are in time order before the time
 * limit; each stop ends its own start and no kind overlaps itself; only kinds usable on the
 * cluster appear; every fault names real nodes and links, within its documented bounds; aimed at
 * any node as leader it stays a fault of its kind on that node; and its text is whole. Bounded:
 * at most about a hundred faults per kind and case.
 *
 *   npm run bench:fuzz -- 10000 1 nemesis
 */
import fc from 'fast-check';
import { UsageError } from '../../harness/cli/exit.js';
import { faultPackage, kindPackage } from '../../harness/nemesis/faults/index.js';
import { aimAt } from '../../harness/nemesis/nemesis.js';
import { describeFault, FAULT_KINDS, planNemesis, usableFaults, type FaultKind, type FaultSpec, type NemesisStep } from '../../harness/nemesis/schedule.js';
import type { Link } from '../../harness/network/partitions.js';
import { parseNemesis } from '../../harness/run/config.js';
import type { FuzzReport } from './types.js';

interface Case {
  nemesis: string;
  nodeCount: number;
  messageTypes: string[];
  seed: number;
  intervalMs: number;
  /** The time limit, in intervals. */
  intervals: number;
  overlap: boolean;
  leaderIndex: number;
}

const word = fc.oneof(
  fc.constantFrom(...FAULT_KINDS),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'bandwidth', 'none', 'all', '', ' kill', 'KILL'),
  fc.string({ maxLength: 8 }),
);

const caseArb: fc.Arbitrary<Case> = fc.record({
  nemesis: fc.oneof(fc.array(word, { minLength: 1, maxLength: 7 }).map((ws) => ws.join(',')), fc.string({ maxLength: 20 })),
  nodeCount: fc.integer({ min: 1, max: 9 }),
  messageTypes: fc.uniqueArray(fc.oneof(fc.constantFrom('Forward', 'ReadIndex', '__proto__'), fc.string({ minLength: 1, maxLength: 6 })), { maxLength: 4 }),
  seed: fc.integer({ min: 0, max: 0xffff_ffff }),
  intervalMs: fc.integer({ min: 1, max: 5000 }),
  intervals: fc.integer({ min: 0, max: 100 }),
  overlap: fc.boolean(),
  leaderIndex: fc.nat(),
});

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

function checkLinks(links: readonly Link[], nodes: readonly string[], what: string): void {
  check(links.length > 0, `${what}: no links`);
  for (const [a, b] of links) check(a !== b && nodes.includes(a) && nodes.includes(b), `${what}: link ${a}->${b} is not between two nodes`);
}

/** What each fault promises about its own fields, on a cluster of `nodes`. */
function checkSpec(spec: FaultSpec, nodes: readonly string[], messageTypes: readonly string[]): void {
  const what = describeFault(spec);
  check(what.length > 0 && !/undefined|NaN|\[object/.test(what), `text ${JSON.stringify(what)}`);
  check(faultPackage(spec).name === spec.fault, `${what}: applied by package ${faultPackage(spec).name}`);
  const majority = Math.floor(nodes.length / 2) + 1;
  switch (spec.fault) {
    case 'partition':
      checkLinks(spec.links, nodes, what);
      break;
    case 'kill':
    case 'pause':
      check(spec.nodes.length >= 1 && spec.nodes.length <= majority && spec.nodes.every((n) => nodes.includes(n)), `${what}: nodes`);
      break;
    case 'clock': {
      const entries = Object.entries(spec.offsetsMs);
      check(entries.length >= 1 && entries.every(([n, ms]) => nodes.includes(n) && Math.abs(ms) >= 100 && Math.abs(ms) <= 60_000), `${what}: offsets`);
      break;
    }
    case 'latency':
      checkLinks(spec.links, nodes, what);
      check(spec.latencyMs >= 20 && spec.latencyMs <= 300 && spec.jitterMs >= 0 && spec.jitterMs <= spec.latencyMs / 2, `${what}: latency`);
      break;
    case 'bandwidth':
      checkLinks(spec.links, nodes, what);
      check(Number.isInteger(spec.rateKBps) && spec.rateKBps >= 1 && spec.rateKBps <= 64, `${what}: rate`);
      break;
    case 'message':
      checkLinks(spec.links, nodes, what);
      check(spec.types.length >= 1 && spec.types.every((t) => messageTypes.includes(t)), `${what}: types`);
      check(spec.action === 'delay' ? spec.delayMs >= 300 && spec.delayMs <= 1500 : spec.delayMs === 0, `${what}: delay`);
      check([0.25, 0.5, 1].includes(spec.probability), `${what}: probability`);
      break;
  }
}

/** Aimed at `leader`, a fault stays of its kind, valid, and on the leader when it targets one. */
function checkAimed(spec: FaultSpec, leader: string, nodes: readonly string[], messageTypes: readonly string[]): void {
  const aimed = aimAt(spec, leader, nodes);
  check(aimed.fault === spec.fault, `aimed ${describeFault(spec)} became ${aimed.fault}`);
  checkSpec(aimed, nodes, messageTypes);
  if (spec.target !== 'leader') return check(aimed === spec, `${describeFault(spec)}: changed without a target`);
  const what = `${describeFault(spec)} aimed at ${leader}`;
  if (aimed.fault === 'kill' || aimed.fault === 'pause') check(aimed.nodes.length === 1 && aimed.nodes[0] === leader, what);
  if (aimed.fault === 'clock') check(Object.keys(aimed.offsetsMs).join() === leader, what);
  if (aimed.fault === 'partition') {
    // The leader ends on the minority side: it keeps links to fewer than a majority of the others.
    const reached = nodes.filter((n) => n !== leader && !aimed.links.some(([a, b]) => a === leader && b === n));
    check(reached.length + 1 < Math.floor(nodes.length / 2) + 1, `${what}: leader reaches ${reached.join(',')}`);
  }
}

/** Steps in time order, before the limit; each stop ends its own start; no kind overlaps itself. */
function checkPlan(steps: readonly NemesisStep[], kinds: readonly FaultKind[], timeLimitMs: number): void {
  const allowed = new Set(kinds.flatMap((k) => [k, ...(kindPackage(k).variants ?? []).map((v) => v.name)]));
  const kindOf = new Map(kinds.flatMap((k) => [k, ...(kindPackage(k).variants ?? []).map((v) => v.name)].map((n) => [n, k] as const)));
  const open = new Map<string, FaultSpec>();
  const started = new Set<FaultSpec>();
  let last = 0;
  for (const s of steps) {
    check(s.atMs > 0 && s.atMs < timeLimitMs && s.atMs >= last, `step at ${s.atMs} ms after ${last} ms (limit ${timeLimitMs})`);
    last = s.atMs;
    check(allowed.has(s.spec.fault), `${s.spec.fault} not among ${[...allowed].join(',')}`);
    const kind = kindOf.get(s.spec.fault) as FaultKind;
    if (s.action === 'start') {
      check(!open.has(kind) && !started.has(s.spec), `${kind} started twice at ${s.atMs} ms`);
      open.set(kind, s.spec);
      started.add(s.spec);
    } else {
      check(open.get(kind) === s.spec, `stop at ${s.atMs} ms of a ${kind} not in force`);
      open.delete(kind);
    }
  }
}

function runCase(c: Case): void {
  let kinds: FaultKind[];
  try {
    kinds = parseNemesis(c.nemesis);
  } catch (err) {
    if (!(err instanceof UsageError)) throw new Error(`--nemesis ${JSON.stringify(c.nemesis)} threw ${String(err)}`);
    check(err.message.startsWith('--nemesis: unknown fault'), `--nemesis message ${(err as Error).message}`);
    kinds = [];
  }
  const parts = c.nemesis.trim() === 'none' || c.nemesis.trim() === '' ? [] : c.nemesis.split(',').map((s) => s.trim());
  if (kinds.length > 0) check(parts.every((p) => (FAULT_KINDS as readonly string[]).includes(p)) && new Set(kinds).size === kinds.length, `--nemesis ${JSON.stringify(c.nemesis)} gave ${kinds.join(',')}`);
  // Unparsable texts still plan some kinds, so each case exercises the schedule.
  if (kinds.length === 0) kinds = FAULT_KINDS.filter((_k, i) => (c.seed >> i) & 1);
  const nodes = Array.from({ length: c.nodeCount }, (_v, i) => `n${i + 1}`);
  const timeLimitMs = c.intervalMs * c.intervals;
  const opts = { faults: kinds, intervalMs: c.intervalMs, timeLimitMs, nodes, seed: c.seed, overlap: c.overlap, messageTypes: c.messageTypes };
  const steps = planNemesis(opts);
  check(JSON.stringify(planNemesis(opts)) === JSON.stringify(steps), 'same seed, another schedule');
  checkPlan(steps, usableFaults(kinds, nodes.length, c.messageTypes), timeLimitMs);
  const leader = nodes[c.leaderIndex % nodes.length] as string;
  for (const s of steps) {
    if (s.action !== 'start') continue;
    checkSpec(s.spec, nodes, c.messageTypes);
    checkAimed(s.spec, leader, nodes, c.messageTypes);
  }
}

/** Runs `cases` seeded cases; a failure names the fast-check seed and path that replay it. */
export async function fuzzNemesis(cases: number, seed: number): Promise<FuzzReport> {
  const details = fc.check(fc.property(caseArb, runCase), { numRuns: cases, seed, endOnFailure: true });
  const failures = details.failed
    ? [`seed ${seed} path ${details.counterexamplePath ?? ''}: ${JSON.stringify(details.counterexample?.[0])}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`]
    : [];
  return { surface: 'nemesis', tried: details.numRuns, failures };
}
