/**
 * The shape of a fault package: everything about one kind of fault in one object, as Jepsen's
 * `nemesis/combined.clj` packages pair a generator, the nemesis that applies it, its final heal and
 * how plots draw it. The schedule (`../schedule.ts`) and the nemesis (`../nemesis.ts`) know faults
 * only through this interface and the index (`./index.ts`), so a new kind is one file and one
 * entry there.
 */
import type { HistoryEvent } from '../../../checkers/history/types.js';
import type { Anomaly, CheckerResult } from '../../../workloads/types.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { SystemManifest } from '../../cluster/manifest.js';
import type { Network } from '../../network/network.js';
import type { MutableRng } from '../../random.js';

/** What a package may read of the system's manifest to decide whether it can run (a claim, say). */
export type FaultManifest = Readonly<Partial<SystemManifest>>;

/** The part of a run's results that a package's claim rule (`judge`) reads and changes. */
export interface JudgedResults {
  valid: boolean | 'unknown';
  exitCode: number;
  checkers: Record<string, CheckerResult>;
  firstAnomaly: Anomaly | null;
}

/**
 * Who a fault aims at. `leader`: the node that says it leads (admin `status` with
 * `role: "leader"`), found when the fault starts, as Jepsen's `:primaries`; the planned nodes are
 * the fallback when no node says so (a system without leaders, or an election under way).
 * `leader-minority`: the leader and as many others as make a minority with it (Jepsen's
 * `:minority` drawn to contain a primary), the same fallback.
 */
export type FaultTarget = 'leader' | 'leader-minority';

/** What every planned fault carries: its package's name, and whom it aims at when not as planned. */
export interface FaultSpecBase {
  fault: string;
  target?: FaultTarget;
  /**
   * A replayed fault's `target` in the run it was recorded in: the replay keeps the node it hit
   * then (it is not aimed again), and this keeps the label ("the leader") that says why.
   */
  recordedTarget?: FaultTarget;
}

/** What a fault acts on while a run goes. */
export interface FaultEnv {
  readonly cluster: Cluster;
  /** Null when the run has no proxies (a single node). */
  readonly network: Network | null;
}

/** How reports draw a fault's time span. */
export interface FaultStyle {
  /** A CSS colour, opaque: reports add their own transparency for spans. */
  readonly color: string;
  /** A short name for legends. */
  readonly label: string;
}

/**
 * One kind of fault. `S` is the planned fault it applies; `D` what its draw may give, when it
 * draws a variant of its own that another package applies (latency sometimes draws a bandwidth
 * limit, named in `variants`).
 */
export interface FaultPackage<S extends FaultSpecBase, D extends FaultSpecBase = S> {
  /** The fault's name: in `--nemesis`, in `spec.fault`, and in the history as `start-<name>`. */
  readonly name: S['fault'];
  /** One line for help texts: what the fault does. */
  readonly summary: string;
  /**
   * Why this fault cannot run on a cluster of `nodeCount` nodes whose manifest names
   * `messageTypes` (and says the rest of `manifest`), or null when it can.
   */
  unusable(nodeCount: number, messageTypes: readonly string[], manifest: FaultManifest): string | null;
  /** Draws one fault from the seeded stream, for a cluster where `unusable` gave null. */
  draw(rng: MutableRng, nodes: readonly string[], messageTypes: readonly string[]): D;
  /**
   * Draws one fault for the combined default schedule (no `--nemesis`), where this kind's faults
   * come in more shapes than its explicit draw gives (Jepsen's target set, clock strobes, message
   * duplicates); without it the default uses `draw`.
   */
  drawCombined?(rng: MutableRng, nodes: readonly string[], messageTypes: readonly string[], manifest?: FaultManifest): D;
  /** The fault made concrete on the leader found when it starts (called only for `target: "leader"`). */
  aim(spec: S, leader: string, nodes: readonly string[]): S;
  /** Applies the fault; resolves with an error text when part of it failed. */
  start(spec: S, env: FaultEnv): Promise<string | undefined>;
  /** Undoes exactly this fault (faults of other kinds may still be in force). */
  stop(spec: S, env: FaultEnv): Promise<string | undefined>;
  /**
   * Ends every fault of this kind, whatever the schedule did (`inForce`: those started and not
   * stopped), before the final reads.
   */
  heal(env: FaultEnv, inForce: readonly S[]): Promise<string | undefined>;
  /** A short text of the fault, for the terminal and the history's `description`. */
  describe(spec: S): string;
  readonly style: FaultStyle;
  /**
   * A fault that a correct system rides through with every request still answered (a skewed
   * clock, duplicated or reordered messages): the combined default keeps it in force most of the
   * run, outside COMBINED_MAX_IN_FORCE, so that the faults that cost availability meet it.
   */
  readonly background?: boolean;
  /**
   * How often this kind's faults come in the combined default, against a kind of weight 1 (the
   * default): its quiet gaps are drawn as every kind's, then divided by it. Faults that cost
   * availability share one place in force (COMBINED_MAX_IN_FORCE), so a kind that breaks more
   * systems (partitions, pauses) takes more of the run than one that breaks few.
   */
  readonly combinedWeight?: number;
  /**
   * A fault of this (background) kind that goes with `of`, a fault aimed at the leader, in the
   * combined default: on the same node, for the same span (a clock step on the leader as it is
   * cut off). Without it the kind never joins another.
   */
  companion?(rng: MutableRng, nodes: readonly string[], of: FaultSpecBase, manifest?: FaultManifest): D;
  /** Packages that this one's draw may give instead of its own fault. */
  readonly variants?: readonly FaultPackage<FaultSpecBase>[];
  /**
   * Holds a run's results to what the system's manifest claims about this fault, from the
   * history's events (a run and its recheck alike); without it the checkers alone judge.
   */
  judge?<R extends JudgedResults>(results: R, events: readonly HistoryEvent[], manifest: FaultManifest, nodes: readonly string[]): R;
  /** The claims stored results were judged by (`judge`), read back from them for a recheck. */
  recordedManifest?(results: Record<string, unknown>): FaultManifest;
}
