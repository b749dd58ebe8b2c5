import { describe, expect, it } from 'vitest';
import { allLinks, partitionLinks, PARTITION_KINDS } from '../../../harness/network/partitions.js';
import { FAULT_KINDS, planNemesis } from '../../../harness/nemesis/schedule.js';
import { MutableRng } from '../../../harness/random.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Who can reach whom in both directions, after cutting `links`. */
function reach(cut: ReadonlyArray<readonly [string, string]>, a: string, b: string): boolean {
  return !cut.some(([x, y]) => x === a && y === b);
}

describe('nemesis schedule', () => {
  it('is the same for the same seed, and differs for another seed', () => {
    const opts = { faults: FAULT_KINDS, intervalMs: 1000, timeLimitMs: 60_000, nodes };
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
      if (concrete.fault === 'partition') {
        expect(concrete.links).toHaveLength(8);
        expect(concrete.links.every(([a, b]) => a === 'n4' || b === 'n4')).toBe(true);
      }
      // No leader found: the planned fault stands.
      expect(aimAt(spec, null, nodes)).toBe(spec);
    }
  });
});
