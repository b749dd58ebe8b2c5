/**
 * The registry of client RPCs (Maelstrom's `defrpc`): for each request type, the fields of its
 * request with their decoder and the shape of its ok reply. Systems decode every client request
 * through it (systems/lib/requests.ts) and build their peer messages from the same field
 * decoders, so a value that one system refuses is refused by all, and a command that could not
 * be applied never gets as far as a log or a peer.
 *
 * Every value a client sends is bounded in nesting ({@link MAX_VALUE_DEPTH}) and size
 * ({@link MAX_VALUE_BYTES}); unknown extra fields are ignored, as Maelstrom's bodies allow.
 */
import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { MAX_TXN_OPS, MAX_VALUE_BYTES, MAX_VALUE_DEPTH, nestsDeeperThan } from './limits.js';

/**
 * Any JSON value a client may send as a key or a value: present, nested at most
 * {@link MAX_VALUE_DEPTH} levels, at most {@link MAX_VALUE_BYTES} of JSON text.
 */
export const wireValue = z.unknown().superRefine((v, ctx) => {
  if (v === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is required' });
  } else if (nestsDeeperThan(v, MAX_VALUE_DEPTH)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `may nest at most ${MAX_VALUE_DEPTH} levels` });
  } else if (JSON.stringify(v).length > MAX_VALUE_BYTES) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `may be at most ${MAX_VALUE_BYTES} bytes of JSON` });
  }
});

/** A key: any bounded JSON value but null (1 and "1" are different keys). */
export const wireKey = wireValue.refine((v) => v !== null, 'must not be null');

/** The functions of a micro-operation: read, append to a list, write. */
export const microOpFunction = z.enum(['r', 'append', 'w']);

/** A micro-operation as a client sends it: `[f, key, value]` (value null for a read). */
export const microOp = z.tuple([microOpFunction, wireKey, wireValue]);

/** A transaction: at most {@link MAX_TXN_OPS} micro-operations. */
export const txnOps = z.array(microOp).max(MAX_TXN_OPS);

/** A micro-operation as a reply carries it: a read's value is whatever the key holds. */
export const microOpResult = z.tuple([microOpFunction, z.unknown(), z.unknown()]);

/** One RPC: its request type, the decoder of its fields, its reply type and the reply's fields. */
export interface RpcDef<Req extends z.ZodRawShape = z.ZodRawShape, Rep extends z.ZodRawShape = z.ZodRawShape> {
  type: string;
  /** What the request does, for docs and error texts. */
  doc: string;
  request: z.ZodObject<Req>;
  replyType: string;
  reply: z.ZodObject<Rep>;
}

/** Defines an RPC (Maelstrom's `defrpc`). */
export function defrpc<Req extends z.ZodRawShape, Rep extends z.ZodRawShape>(
  type: string,
  doc: string,
  request: Req,
  reply: Rep,
): RpcDef<Req, Rep> {
  return { type, doc, request: z.object(request), replyType: `${type}_ok`, reply: z.object(reply) };
}

/** The client RPCs of the workloads (docs/protocol.md, section 3). */
export const RPCS = {
  read: defrpc('read', 'reads one key; a key never written reads null', { key: wireKey }, { value: z.unknown() }),
  write: defrpc('write', 'writes one key', { key: wireKey, value: wireValue }, {}),
  cas: defrpc('cas', 'sets a key to `to` if it holds `from` (error 20 if absent, 22 if different)', { key: wireKey, from: wireValue, to: wireValue }, {}),
  txn: defrpc('txn', 'runs micro-operations atomically; the reply fills in the reads', { txn: txnOps }, { txn: z.array(microOpResult) }),
} as const;

/**
 * The RPCs of the grow-only workloads (`set`, `counter`), served by the systems that take them:
 * add an element to a key's set and read the whole set; add a delta (negative too) to a key's
 * counter and read its value.
 */
export const COLLECTION_RPCS = {
  set_add: defrpc('set_add', 'adds an element to the set at a key', { key: wireKey, element: wireValue }, {}),
  set_read: defrpc('set_read', 'reads every element of the set at a key; a key never added to reads []', { key: wireKey }, { value: z.array(z.unknown()) }),
  counter_add: defrpc('counter_add', 'adds an integer (negative too) to the counter at a key', { key: wireKey, delta: z.number().int().safe() }, {}),
  counter_read: defrpc('counter_read', 'reads the counter at a key; a key never added to reads 0', { key: wireKey }, { value: z.number().int() }),
} as const;

/**
 * The metadata workload's RPCs (gossip clusters, docs/protocol.md, section 3): `read` and `write`
 * as above, and two that only the final phase sends: `state`, a node's whole versioned cluster
 * state (each owner's generation and stamped entries, its failure detector's view, its message
 * counters), and `claims`, the coordinator claims the node made, each with the membership it saw.
 */
export const GOSSIP_RPCS = {
  read: RPCS.read,
  write: RPCS.write,
  state: defrpc('state', "a node's versioned cluster state, as it holds it now", {}, { state: z.unknown() }),
  claims: defrpc('claims', 'the coordinator claims a node made, with the membership each saw', {}, { claims: z.array(z.unknown()) }),
} as const;

/** A set of RPCs a system serves, by request type. */
export type RpcSet = Readonly<Record<string, RpcDef>>;

/** A decoded request of one of `S`'s RPCs: its `type` and its decoded fields. */
export type RequestOf<S extends RpcSet> = {
  [K in keyof S & string]: { type: K } & z.infer<S[K]['request']>;
}[keyof S & string];

/** The outcome of decoding: the request, or the error code and text to answer with. */
export type DecodeResult<T> = { ok: true; request: T } | { ok: false; code: number; text: string };

/**
 * Names the first problem zod found, by its path: `key: must not be null`; inside a transaction
 * `micro-operation 2, element 1: must not be null`.
 */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const [field, op, element] = issue.path;
  if (field === 'txn' && typeof op === 'number') {
    return `micro-operation ${op}${element !== undefined ? `, element ${element}` : ''}: ${issue.message}`;
  }
  return `${issue.path.join('.') || 'message'}: ${issue.message}`;
}

/**
 * Decodes a request body `{type, ...fields}` against the RPCs a system serves: an unknown type is
 * not-supported (10), a missing, mistyped or oversized field malformed-request (12).
 */
export function decodeRequest<S extends RpcSet>(rpcs: S, body: { type: string; [field: string]: unknown }): DecodeResult<RequestOf<S>> {
  const def = Object.prototype.hasOwnProperty.call(rpcs, body.type) ? rpcs[body.type] : undefined;
  if (def === undefined) return { ok: false, code: ErrorCode.notSupported, text: `"${body.type.slice(0, 64)}" is not supported here` };
  const r = def.request.safeParse(body);
  if (!r.success) return { ok: false, code: ErrorCode.malformedRequest, text: `${body.type}: ${describeIssue(r.error)}` };
  return { ok: true, request: { ...r.data, type: body.type } as RequestOf<S> };
}
