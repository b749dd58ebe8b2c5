/**
 * The search at the heart of the linearizability checker: Wing & Gong's algorithm with Lowe's
 * memo (WGL), in the form Porcupine made fast, for one partition of a history.
 *
 * The history is a doubly linked list of call and return entries in time order. The search walks
 * it from the head: at a call entry it tries to linearize that operation now (step the model; if
 * legal and the pair (set of linearized operations, state) is new, commit to it: push a frame and
 * lift the operation's entries out of the list, then start again from the head); at a return
 * entry of an operation not yet linearized it must backtrack (pop, unlift, try the next call).
 * It succeeds when every completed operation is linearized. A crashed operation has a call entry
 * and no return entry: it may be linearized at any point after its call, or never.
 *
 * Speed in V8, with no allocation per step:
 * - the list is two Int32Arrays (dancing links: lift and unlift are four stores);
 * - the linearized set is a Uint32Array bitset with a 32-bit Zobrist hash updated by one XOR;
 * - states are interned to small integers, and a direct-mapped cache remembers (state, op) ->
 *   next state, so repeated steps cost neither a model call nor a hash of the state;
 * - the memo is an open hash table over typed arrays. Every push adds exactly one memo entry, so
 *   the entry doubles as the stack frame (its parent link gives the path back to the root, which
 *   is how the longest linearizable prefix is kept without copying);
 * - completed operations are numbered first, in call order, and crashed ones after them, so a
 *   memo entry stores the set compactly: "all below lo, a window of words, none above hi", plus
 *   the crashed operations' own bitset. A 100k-operation history does not need n^2/8 bytes.
 *
 * The search is resumable (`run(maxIterations)`), so the partitions of a history can be searched
 * round-robin and the first one found not linearizable decides the verdict, as Porcupine's
 * parallel search does. Budgets: the caller's deadline and memory ceiling end it as 'unknown'.
 */
import type { Operation } from '../history/pair.js';
import { ILLEGAL, UNKNOWN, type Model } from './model.js';

/** The budget shared by the partitions of one check. */
export interface SearchBudget {
  /** performance.now() value after which the search gives up. */
  deadline: number;
  /** The ceiling on the bytes the memos may take, summed over live searches. */
  memoryLimitBytes: number;
  /** Bytes taken so far (the searches add to it and give it back when done). */
  memoryUsedBytes: number;
  /** Set (first element not 0) by another thread when the search should give up. */
  cancelFlag?: Int32Array;
}

/** The outcome of the search of one partition. */
export interface SearchOutcome {
  valid: boolean | 'unknown';
  cause?: 'timeout' | 'memory';
  /** Model steps tried (cached ones included). */
  steps: number;
  /** Entries in the memo at the end. */
  memoEntries: number;
  /** Not linearizable: the longest linearizable prefix, as positions in the `ops` given, in order. */
  prefix?: number[];
  /** The state after each operation of `prefix`. */
  prefixStates?: unknown[];
  /** The state at the end of the prefix (the initial state when the prefix is empty). */
  finalState?: unknown;
  /** Position in `ops` of the completed operation that could not be linearized after the prefix. */
  failingOp?: number;
}

/** A fixed-seed 32-bit generator for the Zobrist values (the verdict never depends on them). */
function zobristValues(n: number): Int32Array {
  const out = new Int32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    // splitmix32
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[i] = z ^ (z >>> 16);
  }
  return out;
}

const FULL = 0xffffffff;

// Fields of a memo entry (= stack frame) in the entry arena, STRIDE int32s each.
const E_NEXT = 0; // next entry in the same hash slot chain, -1 at the end
const E_KEY = 1; // the 32-bit memo key (for rehashing)
const E_STATE = 2; // state after the op
const E_LO = 3; // lo after the op
const E_HI = 4; // hi after the op
const E_OFF = 5; // offset of its words in the word pool
const E_OP = 6; // the op linearized by this frame
const E_BEFORE = 7; // state before the op
const E_SAVED_LO = 8; // lo before
const E_SAVED_HI = 9; // hi before
const E_PARENT = 10; // the frame below, -1 at the root
const E_OK = 11; // completed ops linearized up to and including this frame
const E_FORCED = 12; // 1 when the op was linearized by the read-only rule (no alternatives)
const STRIDE = 13;
/**
 * Bytes charged for an interned state beyond its key's characters: the state kept, its Map entry
 * and its slot in the states array (an estimate; V8 does not say).
 */
const STATE_OVERHEAD_BYTES = 64;
const CACHE_BITS = 14;
/** States that are integers below this are interned through an array, not a Map. */
const SMALL_STATE_LIMIT = 1 << 22;

/** A resumable WGL search of one partition. */
export class PartitionSearch<S, I> {
  private readonly n: number;
  private readonly nOk: number;
  private readonly order: number[];
  private readonly opInput: I[];
  private readonly opOutput: unknown[];
  /** 1 for operations that never change the state (model.readOnly). */
  private readonly readOnly: Uint8Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly HEAD: number;
  private readonly okWords: number;
  private readonly crWords: number;
  private readonly bits: Uint32Array;
  private readonly zob: Int32Array;
  private readonly states: S[] = [];
  private readonly primIds = new Map<unknown, number>();
  private smallIds = new Int32Array(64).fill(-1);
  private readonly bucketIds = new Map<unknown, number[]>();
  private readonly hashFn: ((s: S) => unknown) | undefined;
  private readonly equalFn: ((a: S, b: S) => boolean) | undefined;
  // Transition cache: (state, op) -> next state id, or -2 for illegal.
  private readonly tcState = new Int32Array(1 << CACHE_BITS).fill(-1);
  private readonly tcOp = new Int32Array(1 << CACHE_BITS);
  private readonly tcNext = new Int32Array(1 << CACHE_BITS);
  // Memo: entry arena, word pool, and the open hash table of chain heads.
  private arena = new Int32Array(STRIDE * 1024);
  private pool = new Uint32Array(4096);
  private poolUsed = 0;
  private table = new Int32Array(1024).fill(-1);
  private entries = 0;
  /**
   * Bytes the search holds, as charged to the budget: the capacity (not the use) of every typed
   * array it grows (memo arena, word pool, hash table, the links and sets sized by the history)
   * plus an estimate for each interned state. Charged when allocated, so the check that follows
   * sees a growth before the next one can happen.
   */
  private bytes = 0;
  /** Bytes allocated but not yet added to a budget (the constructor has none to add them to). */
  private uncharged = 0;
  // Search position, kept across run() calls.
  private hash = 0;
  private lo = 0;
  private hi = -1;
  private remaining: number;
  private state: number;
  private top = -1;
  private best = -1;
  private bestCount = 0;
  private failingOp = -1;
  private entry: number;
  /** True when the search has just arrived at a node (nothing tried there yet). */
  private fresh = true;
  private readonly anyReadOnly: boolean;
  private steps = 0;
  private result: SearchOutcome | null = null;

  /**
   * `ops` are the operations to linearize, in call order (completed ones and crashed ones that may
   * change the state); `inputs[i]` is `model.prepare(ops[i])`.
   */
  constructor(
    private readonly model: Model<S, I>,
    private readonly ops: readonly Operation[],
    inputs: readonly I[],
  ) {
    const n = ops.length;
    this.n = n;
    const order: number[] = [];
    for (let i = 0; i < n; i++) if (ops[i]!.status === 'ok') order.push(i);
    this.nOk = order.length;
    for (let i = 0; i < n; i++) if (ops[i]!.status !== 'ok') order.push(i);
    this.order = order;
    this.opInput = order.map((k) => inputs[k]!);
    this.opOutput = order.map((k) => (ops[k]!.status === 'ok' ? ops[k]!.output : UNKNOWN));
    this.readOnly = new Uint8Array(n);
    if (model.readOnly) for (let i = 0; i < n; i++) this.readOnly[i] = model.readOnly(this.opInput[i]!) ? 1 : 0;
    this.anyReadOnly = this.readOnly.includes(1);
    this.HEAD = 2 * n;
    this.next = new Int32Array(2 * n + 1);
    this.prev = new Int32Array(2 * n + 1);
    const positions: number[] = [];
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const op = ops[order[i]!]!;
      positions.push(op.callPos);
      ids.push(i);
      if (i < this.nOk) {
        positions.push(op.returnPos);
        ids.push(n + i);
      }
    }
    const idx = ids.map((_, k) => k).sort((a, b) => positions[a]! - positions[b]!);
    let last = this.HEAD;
    for (const k of idx) {
      const e = ids[k]!;
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    }
    this.next[last] = -1;
    this.okWords = (this.nOk + 31) >>> 5;
    this.crWords = (n - this.nOk + 31) >>> 5;
    this.bits = new Uint32Array(this.okWords + this.crWords);
    this.zob = zobristValues(n);
    this.hashFn = model.hash?.bind(model) as ((s: S) => unknown) | undefined;
    this.equalFn = model.equal?.bind(model);
    this.remaining = this.nOk;
    this.charge(
      4 * (this.next.length + this.prev.length + this.bits.length + this.zob.length + this.arena.length + this.pool.length + this.table.length + this.smallIds.length) +
        this.readOnly.length +
        12 * (1 << CACHE_BITS) +
        8 * (this.order.length + this.opInput.length + this.opOutput.length),
    );
    this.state = this.intern(model.init());
    this.entry = this.next[this.HEAD]!;
  }

  /** Counts bytes the search has just allocated; the budget sees them at the next check. */
  private charge(bytes: number): void {
    this.bytes += bytes;
    this.uncharged += bytes;
  }

  /** Bytes the memo takes now. */
  get memoryBytes(): number {
    return this.bytes;
  }

  private intern(s: S): number {
    // Fast path: models whose states are small non-negative integers (ids of their own).
    if (typeof s === 'number' && !this.hashFn && (s | 0) === s && s >= 0 && s < SMALL_STATE_LIMIT) {
      let map = this.smallIds;
      if (s >= map.length) {
        const m = new Int32Array(Math.min(SMALL_STATE_LIMIT, Math.max(map.length * 2, s + 1))).fill(-1);
        this.charge(4 * (m.length - map.length));
        m.set(map);
        this.smallIds = map = m;
      }
      let id = map[s]!;
      if (id < 0) {
        id = this.states.length;
        this.states.push(s);
        map[s] = id;
        this.charge(8);
      }
      return id;
    }
    let k: unknown;
    if (this.hashFn) k = this.hashFn(s);
    else if (s === null || typeof s !== 'object') k = s;
    else k = '\u0001json:' + JSON.stringify(s);
    if (!this.equalFn) {
      let id = this.primIds.get(k);
      if (id === undefined) {
        id = this.states.length;
        this.states.push(s);
        this.primIds.set(k, id);
        this.charge(stateBytes(k));
      }
      return id;
    }
    let bucket = this.bucketIds.get(k);
    if (!bucket) this.bucketIds.set(k, (bucket = []));
    for (const id of bucket) if (this.equalFn(this.states[id]!, s)) return id;
    const id = this.states.length;
    this.states.push(s);
    bucket.push(id);
    this.charge(stateBytes(k));
    return id;
  }

  private growArena(): void {
    const a = new Int32Array(this.arena.length * 2);
    this.charge(4 * this.arena.length);
    a.set(this.arena);
    this.arena = a;
  }

  private growTable(): void {
    const cap = this.table.length * 2;
    const t = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    const a = this.arena;
    for (let e = 0; e < this.entries; e++) {
      const base = e * STRIDE;
      const slot = a[base + E_KEY]! & mask;
      a[base + E_NEXT] = t[slot]!;
      t[slot] = e;
    }
    this.charge((cap - this.table.length) * 4);
    this.table = t;
  }

  /**
   * Runs at most `maxIterations` iterations. Returns the outcome when decided (or when a budget
   * ran out), null when there is more to do.
   */
  run(maxIterations: number, budget: SearchBudget): SearchOutcome | null {
    if (this.result) return this.result;
    const n = this.n;
    const nOk = this.nOk;
    const HEAD = this.HEAD;
    const next = this.next;
    const prev = this.prev;
    const bits = this.bits;
    const zob = this.zob;
    const okWords = this.okWords;
    const crWords = this.crWords;
    const model = this.model;
    const states = this.states;
    const opInput = this.opInput;
    const opOutput = this.opOutput;
    const readOnly = this.readOnly;
    const tcState = this.tcState;
    const tcOp = this.tcOp;
    const tcNext = this.tcNext;
    const cacheMask = (1 << CACHE_BITS) - 1;
    let hash = this.hash;
    let lo = this.lo;
    let hi = this.hi;
    let remaining = this.remaining;
    let state = this.state;
    let top = this.top;
    let entry = this.entry;
    let fresh = this.fresh;
    const anyReadOnly = this.anyReadOnly;
    let steps = this.steps;
    let arena = this.arena;
    let table = this.table;
    let pool = this.pool;
    let iterations = 0;
    let outcome: SearchOutcome | null = null;

    while (remaining > 0) {
      if (++iterations > maxIterations) break;
      // Every allocation (a memo entry's growth, an interned state) is charged before the next
      // iteration, so the ceiling is overshot by one growth at most.
      if (this.uncharged > 0) {
        budget.memoryUsedBytes += this.uncharged;
        this.uncharged = 0;
        if (budget.memoryUsedBytes > budget.memoryLimitBytes) {
          outcome = this.outcome('unknown', steps, 'memory');
          break;
        }
      }
      if ((iterations & 1023) === 0 && (performance.now() > budget.deadline || (budget.cancelFlag !== undefined && budget.cancelFlag[0] !== 0))) {
        outcome = this.outcome('unknown', steps, 'timeout');
        break;
      }
      if (fresh) {
        // Arriving at a new node: a read-only operation legal here may be linearized first
        // without branching (see below), so look for one before branching on anything else.
        fresh = false;
        if (anyReadOnly) {
          for (let e = next[HEAD]!; e >= 0 && e < n; e = next[e]!) {
            if (readOnly[e] === 0) continue;
            const sl = (Math.imul(state, 0x9e3779b1) ^ Math.imul(e + 1, 0x85ebca6b)) >>> (32 - CACHE_BITS);
            let ns: number;
            if (tcState[sl] === state && tcOp[sl] === e) {
              ns = tcNext[sl]!;
            } else {
              const r = model.step(states[state]!, opInput[e]!, opOutput[e]);
              ns = r === ILLEGAL ? -2 : this.intern(r as S);
              tcState[sl] = state;
              tcOp[sl] = e;
              tcNext[sl] = ns;
            }
            if (ns >= 0) {
              entry = e;
              break;
            }
          }
        }
      }
      if (entry < n) {
        // A call entry: try to linearize operation `entry` now.
        const op = entry;
        steps++;
        const slot = (Math.imul(state, 0x9e3779b1) ^ Math.imul(op + 1, 0x85ebca6b)) >>> (32 - CACHE_BITS);
        let nextState: number;
        if (tcState[slot] === state && tcOp[slot] === op) {
          nextState = tcNext[slot]!;
        } else {
          const r = model.step(states[state]!, opInput[op]!, opOutput[op]);
          nextState = r === ILLEGAL ? -2 : this.intern(r as S);
          tcState[slot] = state;
          tcOp[slot] = op;
          tcNext[slot] = nextState;
        }
        if (nextState >= 0) {
          const isOk = op < nOk;
          const w = isOk ? op >>> 5 : okWords + ((op - nOk) >>> 5);
          const bit = 1 << ((isOk ? op : op - nOk) & 31);
          bits[w] |= bit;
          hash ^= zob[op]!;
          const savedLo = lo;
          const savedHi = hi;
          if (isOk) {
            if (op === lo) {
              lo++;
              while (lo < nOk) {
                if ((lo & 31) === 0 && bits[lo >>> 5] === FULL) {
                  lo += 32;
                  continue;
                }
                if ((bits[lo >>> 5]! & (1 << (lo & 31))) === 0) break;
                lo++;
              }
              if (lo > nOk) lo = nOk;
            }
            if (op > hi) hi = op;
          }
          // Memo lookup of (linearized set, state).
          const key = (hash ^ Math.imul(nextState + 1, 0x27d4eb2d)) | 0;
          const tslot = key & (table.length - 1);
          const loW = lo >>> 5;
          const winLen = hi > lo ? (hi >>> 5) - loW + 1 : 0;
          let seen = false;
          for (let e = table[tslot]!; e >= 0; e = arena[e * STRIDE + E_NEXT]!) {
            const base = e * STRIDE;
            if (arena[base + E_KEY] !== key || arena[base + E_STATE] !== nextState || arena[base + E_LO] !== lo || arena[base + E_HI] !== hi) {
              continue;
            }
            const off = arena[base + E_OFF]!;
            let same = true;
            for (let j = 0; j < winLen; j++) {
              if (pool[off + j] !== bits[loW + j]) {
                same = false;
                break;
              }
            }
            if (same) {
              for (let j = 0; j < crWords; j++) {
                if (pool[off + winLen + j] !== bits[okWords + j]) {
                  same = false;
                  break;
                }
              }
            }
            if (same) {
              seen = true;
              break;
            }
          }
          if (!seen) {
            // New: add the memo entry, which is also the new stack frame.
            const e = this.entries;
            if ((e + 1) * STRIDE > arena.length) {
              this.growArena();
              arena = this.arena;
            }
            const len = winLen + crWords;
            if (this.poolUsed + len > pool.length) {
              const p = new Uint32Array(Math.max(pool.length * 2, this.poolUsed + len));
              this.charge(4 * (p.length - pool.length));
              p.set(pool);
              this.pool = pool = p;
            }
            const off = this.poolUsed;
            for (let j = 0; j < winLen; j++) pool[off + j] = bits[loW + j]!;
            for (let j = 0; j < crWords; j++) pool[off + winLen + j] = bits[okWords + j]!;
            this.poolUsed += len;
            const base = e * STRIDE;
            const okCount = nOk - remaining + (isOk ? 1 : 0);
            arena[base + E_NEXT] = table[tslot]!;
            arena[base + E_KEY] = key;
            arena[base + E_STATE] = nextState;
            arena[base + E_LO] = lo;
            arena[base + E_HI] = hi;
            arena[base + E_OFF] = off;
            arena[base + E_OP] = op;
            arena[base + E_BEFORE] = state;
            arena[base + E_SAVED_LO] = savedLo;
            arena[base + E_SAVED_HI] = savedHi;
            arena[base + E_PARENT] = top;
            arena[base + E_OK] = okCount;
            arena[base + E_FORCED] = readOnly[op]!;
            table[tslot] = e;
            this.entries = e + 1;
            if (this.entries * 2 > table.length) {
              this.growTable();
              table = this.table;
            }
            top = e;
            state = nextState;
            // Lift the operation's entries out of the list.
            next[prev[op]!] = next[op]!;
            if (next[op]! >= 0) prev[next[op]!] = prev[op]!;
            if (isOk) {
              const ret = n + op;
              next[prev[ret]!] = next[ret]!;
              if (next[ret]! >= 0) prev[next[ret]!] = prev[ret]!;
              remaining--;
            }
            // The longest prefix is the one with the most completed operations (first reached).
            if (okCount > this.bestCount) {
              this.best = e;
              this.bestCount = okCount;
              this.failingOp = -1;
            }
            entry = next[HEAD]!;
            fresh = true;
            continue;
          }
          // Seen before: undo the tentative step.
          bits[w] &= ~bit;
          hash ^= zob[op]!;
          lo = savedLo;
          hi = savedHi;
          // A read-only op legal here commutes to the front of any linearization from this node
          // (it changes nothing, and nothing unlinearized must precede it); so if the node after
          // it is known dead, this node is dead too, whatever else it could try.
          if (readOnly[op] === 0) {
            entry = next[entry]!;
            continue;
          }
        } else {
          entry = next[entry]!;
          continue;
        }
      }
      // A dead end: a return entry of an operation not linearized, or a dead read-only step.
      // Backtrack; a frame pushed by the read-only rule had no alternatives, so keep popping.
      for (;;) {
        if (top === this.best && this.failingOp < 0) this.failingOp = this.firstReturn() - n;
        if (top < 0) {
          outcome = this.invalid(steps);
          break;
        }
        const base = top * STRIDE;
        const op = arena[base + E_OP]!;
        const forced = arena[base + E_FORCED]!;
        state = arena[base + E_BEFORE]!;
        lo = arena[base + E_SAVED_LO]!;
        hi = arena[base + E_SAVED_HI]!;
        top = arena[base + E_PARENT]!;
        const isOk = op < nOk;
        const w = isOk ? op >>> 5 : okWords + ((op - nOk) >>> 5);
        bits[w] &= ~(1 << ((isOk ? op : op - nOk) & 31));
        hash ^= zob[op]!;
        if (isOk) {
          const ret = n + op;
          next[prev[ret]!] = ret;
          if (next[ret]! >= 0) prev[next[ret]!] = ret;
          remaining++;
        }
        next[prev[op]!] = op;
        if (next[op]! >= 0) prev[next[op]!] = op;
        entry = next[op]!;
        if (forced === 0) break;
      }
      if (outcome) break;
    }
    if (remaining === 0 && !outcome) outcome = this.outcome(true, steps);
    // Between runs the budget holds exactly what the search holds.
    budget.memoryUsedBytes += this.uncharged;
    this.uncharged = 0;
    this.hash = hash;
    this.lo = lo;
    this.hi = hi;
    this.remaining = remaining;
    this.state = state;
    this.top = top;
    this.entry = entry;
    this.fresh = fresh;
    this.steps = steps;
    if (outcome) this.finish(outcome, budget);
    return outcome;
  }

  /** The first return entry in the list: the operation that must be linearized next, at the latest. */
  private firstReturn(): number {
    let e = this.next[this.HEAD]!;
    while (e >= 0 && e < this.n) e = this.next[e]!;
    return e;
  }

  /** Gives the memo's memory back to the budget and drops it. */
  private finish(outcome: SearchOutcome, budget: SearchBudget): void {
    this.result = outcome;
    budget.memoryUsedBytes -= this.bytes - this.uncharged;
    this.bytes = 0;
    this.uncharged = 0;
    this.arena = new Int32Array(0);
    this.pool = new Uint32Array(0);
    this.table = new Int32Array(1).fill(-1);
  }

  /** Abandons the search (another partition decided the verdict); gives its memory back. */
  abandon(budget: SearchBudget): void {
    if (!this.result) this.finish(this.outcome('unknown', this.steps), budget);
  }

  private outcome(valid: boolean | 'unknown', steps: number, cause?: 'timeout' | 'memory'): SearchOutcome {
    const o: SearchOutcome = { valid, steps, memoEntries: this.entries };
    if (cause) o.cause = cause;
    return o;
  }

  private invalid(steps: number): SearchOutcome {
    const o = this.outcome(false, steps);
    const path: number[] = [];
    for (let f = this.best; f >= 0; f = this.arena[f * STRIDE + E_PARENT]!) path.push(f);
    path.reverse();
    o.prefix = path.map((f) => this.order[this.arena[f * STRIDE + E_OP]!]!);
    o.prefixStates = path.map((f) => this.states[this.arena[f * STRIDE + E_STATE]!]);
    o.finalState = path.length > 0 ? o.prefixStates[path.length - 1] : this.model.init();
    if (this.failingOp >= 0) o.failingOp = this.order[this.failingOp]!;
    return o;
  }
}

/** The bytes an interned state is charged: its key's characters (two bytes each) and overhead. */
function stateBytes(key: unknown): number {
  return STATE_OVERHEAD_BYTES + (typeof key === 'string' ? 2 * key.length : 0);
}

/** Searches one partition to the end (or until a budget runs out). */
export function searchPartition<S, I>(
  model: Model<S, I>,
  ops: readonly Operation[],
  inputs: readonly I[],
  budget: SearchBudget,
): SearchOutcome {
  const search = new PartitionSearch(model, ops, inputs);
  for (;;) {
    const r = search.run(1 << 30, budget);
    if (r) return r;
  }
}
