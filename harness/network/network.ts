/**
 * The network between nodes: one proxy per directed link, and the faults applied to them.
 *
 * For nodes n1..nN the network creates a proxy `n1->n2` that listens on its own loopback port and
 * forwards to n2's peer port; node n1 is told that n2 is at that proxy's address. With
 * single-socket channels (each node sends to a peer on its own outbound connection), cutting the
 * proxy n1->n2 loses exactly the messages from n1 to n2, which is what one-way partitions need.
 *
 * Faults, all through the Toxiproxy HTTP API (toxiproxy-node-client), so they work the same against
 * the embedded server and an external toxiproxy-server:
 * - a clean cut disables the proxy: its listener closes, open connections are reset;
 * - a silent cut adds a `timeout` toxic with timeout 0 in both streams: connections stay open and
 *   data stops, as when packets are dropped;
 * - latency (with jitter) and bandwidth toxics on chosen links, in the link's direction;
 * - message faults: an `ndjson_filter` toxic (faultline's own, embedded server only) that delays
 *   or drops the peer messages of chosen types on chosen links, in the link's direction.
 */
import type { Proxy, Toxic } from 'toxiproxy-node-client';
import { addNdjsonFilter, noEffects, type NdjsonAction, type ProxyEffects } from '../toxiproxy/connect.js';
import type { Link } from './partitions.js';

export type { ProxyEffects };

/** The part of a Toxiproxy handle the network needs (see harness/toxiproxy/connect.ts). */
export interface ProxyFactory {
  createProxy(spec: { name: string; listen: string; upstream: string; enabled?: boolean }): Promise<Proxy>;
  /** A proxy's effect counters, or null when the server cannot give them (an external one). */
  effects?(name: string): ProxyEffects | null;
}

/** How a partition cuts a link. */
export type CutMode = 'clean' | 'silent';

interface LinkProxy {
  link: Link;
  proxy: Proxy;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Map<string, Toxic<unknown>>;
}

/** The number of directed links (and so proxies) between `nodeCount` nodes. */
export function linkCount(nodeCount: number): number {
  return nodeCount * (nodeCount - 1);
}

/** Key of a link in maps: "n1->n2". */
export function linkName(link: Link): string {
  return `${link[0]}->${link[1]}`;
}

/** The proxies of one cluster and the faults currently on them. */
export class Network {
  private constructor(
    private readonly proxies: Map<string, LinkProxy>,
    private readonly factory: ProxyFactory,
  ) {}

  /**
   * Creates one proxy per directed link between the nodes. `prefix` keeps proxy names unique
   * when several runs share one external toxiproxy-server. Each proxy is asked to listen on port 0
   * and the address it bound is read back from the API (the real server and ours both rewrite
   * `listen` to the bound address), so no other program can take a proxy's port between the
   * moment it is chosen and the moment it is bound.
   */
  static async create(
    factory: ProxyFactory,
    nodes: ReadonlyArray<{ id: string; peerPort: number }>,
    prefix: string,
  ): Promise<Network> {
    const links: Link[] = [];
    for (const a of nodes) for (const b of nodes) if (a.id !== b.id) links.push([a.id, b.id]);
    const peerPort = new Map(nodes.map((n) => [n.id, n.peerPort]));
    const proxies = new Map<string, LinkProxy>();
    await Promise.all(
      links.map(async (link) => {
        const upstream = `127.0.0.1:${peerPort.get(link[1]) as number}`;
        const proxy = await factory.createProxy({ name: `${prefix}${link[0]}-to-${link[1]}`, listen: '127.0.0.1:0', upstream, enabled: true });
        const listen = proxy.listen;
        if (!/:[1-9]\d*$/.test(listen)) throw new Error(`proxy ${proxy.name} reports no bound port (listen "${listen}")`);
        proxies.set(linkName(link), { link, proxy, listen, upstream, enabled: true, toxics: new Map() });
      }),
    );
    return new Network(proxies, factory);
  }

  /** For node `id`: each other node's address as `id` must dial it (the proxy of that link). */
  peersOf(id: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.proxies.values()) if (p.link[0] === id) out[p.link[1]] = p.listen;
    return out;
  }

  /** The links, as "from->to" names. */
  get links(): string[] {
    return [...this.proxies.keys()];
  }

  /**
   * What the proxies of `links` have done to their traffic so far, summed (counters only grow, so
   * the difference of two readings is what happened between them); null when the server cannot
   * count (an external toxiproxy-server).
   */
  effectsOn(links: readonly Link[]): ProxyEffects | null {
    const sum = noEffects();
    for (const link of links) {
      const e = this.factory.effects?.(this.get(link).proxy.name) ?? null;
      if (e === null) return null;
      for (const k of Object.keys(sum) as (keyof ProxyEffects)[]) sum[k] += e[k];
    }
    return sum;
  }

  private get(link: Link): LinkProxy {
    const p = this.proxies.get(linkName(link));
    if (!p) throw new RangeError(`no proxy for link ${linkName(link)}`);
    return p;
  }

  private async setEnabled(p: LinkProxy, enabled: boolean): Promise<void> {
    if (p.enabled === enabled) return;
    p.proxy = await p.proxy.update({ enabled, listen: p.listen, upstream: p.upstream });
    p.enabled = enabled;
  }

  private async addToxic(p: LinkProxy, name: string, type: 'timeout' | 'latency' | 'bandwidth', stream: 'upstream' | 'downstream', attributes: unknown): Promise<void> {
    if (p.toxics.has(name)) await this.removeToxic(p, name);
    const toxic = await p.proxy.addToxic({ name, type, stream, toxicity: 1, attributes });
    p.toxics.set(name, toxic);
  }

  private async removeToxic(p: LinkProxy, name: string): Promise<void> {
    const t = p.toxics.get(name);
    if (!t) return;
    p.toxics.delete(name);
    await t.remove();
  }

  /** Cuts the given links, cleanly (proxy disabled) or silently (data held forever). */
  async cut(links: readonly Link[], mode: CutMode): Promise<void> {
    await Promise.all(
      links.map(async (link) => {
        const p = this.get(link);
        if (mode === 'clean') await this.setEnabled(p, false);
        else {
          await this.addToxic(p, 'cut-up', 'timeout', 'upstream', { timeout: 0 });
          await this.addToxic(p, 'cut-down', 'timeout', 'downstream', { timeout: 0 });
        }
      }),
    );
  }

  /** Adds latency (each message delayed by latency +/- jitter) on the given links. */
  async slow(links: readonly Link[], latencyMs: number, jitterMs: number): Promise<void> {
    await Promise.all(links.map((l) => this.addToxic(this.get(l), 'latency', 'latency', 'upstream', { latency: latencyMs, jitter: jitterMs })));
  }

  /** Limits the given links to `rateKBps` kilobytes per second. */
  async throttle(links: readonly Link[], rateKBps: number): Promise<void> {
    await Promise.all(links.map((l) => this.addToxic(this.get(l), 'bandwidth', 'bandwidth', 'upstream', { rate: rateKBps })));
  }

  /**
   * Delays (by `delayMs`) or drops the messages whose `type` is one of `types` on the given links,
   * each matching message with chance `probability`. Needs the embedded proxy server.
   */
  async filterMessages(links: readonly Link[], opts: { types: readonly string[]; action: NdjsonAction; delayMs: number; probability: number }): Promise<void> {
    await Promise.all(
      links.map(async (l) => {
        const p = this.get(l);
        await this.removeToxic(p, 'message');
        const toxic = await addNdjsonFilter(p.proxy, {
          name: 'message', stream: 'upstream', types: [...opts.types], action: opts.action, delayMs: opts.delayMs, probability: opts.probability,
        });
        p.toxics.set('message', toxic);
      }),
    );
  }

  /** Removes message faults (held messages are delivered). */
  async healMessages(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => this.removeToxic(p, 'message')));
  }

  /** Ends every partition: proxies enabled, cut toxics removed. */
  async healPartitions(): Promise<void> {
    await Promise.all(
      [...this.proxies.values()].map(async (p) => {
        await this.setEnabled(p, true);
        await this.removeToxic(p, 'cut-up');
        await this.removeToxic(p, 'cut-down');
      }),
    );
  }

  /** Removes latency and bandwidth toxics. */
  async healSlowness(): Promise<void> {
    await Promise.all(
      [...this.proxies.values()].map(async (p) => {
        await this.removeToxic(p, 'latency');
        await this.removeToxic(p, 'bandwidth');
      }),
    );
  }

  /** Every fault removed. */
  async healAll(): Promise<void> {
    await this.healPartitions();
    await this.healSlowness();
    await this.healMessages();
  }

  /** Deletes the proxies (for an external server; the embedded one goes away with its handle). */
  async remove(): Promise<void> {
    await Promise.allSettled([...this.proxies.values()].map((p) => p.proxy.remove()));
    this.proxies.clear();
  }
}
