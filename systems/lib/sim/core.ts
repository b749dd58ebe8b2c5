/**
 * What a system's pure core offers the simulator: etcd raft's Ready/Advance model. Inputs
 * (`step`, `tick`, and whatever requests the system takes) only change the core's memory; the core
 * then says in `ready()` what it wants done, and `advance(ready)` tells it that it was done.
 */
import type { Addressed } from './network.js';

/** The part of a core's `Ready` the simulator acts on itself; the rest is the system's. */
export interface SimReady<M extends Addressed> {
  /** Messages that may leave before this ready's writes are durable (they promise nothing about the disk). */
  early: readonly M[];
  /** Messages that leave only once this ready's writes are durable (votes, acknowledgements). */
  messages: readonly M[];
}

/** A core the simulator can drive. */
export interface SimCore<M extends Addressed, R extends SimReady<M>> {
  /** Delivers one message from a peer. */
  step(msg: M): void;
  /** Advances the core's logical time by one tick. */
  tick(): void;
  /** Whether `ready()` has anything to do. */
  hasReady(): boolean;
  /** What the core wants done since the last `advance`; the core takes no input until then. */
  ready(): R;
  /** The ready was done: its writes are durable and its messages sent. */
  advance(ready: R): void;
}
