/**
 * What each fault of a run did, measured while it is on: the proxies' counters on its links read
 * when it starts and when it ends (the difference is what was cut or delayed in between), the
 * processes it left stopped, and the clocks it set. The nemesis records the result as the
 * `effect` of the fault's stop (or of the heal that ended it); checkers/history/effects.ts reads it
 * back with the operations that failed while the fault was on.
 *
 * A fault acts on the links of its spec's `links`, the processes of its `nodes` and the clocks of
 * its `offsetsMs`: the shapes fault packages give their specs.
 */
import type { FaultEffect, TrafficEffect } from '../../checkers/history/effects.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Network } from '../network/network.js';
import type { Link } from '../network/partitions.js';
import type { EffectProbe } from '../nemesis/nemesis.js';
import type { FaultSpec } from '../nemesis/schedule.js';
import { noEffects } from '../toxiproxy/connect.js';

interface Started {
  links: Link[];
  traffic: TrafficEffect | null;
  processes: string[];
  clocks: string[];
}

const field = (spec: FaultSpec, key: string): unknown => (spec as unknown as Record<string, unknown>)[key];

/** The links of a fault on the network, or none. */
function linksOf(spec: FaultSpec): Link[] {
  const links = field(spec, 'links');
  return Array.isArray(links) ? (links as Link[]) : [];
}

/** Measures the faults of one run (see the module comment). */
export class FaultEffects implements EffectProbe {
  private readonly started = new Map<FaultSpec, Started>();

  constructor(
    private readonly cluster: Cluster,
    private readonly network: Network | null,
  ) {}

  /** Applies a fault's start between a reading of the counters on its links and one of what it stopped. */
  async start(spec: FaultSpec, apply: () => Promise<string | undefined>): Promise<string | undefined> {
    const links = linksOf(spec);
    // Before: a clean cut resets the connections of its links as it is applied.
    this.started.set(spec, { links, traffic: this.traffic(links), processes: [], clocks: [] });
    const error = await apply();
    const nodes = field(spec, 'nodes');
    const processes = Array.isArray(nodes) ? (nodes as string[]).filter((n) => this.cluster.ids.includes(n) && this.cluster.state(n) !== 'running') : [];
    const offsets = field(spec, 'offsetsMs');
    // A clock fault whose message failed may have set some clocks and not others: none is claimed.
    const clocks = offsets !== null && typeof offsets === 'object' && error === undefined ? Object.keys(offsets).filter((n) => (offsets as Record<string, number>)[n] !== 0) : [];
    const s = this.started.get(spec);
    if (s) Object.assign(s, { processes, clocks });
    return error;
  }

  /** What the fault did since it started; undefined for a fault not seen starting. */
  effectOf(spec: FaultSpec): FaultEffect | undefined {
    const s = this.started.get(spec);
    if (!s) return undefined;
    this.started.delete(spec);
    const now = this.traffic(s.links);
    let traffic: TrafficEffect | null = null;
    if (now !== null && s.traffic !== null) {
      const before = s.traffic;
      traffic = { ...now };
      for (const k of Object.keys(now) as (keyof TrafficEffect)[]) traffic[k] = now[k] - before[k];
    }
    return { links: s.links.length, traffic, processes: s.processes, clocks: s.clocks };
  }

  private traffic(links: readonly Link[]): TrafficEffect | null {
    if (links.length === 0) return noEffects();
    return this.network?.effectsOn(links) ?? null;
  }
}
