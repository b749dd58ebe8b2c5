/**
 * A simulated network between named nodes: seeded delay, loss, duplication and reordering, and
 * partitions. It decides when (if ever) each message arrives; the simulator delivers it then.
 */
import type { Rng } from '../rng.js';

/** A message the network can route: it names its sender and its receiver. */
export interface Addressed {
  from: string;
  to: string;
}

/** Fault switches of the network; every one is off unless set. */
export interface NetworkOptions {
  /** Probability that a message is lost. */
  dropRate?: number;
  /** Probability that a message arrives twice (the copy takes its own delay). */
  duplicateRate?: number;
  /** Each message takes a uniform delay in [1, delayMaxMs] ms; 2 unless set. */
  delayMaxMs?: number;
  /**
   * Whether messages on one link may overtake each other. Off by default: links are FIFO, as TCP
   * connections are, and a message never arrives before one sent earlier on its link.
   */
  reorder?: boolean;
}

/** Routes messages; counts them. */
export class SimNetwork {
  /** Messages handed to the network, including those it then lost. */
  sent = 0;
  private groups: readonly (readonly string[])[] | null = null;
  private readonly linkFree = new Map<string, number>();

  constructor(
    private readonly rand: Rng,
    private readonly opts: NetworkOptions = {},
  ) {}

  /** Splits the nodes into groups that hear only each other; null heals the network. */
  partition(groups: readonly (readonly string[])[] | null): void {
    this.groups = groups;
  }

  get partitioned(): readonly (readonly string[])[] | null {
    return this.groups;
  }

  /** Whether a message from `a` reaches `b` now. */
  connected(a: string, b: string): boolean {
    return this.groups === null || this.groups.some((g) => g.includes(a) && g.includes(b));
  }

  /** The virtual times at which a message sent at `now` arrives: none when it is lost, two when duplicated. */
  route(m: Addressed, now: number): number[] {
    this.sent++;
    if (!this.connected(m.from, m.to)) return [];
    if (this.rand.chance(this.opts.dropRate ?? 0)) return [];
    const times = [this.arrival(m, now)];
    if (this.rand.chance(this.opts.duplicateRate ?? 0)) times.push(this.arrival(m, now));
    return times;
  }

  private arrival(m: Addressed, now: number): number {
    const delay = this.rand.int(1, Math.max(1, this.opts.delayMaxMs ?? 2));
    if (this.opts.reorder === true) return now + delay;
    const link = `${m.from}>${m.to}`;
    const at = Math.max(now + delay, this.linkFree.get(link) ?? 0);
    this.linkFree.set(link, at);
    return at;
  }
}
