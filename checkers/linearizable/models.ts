/**
 * The models the linearizability checker ships, and the registry `--model` names them from.
 *
 *   register         read / write of one value
 *   cas-register     read / write / cas [from, to] of one value (Knossos's cas-register)
 *   kv               a cas-register per key, ops carry [key, payload]; partitioned by key. This is
 *                    what the `register` workload records: read [k,null] -> [k,v], write [k,v],
 *                    cas [k,[from,to]]; a missing key reads null.
 *   multi-register   Knossos's txn of [read k v] / [write k v] over several registers
 *   mutex            acquire / release
 *   set              add v / read -> all elements
 *   fifo-queue       enqueue v / dequeue -> v, in order
 *   unordered-queue  enqueue v / dequeue -> any enqueued v
 *   string-kv        Porcupine's kv: get / put / append of strings per key, partitioned by key
 *
 * Every register starts at `initial` (null unless told: Knossos's corpus uses 0). With
 * `nilReadIsUnknown` an ok read of null (EDN `nil`) is a read whose value is unknown, Knossos's
 * convention; otherwise null means "absent", and a read of null needs the value to be null.
 */
import type { Operation } from '../history/pair.js';
import { ILLEGAL, ModelInputError, UNKNOWN, type Illegal, type Model, type Partition } from './model.js';
import { checkUnambiguousQueue, checkUnambiguousSet } from './unambiguous-collections.js';
import type { RegisterOp } from './unambiguous.js';

/** Options every model factory accepts (each model uses the ones that apply). */
export interface ModelOptions {
  /** The initial value of a register (default null), or the initial map of multi-register. */
  initial?: unknown;
  /** Knossos's convention: an ok read of null saw an unknown value. */
  nilReadIsUnknown?: boolean;
  /** For keyed models: check each key on its own (default true). */
  partitioned?: boolean;
}

/** Value equality for JSON-like values: primitives by ===, others by their JSON text. */
export function valueEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Short text of a value for explanations. */
export function show(v: unknown): string {
  if (v === UNKNOWN) return '?';
  if (v === undefined) return 'nil';
  return JSON.stringify(v) ?? String(v);
}

function statusSuffix(op: Operation): string {
  return op.status === 'info' ? ' (crashed: may or may not have happened)' : '';
}

// ---------------------------------------------------------------------------------------------
// Registers

/** Prepared input of a register operation: 0 read, 1 write, 2 cas. */
interface RegisterInput {
  kind: 0 | 1 | 2;
  /** write: the value; cas: from. */
  a: unknown;
  /** cas: to. */
  b: unknown;
  /** read: the value read (UNKNOWN when crashed or when the value is unknown). */
  read: unknown;
}

function registerInput(f: string, payload: unknown, readValue: unknown, status: string, allowCas: boolean, nilUnknown: boolean): RegisterInput {
  switch (f) {
    case 'read': {
      // An ok read without a value, or a null read under Knossos's convention, saw an unknown value.
      let read: unknown = status === 'ok' ? readValue : UNKNOWN;
      if (read === undefined || (read === null && nilUnknown)) read = UNKNOWN;
      return { kind: 0, a: undefined, b: undefined, read };
    }
    case 'write':
      return { kind: 1, a: payload ?? null, b: undefined, read: undefined };
    case 'cas': {
      if (!allowCas) throw new ModelInputError('cas is not an operation of the register model (use cas-register)');
      if (!Array.isArray(payload) || payload.length !== 2) {
        throw new ModelInputError(`cas needs [from, to], found ${show(payload)}`);
      }
      return { kind: 2, a: payload[0], b: payload[1], read: undefined };
    }
    default:
      throw new ModelInputError(`unknown operation "${f}" (expected read, write${allowCas ? ' or cas' : ''})`);
  }
}

function registerStep(state: unknown, input: RegisterInput): unknown {
  switch (input.kind) {
    case 0:
      return input.read === UNKNOWN || valueEqual(input.read, state) ? state : ILLEGAL;
    case 1:
      return input.a;
    default:
      return valueEqual(state, input.a) ? input.b : ILLEGAL;
  }
}

function describeRegisterInput(input: RegisterInput): string {
  if (input.kind === 0) return `read ${show(input.read)}`;
  if (input.kind === 1) return `write ${show(input.a)}`;
  return `cas ${show(input.a)}->${show(input.b)}`;
}

function makeRegister(name: string, allowCas: boolean, options: ModelOptions): Model<unknown, RegisterInput> {
  const initial = options.initial ?? null;
  const nilUnknown = options.nilReadIsUnknown ?? false;
  return {
    name,
    init: () => initial,
    prepare: (op) => {
      const payload = op.input !== undefined && op.input !== null ? op.input : op.output;
      return registerInput(op.f, payload, op.output, op.status, allowCas, nilUnknown);
    },
    step: (state, input) => registerStep(state, input),
    readOnly: (input) => input.kind === 0,
    registerOp: (input) => input,
    registerInitial: initial,
    describeOperation(op) {
      return describeRegisterInput(this.prepare(op)) + statusSuffix(op);
    },
    describeState: (s) => `register = ${show(s)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Keyed models: [key, payload] values, partitioned by key (or one map state when not).

interface KeyedInner<S, I> {
  name: string;
  /** For register inners: the per-key operation as a register op (see Model.registerOp). */
  registerOp?(input: I): RegisterOp;
  registerInitial?: unknown;
  init(): S;
  /** Prepares the per-key input from the operation and its key-less payloads. */
  prepare(op: Operation, payload: unknown, output: unknown): I;
  step(state: S, input: I, output: unknown): S | Illegal;
  readOnly(input: I): boolean;
  describeInput(input: I): string;
  describeState(state: S): string;
}

/** Splits a keyed value `[key, payload]`; throws ModelInputError naming `what` otherwise. */
export function splitKey(value: unknown, what: string): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new ModelInputError(`${what} must be [key, value], found ${show(value)}`);
  }
  return [value[0], value[1]];
}

/** A key as text: strings as they are, anything else as JSON. */
export function keyLabel(key: unknown): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}

function keyOf(op: Operation): unknown {
  return splitKey(op.input ?? op.output, `the value of ${op.f}`)[0];
}

function prepareKeyed<S, I>(inner: KeyedInner<S, I>, op: Operation): { key: string; input: I } {
  const [key, payload] = splitKey(op.input ?? op.output, `the value of ${op.f}`);
  let output: unknown = undefined;
  if (op.status === 'ok' && op.output !== undefined && op.output !== null) {
    const [okKey, okPayload] = splitKey(op.output, `the completed value of ${op.f}`);
    if (!valueEqual(okKey, key)) throw new ModelInputError(`completed with key ${show(okKey)} but invoked with key ${show(key)}`);
    output = okPayload;
  }
  return { key: keyLabel(key), input: inner.prepare(op, payload, output) };
}

/** Builds a keyed model: partitioned by key (default), or with one map state over all keys. */
function keyed<S, I>(inner: KeyedInner<S, I>, partitioned: boolean): Model<any, any> {
  if (partitioned) {
    const model: Model<S, I> = {
      name: inner.name,
      init: () => inner.init(),
      prepare: (op) => prepareKeyed(inner, op).input,
      step: inner.step,
      readOnly: inner.readOnly,
      ...(inner.registerOp ? { registerOp: inner.registerOp, registerInitial: inner.registerInitial } : {}),
      partition(operations) {
        const groups = new Map<string, Operation[]>();
        for (const op of operations) {
          const k = keyLabel(keyOf(op));
          let g = groups.get(k);
          if (!g) groups.set(k, (g = []));
          g.push(op);
        }
        return [...groups].map(([key, ops]): Partition => ({ key, operations: ops }));
      },
      describeOperation(op) {
        const { key, input } = prepareKeyed(inner, op);
        return `${key}: ${inner.describeInput(input)}${statusSuffix(op)}`;
      },
      describeState: (s) => inner.describeState(s),
    };
    return model;
  }
  type MapState = Record<string, S>;
  const model: Model<MapState, { key: string; input: I }> = {
    name: inner.name,
    init: () => ({}),
    prepare: (op) => prepareKeyed(inner, op),
    step(state, { key, input }, output) {
      const has = Object.prototype.hasOwnProperty.call(state, key);
      const sub = has ? state[key]! : inner.init();
      const next = inner.step(sub, input, output);
      if (next === ILLEGAL) return ILLEGAL;
      if (has && next === sub) return state;
      return { ...state, [key]: next };
    },
    hash: (s) => JSON.stringify(Object.keys(s).sort().map((k) => [k, s[k]])),
    readOnly: ({ input }) => inner.readOnly(input),
    describeOperation(op) {
      const { key, input } = prepareKeyed(inner, op);
      return `${key}: ${inner.describeInput(input)}${statusSuffix(op)}`;
    },
    describeState: (s) =>
      '{' + Object.keys(s).sort().map((k) => `${k}: ${inner.describeState(s[k]!)}`).join(', ') + '}',
  };
  return model;
}

function kvInner(options: ModelOptions): KeyedInner<unknown, RegisterInput> {
  const initial = options.initial ?? null;
  const nilUnknown = options.nilReadIsUnknown ?? false;
  return {
    name: 'kv',
    init: () => initial,
    prepare: (op, payload, output) => registerInput(op.f, payload, output, op.status, true, nilUnknown),
    step: (s, i) => registerStep(s, i),
    readOnly: (i) => i.kind === 0,
    registerOp: (i) => i,
    registerInitial: initial,
    describeInput: describeRegisterInput,
    describeState: (s) => show(s),
  };
}

/** Porcupine's kv: get / put / append on strings, every key starting at "". */
interface StringKvInput {
  kind: 0 | 1 | 2;
  /** put/append: the value; get: the value read (UNKNOWN when crashed). */
  v: unknown;
  /** The value's index in the model's value table (put/append), for O(1) transitions. */
  vid: number;
  /** get: the polynomial hash of the value read. */
  h: number;
}

const BASE = 0x01000193;

/**
 * The string-kv model. Appends build ever longer strings; building, hashing or comparing them at
 * every step would cost their length. So a state is a small integer naming a node of a tree of
 * strings: a `put v` node, or "parent + v" for an append, each node made once per (parent, value)
 * and carrying its length and a polynomial hash (hash(a + b) = hash(a) * BASE^|b| + hash(b)).
 * A `get` compares hashes first and the text only when they agree. Equal ids mean equal strings,
 * which is all the memo needs (two paths to the same text at worst cost the memo a duplicate).
 */
function stringKvInner(options: ModelOptions): KeyedInner<number, StringKvInput> {
  const initialText = typeof options.initial === 'string' ? options.initial : '';
  const values: string[] = [];
  const valueIds = new Map<string, number>();
  const valueHash: number[] = [];
  const valuePow: number[] = [];
  const valueId = (v: string): number => {
    let id = valueIds.get(v);
    if (id === undefined) {
      id = values.length;
      values.push(v);
      valueIds.set(v, id);
      let h = 0;
      let pow = 1;
      for (let i = 0; i < v.length; i++) {
        h = (Math.imul(h, BASE) + v.charCodeAt(i)) | 0;
        pow = Math.imul(pow, BASE);
      }
      valueHash.push(h);
      valuePow.push(pow);
    }
    return id;
  };
  // Node 0 is the initial string, a `put` of it. Each node's children (its appends) are a
  // sibling list in typed arrays: a node has few children, and a short scan of adjacent memory
  // beats a hash lookup in a table of hundreds of thousands of entries.
  // Every node's fields live in typed arrays grown together (doubling), so making a node is a few
  // stores: the search makes one per new string, hundreds of thousands in a large history, and
  // plain arrays of mixed small and large integers cost a boxed number per hash. The text of a
  // node is built only when a get needs it, and kept.
  let count = 1;
  let parent = new Int32Array(1024);
  let nodeValue = new Int32Array(1024);
  let nodeHash = new Int32Array(1024);
  let firstChild = new Int32Array(1024).fill(-1);
  let nextSibling = new Int32Array(1024).fill(-1);
  parent[0] = -1;
  nodeValue[0] = valueId(initialText);
  nodeHash[0] = valueHash[0]!;
  const text = new Map<number, string>([[0, initialText]]);
  const puts = new Map<number, number>([[0, 0]]);
  const grown = (a: Int32Array<ArrayBuffer>, fill: number): Int32Array<ArrayBuffer> => {
    const b = new Int32Array(a.length * 2);
    if (fill !== 0) b.fill(fill, a.length);
    b.set(a);
    return b;
  };
  const node = (p: number, vid: number): number => {
    const id = count++;
    if (id >= parent.length) {
      parent = grown(parent, 0);
      nodeValue = grown(nodeValue, 0);
      nodeHash = grown(nodeHash, 0);
      firstChild = grown(firstChild, -1);
      nextSibling = grown(nextSibling, -1);
    }
    parent[id] = p;
    nodeValue[id] = vid;
    nodeHash[id] = p < 0 ? valueHash[vid]! : (Math.imul(nodeHash[p]!, valuePow[vid]!) + valueHash[vid]!) | 0;
    if (p >= 0) {
      nextSibling[id] = firstChild[p]!;
      firstChild[p] = id;
    }
    return id;
  };
  const textOf = (id: number): string => {
    let t = text.get(id);
    if (t === undefined) {
      const p = parent[id]!;
      t = (p < 0 ? '' : textOf(p)) + values[nodeValue[id]!]!;
      text.set(id, t);
    }
    return t;
  };
  return {
    name: 'string-kv',
    init: () => 0,
    prepare(op, payload, output) {
      switch (op.f) {
        case 'get':
        case 'read': {
          if (op.status !== 'ok') return { kind: 0, v: UNKNOWN, vid: -1, h: 0 };
          if (typeof output !== 'string') throw new ModelInputError(`get must complete with a string, found ${show(output)}`);
          const vid = valueId(output);
          return { kind: 0, v: output, vid, h: valueHash[vid]! };
        }
        case 'put':
        case 'append':
          if (typeof payload !== 'string') throw new ModelInputError(`${op.f} needs a string, found ${show(payload)}`);
          return { kind: op.f === 'put' ? 1 : 2, v: payload, vid: valueId(payload), h: 0 };
        default:
          throw new ModelInputError(`unknown operation "${op.f}" (expected get, put or append)`);
      }
    },
    step(s, i) {
      if (i.kind === 0) {
        if (i.v === UNKNOWN) return s;
        return nodeHash[s] === i.h && textOf(s) === i.v ? s : ILLEGAL;
      }
      if (i.kind === 1) {
        let id = puts.get(i.vid);
        if (id === undefined) puts.set(i.vid, (id = node(-1, i.vid)));
        return id;
      }
      for (let c = firstChild[s]!; c >= 0; c = nextSibling[c]!) if (nodeValue[c] === i.vid) return c;
      return node(s, i.vid);
    },
    readOnly: (i) => i.kind === 0,
    describeInput: (i) => (i.kind === 0 ? `get ${show(i.v)}` : `${i.kind === 1 ? 'put' : 'append'} ${show(i.v)}`),
    describeState: (s) => show(textOf(s)),
  };
}

// ---------------------------------------------------------------------------------------------
// multi-register: Knossos's txn of [read k v] / [write k v].

type MultiState = Readonly<Record<string, unknown>>;
interface MicroOp {
  write: boolean;
  key: string;
  /** write: the value; read: the value read, or UNKNOWN. */
  value: unknown;
}

function makeMultiRegister(options: ModelOptions): Model<MultiState, MicroOp[]> {
  const initial = options.initial ?? {};
  if (typeof initial !== 'object' || initial === null || Array.isArray(initial)) {
    throw new ModelInputError('the initial value of multi-register must be a map, e.g. {"x":0,"y":0}');
  }
  const nilUnknown = options.nilReadIsUnknown ?? false;
  const init = Object.freeze({ ...(initial as Record<string, unknown>) });
  const parse = (txn: unknown, useReads: boolean): MicroOp[] => {
    if (!Array.isArray(txn)) throw new ModelInputError(`txn needs a list of [read|write key value], found ${show(txn)}`);
    return txn.map((m): MicroOp => {
      if (!Array.isArray(m) || m.length !== 3) throw new ModelInputError(`micro-op must be [f key value], found ${show(m)}`);
      const f = m[0];
      const key = keyLabel(m[1]);
      if (f === 'write' || f === 'w') return { write: true, key, value: m[2] };
      if (f === 'read' || f === 'r') {
        let value: unknown = useReads ? m[2] : UNKNOWN;
        if (value === undefined || (value === null && nilUnknown)) value = UNKNOWN;
        return { write: false, key, value };
      }
      throw new ModelInputError(`unknown micro-op "${String(f)}" (expected read or write)`);
    });
  };
  const get = (s: MultiState, k: string): unknown => (Object.prototype.hasOwnProperty.call(s, k) ? s[k] : null);
  return {
    name: 'multi-register',
    init: () => init,
    prepare(op) {
      if (op.f !== 'txn') throw new ModelInputError(`unknown operation "${op.f}" (expected txn)`);
      return op.status === 'ok' && Array.isArray(op.output) ? parse(op.output, true) : parse(op.input, false);
    },
    step(state, txn) {
      let s: Record<string, unknown> | MultiState = state;
      let copied = false;
      for (const m of txn) {
        if (m.write) {
          if (!copied) {
            s = { ...s };
            copied = true;
          }
          (s as Record<string, unknown>)[m.key] = m.value;
        } else if (m.value !== UNKNOWN && !valueEqual(get(s, m.key), m.value)) {
          return ILLEGAL;
        }
      }
      return s;
    },
    hash: (s) => JSON.stringify(Object.keys(s).sort().map((k) => [k, s[k]])),
    readOnly: (txn) => txn.every((m) => !m.write),
    describeOperation(op) {
      const txn = this.prepare(op);
      return 'txn ' + txn.map((m) => `${m.write ? 'w' : 'r'} ${m.key} ${show(m.value)}`).join(', ') + statusSuffix(op);
    },
    describeState: (s) => '{' + Object.keys(s).sort().map((k) => `${k}: ${show(s[k])}`).join(', ') + '}',
  };
}

// ---------------------------------------------------------------------------------------------
// mutex, set, queues

function makeMutex(): Model<boolean, 0 | 1> {
  return {
    name: 'mutex',
    init: () => false,
    prepare(op) {
      if (op.f === 'acquire') return 0;
      if (op.f === 'release') return 1;
      throw new ModelInputError(`unknown operation "${op.f}" (expected acquire or release)`);
    },
    step: (held, input) => (input === 0 ? (held ? ILLEGAL : true) : held ? false : ILLEGAL),
    describeOperation: (op) => op.f + statusSuffix(op),
    describeState: (held) => (held ? 'mutex held' : 'mutex free'),
  };
}

/** Sorted, de-duplicated JSON texts of the elements: a canonical set state. */
type SetState = readonly string[];

function makeSet(): Model<SetState, { add: boolean; v: string | null; read: SetState | null }> {
  return {
    name: 'set',
    init: () => [],
    prepare(op) {
      if (op.f === 'add') return { add: true, v: JSON.stringify(op.input ?? null), read: null };
      if (op.f === 'read') {
        if (op.status !== 'ok') return { add: false, v: null, read: null };
        if (!Array.isArray(op.output)) throw new ModelInputError(`read must complete with a list, found ${show(op.output)}`);
        return { add: false, v: null, read: [...new Set(op.output.map((e) => JSON.stringify(e)))].sort() };
      }
      throw new ModelInputError(`unknown operation "${op.f}" (expected add or read)`);
    },
    step(s, i) {
      if (i.add) {
        const v = i.v!;
        if (s.includes(v)) return s;
        return [...s, v].sort();
      }
      if (i.read === null) return s;
      if (i.read.length !== s.length) return ILLEGAL;
      for (let k = 0; k < s.length; k++) if (s[k] !== i.read[k]) return ILLEGAL;
      return s;
    },
    hash: (s) => s.join('\u0000'),
    readOnly: (i) => !i.add,
    decideUnambiguous: (ops, inputs) => checkUnambiguousSet(ops, inputs),
    describeOperation: (op) =>
      (op.f === 'add' ? `add ${show(op.input)}` : `read ${op.status === 'ok' ? show(op.output) : '?'}`) + statusSuffix(op),
    describeState: (s) => `#{${s.join(' ')}}`,
  };
}

type QueueState = readonly string[];

function makeQueue(fifo: boolean): Model<QueueState, { enq: boolean; v: string | typeof UNKNOWN }> {
  return {
    name: fifo ? 'fifo-queue' : 'unordered-queue',
    init: () => [],
    prepare(op) {
      if (op.f === 'enqueue') return { enq: true, v: JSON.stringify(op.input ?? null) };
      if (op.f === 'dequeue') {
        if (op.status !== 'ok' || op.output === undefined) return { enq: false, v: UNKNOWN };
        return { enq: false, v: JSON.stringify(op.output) };
      }
      throw new ModelInputError(`unknown operation "${op.f}" (expected enqueue or dequeue)`);
    },
    step(s, i) {
      if (i.enq) return [...s, i.v as string];
      if (s.length === 0) return ILLEGAL;
      if (i.v === UNKNOWN) return fifo ? s.slice(1) : s;
      if (fifo) return s[0] === i.v ? s.slice(1) : ILLEGAL;
      const at = s.indexOf(i.v);
      if (at < 0) return ILLEGAL;
      return [...s.slice(0, at), ...s.slice(at + 1)];
    },
    // The order of an unordered queue does not matter: sort for the canonical key.
    hash: fifo ? (s) => s.join('\u0000') : (s) => [...s].sort().join('\u0000'),
    equal: fifo ? undefined : (a, b) => a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000'),
    // A crashed dequeue of an unordered queue may be taken as no effect: leaving an element in
    // the queue never makes a later dequeue impossible. A FIFO one removes the head, if anything.
    readOnly: fifo ? undefined : (i) => !i.enq && i.v === UNKNOWN,
    decideUnambiguous: (ops, inputs) => checkUnambiguousQueue(ops, inputs, fifo),
    describeOperation: (op) =>
      (op.f === 'enqueue' ? `enqueue ${show(op.input)}` : `dequeue ${op.status === 'ok' ? show(op.output) : '?'}`) + statusSuffix(op),
    describeState: (s) => `[${s.join(' ')}]`,
  };
}

// ---------------------------------------------------------------------------------------------
// Registry

/** A model the CLI can name. */
export interface ModelEntry {
  description: string;
  create(options: ModelOptions): Model<any, any>;
}

/** Every model, by its `--model` name. */
export const MODELS: Readonly<Record<string, ModelEntry>> = {
  register: { description: 'read/write of one value', create: (o) => makeRegister('register', false, o) },
  'cas-register': { description: 'read/write/cas [from,to] of one value', create: (o) => makeRegister('cas-register', true, o) },
  kv: {
    description: 'a cas-register per key, ops carry [key, payload], partitioned by key',
    create: (o) => keyed(kvInner(o), o.partitioned ?? true),
  },
  'multi-register': {
    description: 'txn of [read k v]/[write k v] over several registers',
    create: (o) => makeMultiRegister(o),
  },
  mutex: { description: 'acquire/release of one lock', create: () => makeMutex() },
  set: { description: 'add v / read -> all elements', create: () => makeSet() },
  'fifo-queue': { description: 'enqueue v / dequeue -> v in order', create: () => makeQueue(true) },
  'unordered-queue': { description: 'enqueue v / dequeue -> any enqueued v', create: () => makeQueue(false) },
  'string-kv': {
    description: "Porcupine's kv: get/put/append of strings, partitioned by key",
    create: (o) => keyed(stringKvInner(o), o.partitioned ?? true),
  },
};

/** Creates a model by name; throws ModelInputError for an unknown name. */
export function createModel(name: string, options: ModelOptions = {}): Model<any, any> {
  const entry = Object.prototype.hasOwnProperty.call(MODELS, name) ? MODELS[name] : undefined;
  if (!entry) throw new ModelInputError(`unknown model "${name}" (known: ${Object.keys(MODELS).join(', ')})`);
  return entry.create(options);
}
