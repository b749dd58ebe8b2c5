/**
 * Maelstrom's `kafka` workload: append-only logs by key, with offsets.
 *
 *   send                   {"type":"send","key":"k1","msg":12}            -> send_ok {"offset":3}
 *   poll                   {"type":"poll","offsets":{"k1":3}}             -> poll_ok {"msgs":{"k1":[[3,12],[4,13]]}}
 *   commit_offsets         {"type":"commit_offsets","offsets":{"k1":4}}   -> commit_offsets_ok
 *   list_committed_offsets {"type":"list_committed_offsets","keys":["k1"]} -> list_committed_offsets_ok {"offsets":{"k1":4}}
 *
 * In the history a send is `[key, msg]`, completed `[key, msg, offset]`; a poll invokes with the
 * offsets it polls from and completes with the messages by key; commit_offsets carries the
 * offsets; list_committed_offsets invokes with the keys and completes with the offsets.
 * Messages are unique integers. Each worker polls every key from just after the last offset it
 * was given, and commits what it polled now and then. After the heal every worker polls every key
 * from 0.
 *
 * The checker (after Maelstrom's, which uses Jepsen's queue checks) finds, per key:
 *   inconsistent-offsets  one offset holding two different messages (in send_ok or poll replies)
 *   duplicate             one message at two offsets
 *   lost-write            an acknowledged send never polled, though polls read past its offset
 *   nonmonotonic-send     a process's sends to a key acknowledged at offsets that do not increase
 *   nonmonotonic-poll     a poll whose offsets do not increase, or start below where it polled from
 *   int-poll-skip         a poll that jumps over an offset known to hold a message
 *   poll-skip             a process's next poll starting after an offset it never got, known to hold a message
 */
import { z } from 'zod';
import { pairOperations, type Operation } from '../../checkers/history/pair.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import type { GenContext, GenEvent, GenResult, Generator, PureRng } from '../generator.js';
import type { Completion, Workload, WorkloadOptionsSpec } from '../types.js';
import { onEveryWorker } from './gen.js';
import { withMaelstromOptions } from './options.js';
import { outcomeOf, type Finding } from './verdict.js';

/** The kafka workload's own options. */
export type KafkaOptions = { keyCount: number };

const kafkaOptions: WorkloadOptionsSpec<KafkaOptions> = {
  schema: z.object({ keyCount: z.number().int().min(1).max(100).optional() }).strict(),
  defaults: { keyCount: 3 },
};

type Offsets = Record<string, number>;
type Msgs = Record<string, Array<[number, unknown]>>;

function keyName(i: number): string {
  return `k${i}`;
}

interface KafkaGenState {
  rng: PureRng;
  nextMsg: number;
  /** Per worker, per key: the offset to poll from next. */
  positions: ReadonlyMap<number, Offsets>;
}

class KafkaGenerator implements Generator {
  constructor(
    private readonly keys: readonly string[],
    private readonly s: KafkaGenState,
  ) {}

  op(ctx: GenContext): GenResult {
    if (ctx.free.length === 0) return 'pending';
    let rng = this.s.rng;
    const int = (a: number, b: number) => {
      const [v, r] = rng.int(a, b);
      rng = r;
      return v;
    };
    const worker = ctx.free[int(0, ctx.free.length - 1)]!.worker;
    const pos = this.s.positions.get(worker) ?? {};
    const from: Offsets = Object.fromEntries(this.keys.map((k) => [k, pos[k] ?? 0]));
    const roll = int(0, 99);
    let nextMsg = this.s.nextMsg;
    let op: { f: string; value: unknown };
    if (roll < 50) op = { f: 'send', value: [this.keys[int(0, this.keys.length - 1)]!, nextMsg++] };
    else if (roll < 85) op = { f: 'poll', value: from };
    else if (roll < 95) op = { f: 'commit_offsets', value: from };
    else op = { f: 'list_committed_offsets', value: [...this.keys] };
    return { op: { worker, ...op }, next: new KafkaGenerator(this.keys, { ...this.s, rng, nextMsg }) };
  }

  update(_ctx: GenContext, e: GenEvent): Generator {
    if (e.type !== 'ok' || e.f !== 'poll' || e.value === null || typeof e.value !== 'object') return this;
    const pos = { ...(this.s.positions.get(e.worker) ?? {}) };
    for (const [k, list] of Object.entries(e.value as Msgs)) {
      const last = Array.isArray(list) && list.length > 0 ? list[list.length - 1] : undefined;
      if (Array.isArray(last) && typeof last[0] === 'number') pos[k] = Math.max(pos[k] ?? 0, last[0] + 1);
    }
    const positions = new Map(this.s.positions);
    positions.set(e.worker, pos);
    return new KafkaGenerator(this.keys, { ...this.s, positions });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The messages of a poll reply, checked for shape: `{key: [[offset, msg], ...]}`. */
function readMsgs(v: unknown): Msgs {
  if (!isObject(v)) throw new Error('poll_ok without msgs');
  const out: Msgs = {};
  for (const [k, list] of Object.entries(v)) {
    if (!Array.isArray(list)) throw new Error(`poll_ok msgs of ${k} is not a list`);
    out[k] = list.map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !Number.isSafeInteger(pair[0])) throw new Error(`poll_ok msgs of ${k} holds ${JSON.stringify(pair)}, not [offset, msg]`);
      return [pair[0] as number, pair[1]];
    });
  }
  return out;
}

/** The kafka checker (see the module comment for each anomaly). */
export function checkKafka(history: readonly HistoryEvent[]): { findings: Finding[]; counts: Record<string, number> } {
  const ops = pairOperations(history).operations;
  const findings: Finding[] = [];
  /** Per key: offset -> msg as first seen, and where. */
  const atOffset = new Map<string, Map<number, { msg: string; op: Operation }>>();
  /** Per key: msg -> offsets it was seen at. */
  const offsetsOf = new Map<string, Map<string, Set<number>>>();
  const polledOffsets = new Map<string, Set<number>>();
  const maxPolled = new Map<string, number>();
  const inner = <K, V>(m: Map<string, Map<K, V>>, k: string) => {
    let x = m.get(k);
    if (!x) m.set(k, (x = new Map()));
    return x;
  };
  const observe = (key: string, offset: number, msg: unknown, op: Operation) => {
    const text = JSON.stringify(msg);
    const here = inner(atOffset, key);
    const seen = here.get(offset);
    if (seen && seen.msg !== text) {
      findings.push({ anomaly: 'inconsistent-offsets', event: op.complete!, text: `offset ${offset} of ${key} holds ${seen.msg} (event ${seen.op.complete!.index}) and ${text} (event ${op.complete!.index})` });
    } else if (!seen) here.set(offset, { msg: text, op });
    const offs = inner(offsetsOf, key);
    let set = offs.get(text);
    if (!set) offs.set(text, (set = new Set()));
    set.add(offset);
  };
  let sends = 0;
  let polls = 0;
  const lastSendOffset = new Map<string, number>();
  const lastPollEnd = new Map<string, number>();
  for (const op of ops) {
    if (op.status !== 'ok') continue;
    if (op.f === 'send') {
      sends++;
      const [key, msg, offset] = op.output as [string, unknown, number];
      observe(key, offset, msg, op);
      const pk = `${op.process} ${key}`;
      const prev = lastSendOffset.get(pk);
      if (prev !== undefined && offset <= prev) findings.push({ anomaly: 'nonmonotonic-send', event: op.complete!, text: `process ${op.process} sent to ${key} at offset ${offset} after a send at offset ${prev}` });
      lastSendOffset.set(pk, offset);
    } else if (op.f === 'poll') {
      polls++;
      for (const [key, list] of Object.entries(op.output as Msgs)) {
        const from = (op.input as Offsets)[key] ?? 0;
        let prev: number | null = null;
        for (const [offset, msg] of list) {
          observe(key, offset, msg, op);
          let polled = polledOffsets.get(key);
          if (!polled) polledOffsets.set(key, (polled = new Set()));
          polled.add(offset);
          maxPolled.set(key, Math.max(maxPolled.get(key) ?? -1, offset));
          if (offset < from || (prev !== null && offset <= prev)) {
            findings.push({ anomaly: 'nonmonotonic-poll', event: op.complete!, text: `process ${op.process} polled ${key} from ${from} and got offset ${offset}${prev !== null ? ` after ${prev}` : ''}` });
          }
          prev = offset;
        }
      }
    }
  }
  // Skips need every offset known to hold a message, so they are found in a second pass.
  const known = (key: string, lo: number, hi: number): number | null => {
    const here = atOffset.get(key);
    if (!here) return null;
    for (const o of here.keys()) if (o > lo && o < hi) return o;
    return null;
  };
  for (const op of ops) {
    if (op.status !== 'ok' || op.f !== 'poll') continue;
    for (const [key, list] of Object.entries(op.output as Msgs)) {
      const pk = `${op.process} ${key}`;
      const from = (op.input as Offsets)[key] ?? 0;
      const before = lastPollEnd.get(pk);
      if (list.length > 0 && before !== undefined && from === before + 1) {
        const o = known(key, before, list[0]![0]);
        if (o !== null) findings.push({ anomaly: 'poll-skip', event: op.complete!, text: `process ${op.process} got ${key} up to offset ${before}, then from ${list[0]![0]}, skipping offset ${o}, which holds a message` });
      }
      for (let i = 1; i < list.length; i++) {
        const o = known(key, list[i - 1]![0], list[i]![0]);
        if (o !== null) findings.push({ anomaly: 'int-poll-skip', event: op.complete!, text: `a poll of ${key} by process ${op.process} went from offset ${list[i - 1]![0]} to ${list[i]![0]}, skipping offset ${o}, which holds a message` });
      }
      if (list.length > 0) lastPollEnd.set(pk, list[list.length - 1]![0]);
    }
  }
  for (const [key, offs] of offsetsOf) {
    for (const [msg, set] of offs) {
      if (set.size > 1) {
        const op = atOffset.get(key)!.get(Math.min(...set))!.op;
        findings.push({ anomaly: 'duplicate', event: op.complete!, text: `message ${msg} of ${key} is at offsets ${[...set].sort((a, b) => a - b).join(', ')}` });
      }
    }
  }
  let unseen = 0;
  for (const op of ops) {
    if (op.status !== 'ok' || op.f !== 'send') continue;
    const [key, msg, offset] = op.output as [string, unknown, number];
    const polled = polledOffsets.get(key);
    const wasPolled = [...(offsetsOf.get(key)?.get(JSON.stringify(msg)) ?? [])].some((o) => polled?.has(o));
    if (wasPolled) continue;
    if ((maxPolled.get(key) ?? -1) > offset) {
      findings.push({ anomaly: 'lost-write', event: op.complete!, text: `message ${JSON.stringify(msg)} sent to ${key} was acknowledged at offset ${offset}, but no poll returned it, though polls read ${key} up to offset ${maxPolled.get(key)}` });
    } else unseen++;
  }
  return { findings, counts: { sendOkCount: sends, pollOkCount: polls, unseenCount: unseen } };
}

export const kafka: Workload = {
  name: 'kafka',
  description: "Maelstrom's kafka: append-only logs by key; lost writes, duplicates, non-monotonic sends and polls, skipped offsets",
  options: withMaelstromOptions(kafkaOptions),
  generator(opts) {
    const n = (opts.workloadOptions?.keyCount as number | undefined) ?? kafkaOptions.defaults.keyCount;
    const keys = Array.from({ length: n }, (_, i) => keyName(i));
    return new KafkaGenerator(keys, { rng: opts.rng, nextMsg: 1, positions: new Map() });
  },
  client: {
    request(op) {
      switch (op.f) {
        case 'send': {
          const [key, msg] = op.value as [string, unknown];
          return { type: 'send', key, msg };
        }
        case 'poll':
          return { type: 'poll', offsets: op.value };
        case 'commit_offsets':
          return { type: 'commit_offsets', offsets: op.value };
        case 'list_committed_offsets':
          return { type: 'list_committed_offsets', keys: op.value };
        default:
          throw new RangeError(`kafka has no op "${op.f}"`);
      }
    },
    complete(op, reply): Completion {
      const expected = `${op.f}_ok`;
      if (reply.type !== expected) throw new Error(`expected ${expected}, got ${String(reply.type)}`);
      if (op.f === 'send') {
        if (!Number.isSafeInteger(reply.offset)) throw new Error('send_ok without an integer offset');
        return { type: 'ok', value: [...(op.value as unknown[]), reply.offset] };
      }
      if (op.f === 'poll') return { type: 'ok', value: readMsgs(reply.msgs) };
      if (op.f === 'list_committed_offsets') return { type: 'ok', value: isObject(reply.offsets) ? reply.offsets : {} };
      return { type: 'ok', value: op.value };
    },
    readOnly: (op) => op.f === 'poll' || op.f === 'list_committed_offsets',
  },
  finalGenerator(history: readonly HistoryEvent[]): Generator {
    const keys = new Set<string>();
    for (const e of history) if (e.f === 'send' && e.type === 'invoke' && Array.isArray(e.value)) keys.add(String(e.value[0]));
    return onEveryWorker({ f: 'poll', value: Object.fromEntries([...keys].sort().map((k) => [k, 0])) });
  },
  observedWrites(history: readonly HistoryEvent[]): number {
    return history.filter((e) => e.f === 'poll' && e.type === 'ok' && isObject(e.value) && Object.values(e.value).some((l) => Array.isArray(l) && l.length > 0)).length;
  },
  async checker(history) {
    const { findings, counts } = checkKafka(history);
    return outcomeOf('kafka', findings, counts, `${counts.sendOkCount} acknowledged sends and ${counts.pollOkCount} polls agree: no lost, duplicated or skipped message, every process's sends and polls in offset order`);
  },
};
