/**
 * The model interface of the linearizability checker: a pure sequential specification of an
 * object (a register, a queue...), in the shape of Porcupine's `Model` and Knossos's models.
 *
 * The checker turns each operation into the model's input once (`prepare`), then calls
 * `step(state, input, output)` many times while it searches; `output` is the completion's value,
 * or `UNKNOWN` for a crashed operation (completed by `info`, or never completed), whose result
 * nobody saw. `step` returns the next state, or `ILLEGAL` when the operation cannot take effect in
 * that state with that output. States must be treated as immutable values.
 */
import type { Operation } from '../history/pair.js';
import type { CollectionOutcome } from './unambiguous-collections.js';
import type { RegisterOp } from './unambiguous.js';

/** Returned by `step` when the operation cannot happen in the given state. */
export const ILLEGAL: unique symbol = Symbol('illegal');
export type Illegal = typeof ILLEGAL;

/** The output of a crashed operation: it may have happened, but its result is not known. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Unknown = typeof UNKNOWN;

/** A group of operations that can be checked on its own (P-compositionality, e.g. one key). */
export interface Partition {
  /** A label for reports: the key, as text. */
  key: string;
  operations: Operation[];
}

/** A sequential specification. `S` is the state, `I` the prepared input of one operation. */
export interface Model<S = unknown, I = unknown> {
  /** The model's name, as `--model` takes it. */
  readonly name: string;
  /** The initial state. */
  init(): S;
  /**
   * Turns an operation into this model's input (parse and check its value once, not at every
   * step). Throws ModelInputError for an operation the model does not understand.
   */
  prepare(op: Operation): I;
  /** The state after the operation, or ILLEGAL. `output` is UNKNOWN for a crashed operation. */
  step(state: S, input: I, output: unknown): S | Illegal;
  /**
   * A canonical key of a state: equal states must give equal keys. When `equal` is absent the key
   * must also be unique (different states, different keys). Defaults to the state itself for
   * primitive states and its JSON text for others.
   */
  hash?(state: S): string | number | boolean | null;
  /** Equality of states, when `hash` may give the same key to different states. */
  equal?(a: S, b: S): boolean;
  /** True when the operation never changes the state: a crashed one can then be left out. */
  readOnly?(input: I): boolean;
  /** Splits a history into independent parts (by key). Absent: one part. */
  partition?(operations: Operation[]): Partition[];
  /** One-line description of an operation, e.g. `cas x 1->2`. */
  describeOperation?(op: Operation): string;
  /** One-line description of a state, e.g. `register = 3`. */
  describeState?(state: S): string;
  /**
   * For register models: the operation as a read, write or cas, so that a history whose values
   * are never written twice can be decided without a search (./unambiguous.ts).
   */
  registerOp?(input: I): RegisterOp;
  /** For register models (with `registerOp`): the initial value. */
  readonly registerInitial?: unknown;
  /**
   * For collection models (set, queues): decides a partition whose values are added or enqueued
   * at most once without a search, or says why it cannot (./unambiguous-collections.ts). `ops` are
   * the partition's operations as the search gets them, `inputs` their prepared inputs.
   */
  decideUnambiguous?(ops: readonly Operation[], inputs: readonly I[]): CollectionOutcome;
}

/** A model's complaint about an operation it cannot interpret (bad input, exit 254). */
export class ModelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}
