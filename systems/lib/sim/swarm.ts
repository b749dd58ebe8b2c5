/**
 * What a system offers the swarm hunt (`faultline hunt --simulate`, harness/hunt/swarm.ts): one
 * simulated run of its core for a case the hunt draws, each case with its own subset and
 * intensity of faults (swarm testing, Groce et al., ISSTA 2012: a fault left out of a case lets
 * other behaviour happen). A system names the module that exports `swarm: SwarmTarget` in its
 * manifest's `simulator` field; the harness loads it by path, as it starts a node by command.
 */
import type { Buggify } from './simulator.js';
import type { SimEvent } from './history.js';

/** The faults of one case; every one is off unless set. */
export interface SwarmFaults {
  /** Probability that a peer message is lost. */
  dropRate?: number;
  /** Probability that a peer message arrives twice. */
  duplicateRate?: number;
  /** Peer messages take 1..delayMaxMs ms. */
  delayMaxMs?: number;
  /** Messages on one link may overtake each other. */
  reorder?: boolean;
  partition?: boolean;
  crash?: boolean;
  pause?: boolean;
  /** The wall clock of a node jumps back by up to this many ms. */
  clockSkewMs?: number;
  /** Probability that a node crashes between writing and syncing a ready's state. */
  crashBeforeSyncRate?: number;
  /** Mean ms between fault changes. */
  intervalMs: number;
}

/** One simulated run, as the hunt draws it (and as case.json stores it for a replay). */
export interface SwarmCase {
  seed: number;
  variant: string;
  workload: string;
  nodes: number;
  clients: number;
  keys: number;
  durationMs: number;
  faults: SwarmFaults;
  buggify: Buggify;
}

/** What one simulated run produced. */
export interface SwarmOutcome {
  /** The clients' history (and the nemesis's events), in the harness's history format. */
  history: SimEvent[];
  /** Broken invariants, with the virtual time they were seen. */
  violations: { timeMs: number; what: string }[];
  /** Events the simulator ran. */
  events: number;
}

/** A system's side of the swarm hunt. */
export interface SwarmTarget {
  /** The workloads its simulated clients can run (names of the harness's workloads). */
  workloads: readonly string[];
  /** Node counts a case may draw. */
  nodes: readonly number[];
  /** The fault switches its simulation honours (the others are never drawn). */
  faults: readonly (keyof Omit<SwarmFaults, 'intervalMs'>)[];
  run(c: SwarmCase): SwarmOutcome;
}
