/**
 * The part of a `LinearizableResult` that a report draws: for each partition found not
 * linearizable, the op that cannot be linearized, the longest linearizable prefix with the model
 * state after each step, and the candidates that could have come next. Operations are named by
 * their history indexes, so a reader maps them onto its own view of the history.
 *
 * Results are read back from results.json, where an older or hand-written file may leave out
 * fields a partition does not need for the drawing (counts, timings): only the fields used here
 * are required.
 */
import type { Counterexample, LinearizableResult, OperationSummary, PartitionResult } from './check.js';

/** An operation of a witness, by its history indexes. */
export interface WitnessOp {
  /** History index of the invocation. */
  index: number;
  /** History index of the completion, or null. */
  completeIndex: number | null;
  /** The model's one-line description of the op. */
  description: string;
}

/** One step of the prefix: the op and the model state before and after it. */
export interface WitnessStep {
  op: WitnessOp;
  /** The state before the step: the state after the step before it, null for the first one shown. */
  before: string | null;
  after: string;
}

/** The witness of one partition that is not linearizable. */
export interface LinearizableWitness {
  /** The partition's key, or null when the history was checked as a whole. */
  key: string | null;
  /** The completed op that cannot be linearized after the prefix. */
  op: WitnessOp;
  /** The model state at the end of the prefix. */
  state: string;
  /** Ops of the prefix left out before `prefix` (the checker keeps only its end). */
  prefixOmitted: number;
  prefix: WitnessStep[];
  candidates: Array<{ op: WitnessOp; outcome: CandidateOutcomeName; stateAfter: string | null }>;
}

type CandidateOutcomeName = Counterexample['candidates'][number]['outcome'];

/** What a report draws of a linearizability result. */
export interface LinearizableView {
  witnesses: LinearizableWitness[];
}

/** The fields of a partition a view needs; the rest of `PartitionResult` may be absent. */
export type PartitionForView = Pick<PartitionResult, 'key' | 'valid' | 'counterexample'>;

/** A `LinearizableResult` as far as a view needs it. */
export interface LinearizableResultForView {
  checker?: LinearizableResult['checker'];
  valid: LinearizableResult['valid'];
  partitions: PartitionForView[];
}

function witnessOp(op: OperationSummary): WitnessOp {
  return { index: op.index, completeIndex: op.completeIndex ?? null, description: op.description };
}

/** The witnesses of a result, one per partition with a counterexample, in the order checked. */
export function linearizableView(result: LinearizableResultForView): LinearizableView {
  const witnesses: LinearizableWitness[] = [];
  if (result.valid !== false) return { witnesses };
  for (const part of result.partitions) {
    const cx = part.counterexample;
    if (part.valid !== false || !cx) continue;
    let before: string | null = null;
    const prefix = cx.prefix.map((step): WitnessStep => {
      const s: WitnessStep = { op: witnessOp(step.op), before, after: step.stateAfter };
      before = step.stateAfter;
      return s;
    });
    witnesses.push({
      key: part.key === '' ? null : part.key,
      op: witnessOp(cx.op),
      state: cx.state,
      prefixOmitted: cx.prefixOmitted,
      prefix,
      candidates: cx.candidates.map((c) => ({ op: witnessOp(c.op), outcome: c.outcome, stateAfter: c.stateAfter ?? null })),
    });
  }
  return { witnesses };
}

/**
 * Whether a value read back from results.json has the shape a view needs: a verdict and
 * partitions whose counterexamples (where present) have an op and a prefix of ops. A result
 * written by `checkLinearizable` always has it.
 */
export function isLinearizableResult(v: unknown): v is LinearizableResultForView {
  if (!isObject(v) || !Array.isArray(v.partitions)) return false;
  if (v.checker !== undefined && v.checker !== 'linearizable') return false;
  if (v.valid !== true && v.valid !== false && v.valid !== 'unknown') return false;
  return v.partitions.every((p) => {
    if (!isObject(p) || typeof p.key !== 'string') return false;
    const cx = p.counterexample;
    if (cx === undefined) return true;
    return (
      isObject(cx) &&
      isOp(cx.op) &&
      typeof cx.state === 'string' &&
      typeof cx.prefixOmitted === 'number' &&
      Array.isArray(cx.prefix) &&
      cx.prefix.every((s) => isObject(s) && isOp(s.op) && typeof s.stateAfter === 'string') &&
      Array.isArray(cx.candidates) &&
      cx.candidates.every((c) => isObject(c) && isOp(c.op) && (c.outcome === 'illegal' || c.outcome === 'dead-end'))
    );
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOp(v: unknown): v is OperationSummary {
  return isObject(v) && typeof v.index === 'number' && typeof v.description === 'string';
}
