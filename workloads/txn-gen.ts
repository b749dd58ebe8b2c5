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

/** Draws transactions; `next()` is deterministic given the seed and options. */
export class TxnGenerator {
  private rng: RandomGenerator;
  private readonly pool: number[];
  private readonly writes = new Map<number, number>();
  private nextKey: number;
  private readonly o: Required<TxnGenOptions>;

  constructor(
    seed: number,
    private readonly writeF: 'append' | 'w',
    options: TxnGenOptions = {},
  ) {
    this.o = {
      activeKeys: options.activeKeys ?? 100,
      keyDistribution: options.keyDistribution ?? 'exponential',
      minTxnLength: options.minTxnLength ?? 1,
      maxTxnLength: options.maxTxnLength ?? 5,
      maxWritesPerKey: options.maxWritesPerKey ?? 32,
      readFraction: options.readFraction ?? 0.5,
    };
    const o = this.o;
    if (!(o.activeKeys >= 1) || !(o.minTxnLength >= 1) || !(o.maxTxnLength >= o.minTxnLength) || !(o.maxWritesPerKey >= 1)) {
      throw new RangeError('txn generator: need activeKeys >= 1, 1 <= minTxnLength <= maxTxnLength, maxWritesPerKey >= 1');
    }
    this.rng = xoroshiro128plus(seed);
    this.pool = Array.from({ length: o.activeKeys }, (_, i) => i);
    this.nextKey = o.activeKeys;
  }

  private int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.rng);
  }

  private pickSlot(): number {
    const n = this.pool.length;
    if (this.o.keyDistribution === 'uniform') return this.int(0, n - 1);
    // Exponential: slot i with weight 2^(-i / (n / 10)), i.e. a tenth of the keys take most ops.
    const u = (this.int(0, 0xfffffff) + 0.5) / 0x10000000;
    const scale = Math.max(1, n / 10);
    return Math.min(n - 1, Math.floor(-Math.log(u) * scale));
  }

  /** The next transaction's micro-operations. */
  next(): TxnOp[] {
    const len = this.int(this.o.minTxnLength, this.o.maxTxnLength);
    const ops: TxnOp[] = [];
    for (let i = 0; i < len; i++) {
      const slot = this.pickSlot();
      const key = this.pool[slot]!;
      if (this.int(0, 999) < this.o.readFraction * 1000) {
        ops.push(['r', key, null]);
      } else {
        const w = (this.writes.get(key) ?? 0) + 1;
        this.writes.set(key, w);
        ops.push([this.writeF, key, w]);
        if (w >= this.o.maxWritesPerKey) {
          this.writes.delete(key);
          this.pool[slot] = this.nextKey++;
        }
      }
    }
    return ops;
  }
}
