/**
 * Seeded generators of transactions for the list-append and rw-register workloads.
 *
 * A generator keeps a pool of active keys; each transaction picks 1..n micro-operations on keys
 * drawn uniformly or exponentially from the pool (a few hot keys). A key that has taken
 * `maxWritesPerKey` writes is retired and replaced with a fresh one, so lists stay short and
 * version orders stay recoverable, as in Jepsen's list-append workload. Written values are unique
 * per key (a per-key counter), which the checkers rely on.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { RandomGenerator } from 'pure-rand';

/** A micro-operation as sent on the wire: reads carry null until answered. */
export type TxnOp = [f: 'append' | 'w' | 'r', key: number, value: number | null];

export interface TxnGenOptions {
  /** Keys active at any time. Default 100. */
  activeKeys?: number;
  /** How keys are drawn from the active pool. Default exponential. */
  keyDistribution?: 'uniform' | 'exponential';
  /** Micro-operations per transaction, at least 1. Default 1..5. */
  minTxnLength?: number;
  maxTxnLength?: number;
  /** Writes a key takes before it is retired. Default 32. */
  maxWritesPerKey?: number;
  /** Probability that a micro-operation is a read. Default 0.5. */
  readFraction?: number;
}

/** The generator's state between transactions. */
export interface TxnGenState {
  /** The active keys. */
  pool: number[];
  /** Writes taken so far per active key. */
  writes: Map<number, number>;
  /** The next fresh key. */
  nextKey: number;
}

/** Options with their defaults filled in, checked. */
export function txnGenDefaults(options: TxnGenOptions = {}): Required<TxnGenOptions> {
  const o: Required<TxnGenOptions> = {
    activeKeys: options.activeKeys ?? 100,
    keyDistribution: options.keyDistribution ?? 'exponential',
    minTxnLength: options.minTxnLength ?? 1,
    maxTxnLength: options.maxTxnLength ?? 5,
    maxWritesPerKey: options.maxWritesPerKey ?? 32,
    readFraction: options.readFraction ?? 0.5,
  };
  if (!(o.activeKeys >= 1) || !(o.minTxnLength >= 1) || !(o.maxTxnLength >= o.minTxnLength) || !(o.maxWritesPerKey >= 1)) {
    throw new RangeError('txn generator: need activeKeys >= 1, 1 <= minTxnLength <= maxTxnLength, maxWritesPerKey >= 1');
  }
  if (!(o.readFraction >= 0 && o.readFraction <= 1)) throw new RangeError('txn generator: readFraction must be in [0, 1]');
  return o;
}

/** The state before the first transaction. */
export function initialTxnGenState(o: Required<TxnGenOptions>): TxnGenState {
  return { pool: Array.from({ length: o.activeKeys }, (_, i) => i), writes: new Map(), nextKey: o.activeKeys };
}

/**
 * Draws one transaction, updating `st` in place. `int(min, max)` is the source of randomness
 * (inclusive bounds), so the same draws give the same transactions.
 */
export function drawTxn(o: Required<TxnGenOptions>, st: TxnGenState, writeF: 'append' | 'w', int: (min: number, max: number) => number): TxnOp[] {
  const n = st.pool.length;
  const pickSlot = (): number => {
    if (o.keyDistribution === 'uniform') return int(0, n - 1);
    // Exponential: slot i with weight e^(-i / (n / 10)), so a tenth of the keys take most ops.
    const u = (int(0, 0xfffffff) + 0.5) / 0x10000000;
    return Math.min(n - 1, Math.floor(-Math.log(u) * Math.max(1, n / 10)));
  };
  const len = int(o.minTxnLength, o.maxTxnLength);
  const ops: TxnOp[] = [];
  for (let i = 0; i < len; i++) {
    const slot = pickSlot();
    const key = st.pool[slot]!;
    if (int(0, 999) < o.readFraction * 1000) {
      ops.push(['r', key, null]);
    } else {
      const w = (st.writes.get(key) ?? 0) + 1;
      st.writes.set(key, w);
      ops.push([writeF, key, w]);
      if (w >= o.maxWritesPerKey) {
        st.writes.delete(key);
        st.pool[slot] = st.nextKey++;
      }
    }
  }
  return ops;
}

/** Draws transactions from a seed; `next()` is deterministic given the seed and options. */
export class TxnGenerator {
  private readonly rng: RandomGenerator;
  private readonly o: Required<TxnGenOptions>;
  private readonly st: TxnGenState;
  private readonly int = (min: number, max: number): number => unsafeUniformIntDistribution(min, max, this.rng);

  constructor(
    seed: number,
    private readonly writeF: 'append' | 'w',
    options: TxnGenOptions = {},
  ) {
    this.o = txnGenDefaults(options);
    this.rng = xoroshiro128plus(seed);
    this.st = initialTxnGenState(this.o);
  }

  /** The next transaction's micro-operations. */
  next(): TxnOp[] {
    return drawTxn(this.o, this.st, this.writeF, this.int);
  }
}
