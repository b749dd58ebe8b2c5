import { describe, expect, it } from 'vitest';
import { allLinks, partitionLinks, PARTITION_KINDS } from '../../../harness/network/partitions.js';
import { aimAt } from '../../../harness/nemesis/nemesis.js';
import { BACKGROUND_FAULT_MS, BACKGROUND_GAP_MS, COMBINED_FAULT_MS, COMBINED_GAP_MS, COMBINED_MAX_IN_FORCE, COMBINED_SETTLE_MS, COMPANION_P, DEFAULT_FAULT_KINDS, type FaultKind, type FaultSpec, drawFault, FAULT_KINDS, LEADER_TARGET_P, planNemesis, usableFaults, type NemesisStep } from '../../../harness/nemesis/schedule.js';
import { kindPackage } from '../../../harness/nemesis/faults/index.js';
import { MutableRng } from '../../../harness/random.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Who can reach whom in both directions, after cutting `links`. */
function reach(cut: ReadonlyArray<readonly [string, string]>, a: string, b: string): boolean {
  return !cut.some(([x, y]) => x === a && y === b);
}

describe('nemesis schedule', () => {
  it('is the same for the same seed, and differs for another seed', () => {
    const opts = { faults: FAULT_KINDS, intervalMs: 1000, timeLimitMs: 60_000, nodes, messageTypes: ['Forward', 'ReadIndex'], manifest: { disk: 'detects' as const } };
    const a = planNemesis({ ...opts, seed: 11 });
    expect(planNemesis({ ...opts, seed: 11 })).toEqual(a);
    expect(planNemesis({ ...opts, seed: 12 })).not.toEqual(a);
    // Alternating start/stop of the same fault, every interval, all before the time limit.
    expect(a.length).toBeGreaterThan(50);
    a.forEach((s, i) => {
      expect(s.atMs).toBe((i + 1) * 1000);
      expect(s.action).toBe(i % 2 === 0 ? 'start' : 'stop');
      if (i % 2 === 1) expect(s.spec).toBe(a[i - 1]?.spec);
    });
    // Over 30 starts every enabled kind shows up.
    expect(new Set(a.map((s) => s.spec.fault.replace('bandwidth', 'latency')))).toEqual(new Set(FAULT_KINDS));
  });

  it('uses only the chosen faults, and no network faults on a single node', () => {
    const kp = planNemesis({ faults: ['kill', 'pause'], intervalMs: 500, timeLimitMs: 20_000, nodes, seed: 1 });
    expect(new Set(kp.map((s) => s.spec.fault))).toEqual(new Set(['kill', 'pause']));
    expect(planNemesis({ faults: ['partition', 'latency'], intervalMs: 500, timeLimitMs: 20_000, nodes: ['n1'], seed: 1 })).toEqual([]);
    expect(planNemesis({ faults: [], intervalMs: 500, timeLimitMs: 20_000, nodes, seed: 1 })).toEqual([]);
    // Message faults need message types from the system, and at least two nodes.
    expect(usableFaults(['message', 'kill'], 3)).toEqual(['kill']);
    expect(usableFaults(['message', 'kill'], 3, ['Forward'])).toEqual(['message', 'kill']);
    expect(usableFaults(['message'], 1, ['Forward'])).toEqual([]);
  });

  it('kills and pauses at most a majority of the nodes', () => {
    const s = planNemesis({ faults: ['kill', 'pause'], intervalMs: 100, timeLimitMs: 100_000, nodes, seed: 5 });
    for (const step of s) {
      if (step.spec.fault === 'kill' || step.spec.fault === 'pause') {
        expect(step.spec.nodes.length).toBeGreaterThanOrEqual(1);
        expect(step.spec.nodes.length).toBeLessThanOrEqual(3);
      }
    }
  });

  it('message faults delay or drop some of the named types on real links', () => {
    const types = ['Forward', 'ReadIndex', 'ReadIndexResp'];
    const s = planNemesis({ faults: ['message'], intervalMs: 100, timeLimitMs: 20_000, nodes, seed: 9, messageTypes: types });
    const starts = s.filter((x) => x.action === 'start').map((x) => x.spec);
    expect(starts.length).toBeGreaterThan(50);
    const actions = new Set<string>();
    for (const spec of starts) {
      if (spec.fault !== 'message') throw new Error(`unexpected ${spec.fault}`);
      actions.add(spec.action);
      expect(spec.types.length).toBeGreaterThanOrEqual(1);
      for (const t of spec.types) expect(types).toContain(t);
      expect(spec.links.length).toBeGreaterThan(0);
      for (const [a, b] of spec.links) expect(a !== b && nodes.includes(a) && nodes.includes(b)).toBe(true);
      expect(spec.probability).toBeGreaterThan(0);
      expect(spec.probability).toBeLessThanOrEqual(1);
      if (spec.action === 'delay') {
        expect(spec.delayMs).toBeGreaterThanOrEqual(300);
        expect(spec.delayMs).toBeLessThanOrEqual(1500);
      } else expect(spec.delayMs).toBe(0);
    }
    expect(actions).toEqual(new Set(['delay', 'drop']));
  });

  it('aims kill, pause and clock faults at the leader about as often as LEADER_TARGET_P says', () => {
    const rng = new MutableRng(21);
    for (const kind of ['kill', 'pause', 'clock'] as const) {
      let aimed = 0;
      const n = 1000;
      for (let i = 0; i < n; i++) if (drawFault(kind, nodes, rng).target === 'leader') aimed++;
      expect(aimed / n).toBeGreaterThan(LEADER_TARGET_P - 0.08);
      expect(aimed / n).toBeLessThan(LEADER_TARGET_P + 0.08);
    }
  });
});

/** For each kind, its steps in order. */
function byKind(steps: readonly NemesisStep[]): Map<string, NemesisStep[]> {
  const out = new Map<string, NemesisStep[]>();
  for (const s of steps) {
    const k = s.spec.fault === 'bandwidth' ? 'latency' : s.spec.fault;
    out.set(k, [...(out.get(k) ?? []), s]);
  }
  return out;
}

describe('overlapping nemesis schedule', () => {
  const opts = { faults: ['clock', 'partition', 'kill'] as const, intervalMs: 2000, timeLimitMs: 120_000, nodes, overlap: true };

  it('is the same for the same seed, differs for another, and is in time order', () => {
    const a = planNemesis({ ...opts, seed: 5 });
    expect(planNemesis({ ...opts, seed: 5 })).toEqual(a);
    expect(planNemesis({ ...opts, seed: 6 })).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!.atMs).toBeGreaterThanOrEqual(a[i - 1]!.atMs);
    for (const s of a) expect(s.atMs).toBeLessThan(opts.timeLimitMs);
    expect(a.length).toBeGreaterThan(3 * 20);
  });

  it('gives each kind its own alternating schedule, gaps and faults of 0.5 to 1.5 intervals', () => {
    const a = planNemesis({ ...opts, seed: 7 });
    const kinds = byKind(a);
    expect([...kinds.keys()].sort()).toEqual(['clock', 'kill', 'partition']);
    for (const steps of kinds.values()) {
      let last = 0;
      steps.forEach((s, i) => {
        expect(s.action).toBe(i % 2 === 0 ? 'start' : 'stop');
        if (i % 2 === 1) expect(s.spec).toBe(steps[i - 1]?.spec);
        expect(s.atMs - last).toBeGreaterThanOrEqual(1000);
        expect(s.atMs - last).toBeLessThanOrEqual(3000);
        last = s.atMs;
      });
    }
  });

  it('lets faults of different kinds overlap, and a single kind never overlap itself', () => {
    const a = planNemesis({ ...opts, seed: 8 });
    let active = 0;
    let most = 0;
    for (const s of a) {
      active += s.action === 'start' ? 1 : -1;
      most = Math.max(most, active);
      expect(active).toBeGreaterThanOrEqual(0);
    }
    expect(most).toBe(3);
    let one = 0;
    for (const s of planNemesis({ ...opts, faults: ['clock'], seed: 8 })) {
      one += s.action === 'start' ? 1 : -1;
      expect(one === 0 || one === 1).toBe(true);
    }
  });

  it('puts a clock skew on the leader and an isolation of the leader at once in most 30 s runs', () => {
    // The scenario that needs overlap: a skewed leader cut off into a minority.
    let runs = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const s = planNemesis({ faults: ['clock', 'partition'], intervalMs: 2000, timeLimitMs: 30_000, nodes: ['n1', 'n2', 'n3'], seed, overlap: true });
      let clockOn = false;
      let met = false;
      for (const x of s) {
        if (x.spec.fault === 'clock' && x.spec.target === 'leader') clockOn = x.action === 'start';
        if (x.action === 'start' && x.spec.fault === 'partition' && x.spec.target === 'leader' && clockOn) met = true;
      }
      if (met) runs++;
    }
    expect(runs).toBeGreaterThanOrEqual(10);
  });
});


describe('partition shapes', () => {
  it('halves, isolate and bridge cut both directions between their sides', () => {
    const rng = new MutableRng(4);
    const halves = partitionLinks('halves', nodes, rng).links;
    expect(reach(halves, 'n1', 'n2')).toBe(true);
    expect(reach(halves, 'n1', 'n3')).toBe(false);
    expect(reach(halves, 'n3', 'n1')).toBe(false);
    const iso = partitionLinks('isolate', nodes, rng).links;
    expect(iso).toHaveLength(2 * 4);
    const bridge = partitionLinks('bridge', nodes, rng).links;
    // The bridge node is the one that keeps every link.
    const bridgeNodes = nodes.filter((x) => nodes.every((y) => x === y || (reach(bridge, x, y) && reach(bridge, y, x))));
    expect(bridgeNodes).toHaveLength(1);
  });

  it('majorities ring: every node hears a majority, no two the same one', () => {
    const { links } = partitionLinks('majorities-ring', nodes, new MutableRng(8));
    const views = nodes.map((x) => nodes.filter((y) => reach(links, y, x)).join(','));
    for (const v of views) expect(v.split(',').length).toBeGreaterThanOrEqual(3);
    expect(new Set(views).size).toBe(nodes.length);
  });

  it('one-way cuts one direction only', () => {
    const { links } = partitionLinks('one-way', nodes, new MutableRng(2));
    expect(links.length).toBeGreaterThan(0);
    for (const [a, b] of links) expect(links.some(([x, y]) => x === b && y === a)).toBe(false);
  });

  it('every shape only names real links', () => {
    const all = new Set(allLinks(nodes).map(([a, b]) => `${a}->${b}`));
    for (const k of PARTITION_KINDS) {
      for (const [a, b] of partitionLinks(k, nodes, new MutableRng(3)).links) expect(all.has(`${a}->${b}`)).toBe(true);
    }
  });
});

describe('faults aimed at the leader', () => {
  it('are planned for kill, pause, clock and isolation, and made concrete on the leader found', async () => {
    const { aimAt } = await import('../../../harness/nemesis/nemesis.js');
    const s = planNemesis({ faults: ['kill', 'pause', 'clock', 'partition'], intervalMs: 100, timeLimitMs: 100_000, nodes, seed: 3 });
    const aimed = s.filter((x) => x.action === 'start' && x.spec.target === 'leader');
    expect(new Set(aimed.map((x) => x.spec.fault))).toEqual(new Set(['kill', 'pause', 'clock', 'partition']));
    for (const { spec } of aimed) {
      const concrete = aimAt(spec, 'n4', nodes);
      if (concrete.fault === 'kill' || concrete.fault === 'pause') expect(concrete.nodes).toEqual(['n4']);
      if (concrete.fault === 'clock') expect(Object.keys(concrete.offsetsMs)).toEqual(['n4']);
      if (concrete.fault === 'partition' && concrete.kind === 'isolate') {
        expect(concrete.links).toHaveLength(8);
        expect(concrete.links.every(([a, b]) => a === 'n4' || b === 'n4')).toBe(true);
      } else if (concrete.fault === 'partition') {
        // Halves: n4 with one other node (n1) against the other three.
        expect(concrete.description).toBe('n4,n1 | n2,n3,n5');
        expect(concrete.links).toHaveLength(2 * 2 * 3);
      }
      // No leader found: the planned fault stands.
      expect(aimAt(spec, null, nodes)).toBe(spec);
    }
  });
});

/** Whether a kind is one the combined default keeps in the background. */
const isBackground = (fault: string) => fault !== 'bandwidth' && kindPackage(fault as never).background === true;

describe('combined default schedule', () => {
  const types = ['Forward', 'ReadIndex', 'ReadIndexResp'];
  const base = { faults: DEFAULT_FAULT_KINDS, intervalMs: 0, timeLimitMs: 300_000, nodes, messageTypes: types, manifest: { disk: 'detects' as const }, combined: true };

  it('is the same for the same seed, differs for another, and every usable kind appears', () => {
    const a = planNemesis({ ...base, seed: 3 });
    expect(planNemesis({ ...base, seed: 3 })).toEqual(a);
    expect(planNemesis({ ...base, seed: 4 })).not.toEqual(a);
    expect(new Set(a.map((s) => s.spec.fault.replace('bandwidth', 'latency')))).toEqual(new Set(usableFaults(DEFAULT_FAULT_KINDS, 5, types, { disk: 'detects' })));
    // Without the claim and the types, disk and message are left out.
    const plain = planNemesis({ ...base, messageTypes: [], manifest: {}, seed: 3 });
    expect(new Set(plain.map((s) => s.spec.fault))).not.toContain('disk');
    expect(new Set(plain.map((s) => s.spec.fault))).not.toContain('message');
    // One node: only the process and clock kinds.
    const one = planNemesis({ ...base, nodes: ['n1'], seed: 3 });
    expect(new Set(one.map((s) => s.spec.fault))).toEqual(new Set(['kill', 'pause', 'clock', 'disk']));
  });

  it('overlaps kinds, each fault and each gap log-uniform within its bounds', () => {
    const s = planNemesis({ ...base, seed: 21 });
    const byKind = new Map<string, NemesisStep[]>();
    for (const step of s) {
      const k = step.spec.fault.replace('bandwidth', 'latency');
      byKind.set(k, [...(byKind.get(k) ?? []), step]);
    }
    const lengths: number[] = [];
    for (const [k, steps] of byKind) {
      // Within a kind: start, stop, start, stop... with a gap before each start.
      let lastStop = 0;
      for (let i = 0; i + 1 < steps.length; i += 2) {
        const [start, stop] = [steps[i]!, steps[i + 1]!];
        expect(start.action).toBe('start');
        expect(stop.action).toBe('stop');
        expect(stop.spec).toBe(start.spec);
        const len = stop.atMs - start.atMs;
        const bg = isBackground(k);
        const gap = start.atMs - lastStop;
        lastStop = stop.atMs;
        if (!bg) lengths.push(len);
        // A background fault cut short by a companion, and the companion, which lasts as long as
        // the fault it goes with, are the exceptions to the background bounds.
        const companion = bg && start.spec.target === 'leader' && s.some((x) => x !== start && x.atMs === start.atMs && x.spec.target !== undefined && !isBackground(x.spec.fault));
        const cut = bg && s.some((x) => x !== stop && x.atMs === stop.atMs && x.action === 'start' && x.spec.fault === stop.spec.fault);
        if (companion || cut) {
          expect(len).toBeLessThanOrEqual(companion ? COMBINED_FAULT_MS.max : BACKGROUND_FAULT_MS.max);
          continue;
        }
        expect(len).toBeGreaterThanOrEqual((bg ? BACKGROUND_FAULT_MS : COMBINED_FAULT_MS).min);
        expect(len).toBeLessThanOrEqual((bg ? BACKGROUND_FAULT_MS : COMBINED_FAULT_MS).max);
        // At least the drawn gap (a kind's divided by its weight); more when the start waited
        // for COMBINED_MAX_IN_FORCE.
        const weight = bg ? 1 : (kindPackage(k as FaultKind).combinedWeight ?? 1);
        if (gap > 0) expect(gap).toBeGreaterThanOrEqual(Math.floor((bg ? BACKGROUND_GAP_MS : COMBINED_GAP_MS).min / weight));
      }
    }
    // Log-uniform: about as many faults below the geometric middle of the bounds as above it.
    const mid = Math.sqrt(COMBINED_FAULT_MS.min * COMBINED_FAULT_MS.max);
    const below = lengths.filter((l) => l < mid).length / lengths.length;
    expect(lengths.length).toBeGreaterThan(60);
    expect(below).toBeGreaterThan(0.35);
    expect(below).toBeLessThan(0.65);
    // Some fault of one kind starts while one of another kind is in force.
    const inForce = new Set<string>();
    let overlapped = false;
    for (const step of s) {
      const k = step.spec.fault.replace('bandwidth', 'latency');
      if (step.action === 'start') {
        if (inForce.size > 0) overlapped = true;
        inForce.add(k);
      } else inForce.delete(k);
    }
    expect(overlapped).toBe(true);
  });

  it('keeps at most COMBINED_MAX_IN_FORCE faults that cost availability in force at once, and background faults in force most of the run', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const inForce = new Set<FaultSpec>();
      let peak = 0;
      let peakAll = 0;
      const on = new Map<string, number>();
      const since = new Map<FaultSpec, number>();
      for (const step of planNemesis({ ...base, seed })) {
        if (step.action === 'start') {
          inForce.add(step.spec);
          since.set(step.spec, step.atMs);
        } else {
          inForce.delete(step.spec);
          on.set(step.spec.fault, (on.get(step.spec.fault) ?? 0) + step.atMs - since.get(step.spec)!);
        }
        peak = Math.max(peak, [...inForce].filter((f) => !isBackground(f.fault)).length);
        peakAll = Math.max(peakAll, inForce.size);
      }
      expect(peak).toBe(COMBINED_MAX_IN_FORCE);
      expect(peakAll).toBeGreaterThan(COMBINED_MAX_IN_FORCE);
      // Each background kind is in force well over half of the run; no other kind is.
      for (const kind of ['clock', 'message']) expect(on.get(kind)! / base.timeLimitMs).toBeGreaterThan(0.55);
      for (const kind of ['partition', 'kill', 'pause']) expect(on.get(kind)! / base.timeLimitMs).toBeLessThan(0.5);
    }
  });

  it('lets each fault that costs availability settle before the next, and steps the leader\'s clock with about COMPANION_P of the faults aimed at it', () => {
    let aimed = 0;
    let joined = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const s = planNemesis({ ...base, seed });
      let lastStop = -Infinity;
      for (const step of s.filter((x) => !isBackground(x.spec.fault))) {
        if (step.action === 'stop') lastStop = step.atMs;
        else expect(step.atMs - lastStop).toBeGreaterThanOrEqual(COMBINED_SETTLE_MS.min);
      }
      for (const start of s.filter((x) => x.action === 'start' && !isBackground(x.spec.fault) && x.spec.target !== undefined)) {
        aimed++;
        const stop = s.find((x) => x.action === 'stop' && x.spec === start.spec);
        const clock = s.find((x) => x.action === 'start' && x.spec.fault === 'clock' && x.atMs === start.atMs && x.spec.target === 'leader');
        if (clock === undefined) continue;
        joined++;
        // The step lasts as long as the fault it goes with.
        expect(s.find((x) => x.action === 'stop' && x.spec === clock.spec)?.atMs).toBe(stop?.atMs);
      }
    }
    expect(aimed).toBeGreaterThan(40);
    expect(joined / aimed).toBeGreaterThan(COMPANION_P - 0.2);
    expect(joined / aimed).toBeLessThan(COMPANION_P + 0.2);
  });

  it("aims process faults at Jepsen's targets, and draws clock strobes and duplicated or reordered messages", () => {
    const s = planNemesis({ ...base, timeLimitMs: 3_000_000, seed: 8 }).filter((x) => x.action === 'start');
    const sizes = new Map<string, Set<number>>();
    const targets = new Set<string>();
    const actions = new Set<string>();
    let strobes = 0;
    for (const { spec } of s) {
      if (spec.fault === 'kill' || spec.fault === 'pause') {
        targets.add(spec.target ?? `size-${spec.nodes.length}`);
        if (spec.target === 'leader') expect(spec.nodes.length).toBe(1);
        if (spec.target === 'leader-minority') expect(spec.nodes.length).toBe(2);
      }
      if (spec.fault === 'clock' && spec.strobePeriodMs !== undefined) strobes++;
      if (spec.fault === 'message') actions.add(spec.action);
    }
    // one node, a minority (2 of 5), a majority (3 of 5), all, the leader, a minority with it.
    expect(targets).toEqual(new Set(['size-1', 'size-2', 'size-3', 'size-5', 'leader', 'leader-minority']));
    expect(strobes).toBeGreaterThan(0);
    expect(actions).toEqual(new Set(['drop', 'delay', 'duplicate', 'reorder']));
  });

  it('aims a minority with the leader at the leader and the first others', () => {
    const spec = { fault: 'kill' as const, nodes: ['n4', 'n5'], target: 'leader-minority' as const };
    expect(aimAt(spec, 'n3', nodes)).toEqual({ ...spec, nodes: ['n3', 'n1'] });
    expect(aimAt({ ...spec, target: 'leader' as const, nodes: ['n4'] }, 'n3', nodes)).toEqual({ ...spec, target: 'leader', nodes: ['n3'] });
  });
});
