/**
 * The toxic types: their attribute schemas (validated as strictly as the real server's Go structs)
 * and their behaviour on a link.
 *
 * A behaviour works on one stage of one link (one direction of one connection). The stage hands
 * it items one at a time (a chunk of bytes as one socket read returned it, stamped with the time
 * it was read, or the end of the stream) and waits when `handle` returns a promise. The stage
 * provides forwarding, interruptible sleeps and closing of the link (see link.ts).
 *
 * `ndjson_filter` is faultline's own toxic, not in Toxiproxy: it understands newline-delimited
 * JSON and drops or delays whole messages whose type field is in a list.
 */
import { ApiError, badBody, jsonKind } from './errors.js';
import type { MutableRng as Rng } from '../random.js';

/** One item on a link: a chunk of bytes, or the end of the stream (`data === null`). */
export interface Item {
  data: Buffer | null;
  /** When the chunk was read from the socket (performance.now(), ms). */
  ts: number;
}

/** Which bytes a toxic acts on: upstream = client to server, downstream = server to client. */
export type Direction = 'upstream' | 'downstream';

/** Attribute values: integers for most of Toxiproxy's types, numbers for packet_loss, richer values for ndjson_filter. */
export type Attributes = Record<string, unknown>;

/** A toxic as registered on a proxy (shared by all links of its direction). */
export interface ToxicDef {
  name: string;
  type: string;
  /** The stream text exactly as the client sent it (echoed back), e.g. "UpStream". */
  stream: string;
  direction: Direction;
  toxicity: number;
  attributes: Attributes;
}

/** What a behaviour may do on its stage. */
export interface StageContext {
  readonly toxic: ToxicDef;
  readonly rng: Rng;
  /** State kept per link and toxic name across restarts (limit_data's byte count). */
  readonly linkState: Map<string, unknown>;
  /** Passes an item to the next stage (or the socket writer). */
  forward(item: Item): void;
  /** Sleeps; resolves false early when the stage is interrupted (unless `uninterruptible`). */
  sleep(ms: number, uninterruptible?: boolean): Promise<boolean>;
  /** Ends the link here: the end of stream goes on, and later items are dropped. */
  closeLink(): void;
  /**
   * Reports bytes a behaviour dropped for good, so that flow control stays exact and the proxy's
   * effect counters (`ProxyEffects`) count them as cut.
   */
  dropped(data: Buffer): void;
  /** Reports bytes a behaviour holds back before forwarding them, for the effect counters. */
  delayed(data: Buffer): void;
  /** Puts an item back at the head of the stage's queue (it is handled again after a restart). */
  requeue(item: Item): void;
  /** Starts a timer owned by the stage (cleared when the stage stops). */
  setTimer(fn: () => void, ms: number): void;
  /** Clears the stage's timers. */
  clearTimers(): void;
}

/** The behaviour of a toxic on one stage. */
export interface Behaviour {
  /** Handles one item; a returned promise makes the stage wait before the next item. */
  handle(ctx: StageContext, item: Item): void | Promise<void>;
  /** Called when the stage (re)starts and the toxicity roll made it active. */
  start?(ctx: StageContext): void;
  /** Called when the toxic is removed: deliver everything held, now. */
  flush?(ctx: StageContext): void;
  /**
   * True when the behaviour's timers must survive a restart (messages held by ndjson_filter);
   * otherwise a restart clears them and `start` sets them again.
   */
  readonly keepsTimersOnRestart?: boolean;
  /** Called when a restart leaves the stage inactive (toxicity roll): pass on partial state. */
  deactivate?(ctx: StageContext): void;
}

/** Attribute schema: the Go struct name (for error messages) and each key's Go type. */
interface Schema {
  goStruct: string;
  ints: Record<string, 'int64' | 'int'>;
  /** Keys of Go type float64 (packet_loss's probabilities): any JSON number. */
  floats?: Record<string, 'float64'>;
  /** Accepted range of each key; values outside it crash, hang or silently misbehave. */
  ranges: Record<string, { min: number; max?: number; unit: string }>;
}

/**
 * The longest delay any toxic takes (one hour), in ms. Beyond Node's timer range (about 24.8
 * days) a delay would fire at once, and no test waits longer than this.
 */
const MAX_DELAY_MS = 3_600_000;
const ms = { min: 0, max: MAX_DELAY_MS, unit: 'ms' };

const SCHEMAS: Record<string, Schema> = {
  latency: { goStruct: 'LatencyToxic', ints: { latency: 'int64', jitter: 'int64' }, ranges: { latency: ms, jitter: ms } },
  // rate 0 is Toxiproxy's documented "never deliver"; below 0 the real server panics.
  bandwidth: { goStruct: 'BandwidthToxic', ints: { rate: 'int64' }, ranges: { rate: { min: 0, unit: 'KB/s' } } },
  slow_close: { goStruct: 'SlowCloseToxic', ints: { delay: 'int64' }, ranges: { delay: ms } },
  timeout: { goStruct: 'TimeoutToxic', ints: { timeout: 'int64' }, ranges: { timeout: ms } },
  reset_peer: { goStruct: 'ResetToxic', ints: { timeout: 'int64' }, ranges: { timeout: ms } },
  // average_size 0 recurses forever in the real server; size_variation >= average_size panics it.
  slicer: {
    goStruct: 'SlicerToxic',
    ints: { average_size: 'int', size_variation: 'int', delay: 'int' },
    ranges: {
      average_size: { min: 1, unit: 'bytes' },
      size_variation: { min: 0, unit: 'bytes' },
      delay: { min: 0, max: MAX_DELAY_MS * 1000, unit: 'µs' },
    },
  },
  limit_data: { goStruct: 'LimitDataToxic', ints: { bytes: 'int64' }, ranges: { bytes: { min: 0, unit: 'bytes' } } },
  noop: { goStruct: 'NoopToxic', ints: {}, ranges: {} },
  // Toxiproxy's newest toxic (PR #739, after 2.12.0): the real server clamps the probabilities to
  // 0..1; here a value outside is refused like any other out-of-range attribute.
  packet_loss: {
    goStruct: 'PacketLossToxic',
    ints: {},
    floats: { loss_rate: 'float64', correlation: 'float64' },
    ranges: { loss_rate: { min: 0, max: 1, unit: '' }, correlation: { min: 0, max: 1, unit: '' } },
  },
};

/** The extension toxic's type name. */
export const NDJSON_FILTER = 'ndjson_filter';

/**
 * What ndjson_filter does to a matched message: drop it; hold it `delay_ms` (later messages pass
 * it); pass it and send a copy again `delay_ms` later (duplicate); or hold it a random time up to
 * `delay_ms` (reorder: TCP keeps order, so matched messages overtake each other and the rest here).
 */
export const NDJSON_ACTIONS = ['drop', 'delay', 'duplicate', 'reorder'] as const;

/** Limits of the ndjson_filter attributes. */
const NDJSON_MAX_TYPES = 1000;
/** A line longer than this is passed through unfiltered (it cannot be a protocol message we hold). */
const NDJSON_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** True when `type` names a toxic this server knows. */
export function isToxicType(type: string): boolean {
  return type === NDJSON_FILTER || Object.hasOwn(SCHEMAS, type);
}

/** The attributes of a fresh toxic of this type: every key, at its zero value. */
export function defaultAttributes(type: string): Attributes {
  if (type === NDJSON_FILTER) return { types: [], action: 'drop', delay_ms: 0, probability: 1, field: 'type' };
  const out: Attributes = {};
  const schema = SCHEMAS[type]!;
  for (const k of [...Object.keys(schema.ints), ...Object.keys(schema.floats ?? {})]) out[k] = 0;
  return out;
}

/**
 * Decodes `raw` attributes over `current` the way Go's json.Unmarshal into the toxic struct does:
 * unknown keys are ignored, `null` keeps the current value, a non-integer is a 400.
 */
export function mergeAttributes(type: string, current: Attributes, raw: unknown): Attributes {
  const out: Attributes = { ...current };
  const schema = SCHEMAS[type];
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      const struct = schema ? schema.goStruct : 'NdjsonFilterToxic';
      throw badBody(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${struct}.attributes of type toxics.${struct}`);
    }
    const obj = raw as Record<string, unknown>;
    if (!schema) return mergeNdjson(out, obj);
    for (const [key, goType] of Object.entries(schema.ints)) {
      const v = obj[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || !Number.isSafeInteger(v)) {
        throw badBody(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${schema.goStruct}.attributes.${key} of type ${goType}`);
      }
      out[key] = v;
    }
    for (const [key, goType] of Object.entries(schema.floats ?? {})) {
      const v = obj[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number') {
        throw badBody(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${schema.goStruct}.attributes.${key} of type ${goType}`);
      }
      out[key] = v;
    }
  }
  // The merged values are checked, defaults included: a slicer without attributes has average_size 0.
  if (schema) checkRanges(type, schema, out);
  return out;
}

/** Refuses (400) merged attributes that are out of range, naming the toxic type and the key. */
function checkRanges(type: string, schema: Schema, attrs: Attributes): void {
  for (const [key, r] of Object.entries(schema.ranges)) {
    const v = attrs[key] as number;
    const unit = r.unit ? ` ${r.unit}` : '';
    if (v < r.min) throw badBody(`${type}: ${key} must be at least ${r.min}${unit}, got ${v}`);
    if (r.max !== undefined && v > r.max) throw badBody(`${type}: ${key} must be at most ${r.max}${unit}, got ${v}`);
  }
  if (type === 'slicer' && (attrs['size_variation'] as number) >= (attrs['average_size'] as number)) {
    throw badBody(`slicer: size_variation must be less than average_size (${String(attrs['average_size'])}), got ${String(attrs['size_variation'])}`);
  }
}

function mergeNdjson(out: Attributes, obj: Record<string, unknown>): Attributes {
  const fail = (msg: string): never => {
    throw badBody(`ndjson_filter: ${msg}`);
  };
  if (obj['types'] !== undefined && obj['types'] !== null) {
    const t = obj['types'];
    if (!Array.isArray(t) || !t.every((x) => typeof x === 'string')) fail('types must be an array of strings');
    if ((t as string[]).length > NDJSON_MAX_TYPES) fail(`types may list at most ${NDJSON_MAX_TYPES} names`);
    out['types'] = [...(t as string[])];
  }
  if (obj['action'] !== undefined && obj['action'] !== null) {
    if (!(NDJSON_ACTIONS as readonly unknown[]).includes(obj['action'])) fail(`action must be one of ${NDJSON_ACTIONS.map((a) => `"${a}"`).join(', ')}`);
    out['action'] = obj['action'];
  }
  if (obj['delay_ms'] !== undefined && obj['delay_ms'] !== null) {
    const d = obj['delay_ms'];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_DELAY_MS) {
      fail(`delay_ms must be an integer from 0 to ${MAX_DELAY_MS}`);
    }
    out['delay_ms'] = d;
  }
  if (obj['probability'] !== undefined && obj['probability'] !== null) {
    const p = obj['probability'];
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail('probability must be a number from 0 to 1');
    out['probability'] = p;
  }
  if (obj['field'] !== undefined && obj['field'] !== null) {
    const f = obj['field'];
    if (typeof f !== 'string' || f.length === 0 || f.length > 256) fail('field must be a non-empty string');
    out['field'] = f;
  }
  return out;
}

/** Reads an integer attribute (validated at the API, so a plain cast). */
function int(attrs: Attributes, key: string): number {
  return (attrs[key] as number | undefined) ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Behaviours

const noop: Behaviour = {
  handle(ctx, item) {
    ctx.forward(item);
  },
};

function latency(): Behaviour {
  return {
    handle(ctx, item) {
      if (item.data === null) {
        ctx.forward(item);
        return;
      }
      const base = int(ctx.toxic.attributes, 'latency');
      const jitter = int(ctx.toxic.attributes, 'jitter');
      // Uniform over [latency - jitter, latency + jitter), as Go's rand.Int63n(2*jitter) - jitter.
      const delayMs = base + (jitter > 0 ? ctx.rng.int(0, 2 * jitter - 1) - jitter : 0);
      // Relative to the read time, so back-to-back chunks do not add up and throughput holds.
      const sleepMs = delayMs - (performance.now() - item.ts);
      if (sleepMs <= 0) {
        ctx.forward(item);
        return;
      }
      ctx.delayed(item.data);
      // Interrupted or not, the chunk goes on: an interrupt releases it at once.
      return ctx.sleep(sleepMs).then(() => ctx.forward(item));
    },
  };
}

function bandwidth(): Behaviour {
  let debtMs = 0;
  return {
    async handle(ctx, item) {
      if (item.data === null) {
        ctx.forward(item);
        return;
      }
      const rate = int(ctx.toxic.attributes, 'rate'); // bytes per millisecond (KB/s, KB = 1000 B)
      let data = item.data;
      // Every chunk waits for its share of the rate (or forever at rate 0).
      ctx.delayed(data);
      if (rate <= 0) {
        // Rate 0 never delivers; the chunk is held until the toxic is changed (a negative rate
        // crashes the real server; here it stalls like 0).
        await ctx.sleep(Infinity);
        ctx.forward({ data, ts: item.ts });
        return;
      }
      debtMs += data.length / rate;
      const piece = rate * 100;
      while (data.length > piece) {
        if (!(await ctx.sleep(100))) {
          ctx.forward({ data, ts: item.ts });
          return;
        }
        ctx.forward({ data: data.subarray(0, piece), ts: item.ts });
        data = data.subarray(piece);
        debtMs -= 100;
      }
      const start = performance.now();
      const ok = await ctx.sleep(debtMs);
      ctx.forward({ data, ts: item.ts });
      // Subtract the time actually slept, which corrects for timer error over many chunks.
      debtMs = ok ? debtMs - (performance.now() - start) : 0;
    },
  };
}

function slowClose(): Behaviour {
  return {
    async handle(ctx, item) {
      if (item.data !== null) {
        ctx.forward(item);
        return;
      }
      if (await ctx.sleep(int(ctx.toxic.attributes, 'delay'))) ctx.forward(item);
      // Interrupted: the end of stream is handled again after the restart (or flushed on removal).
      else ctx.requeue(item);
    },
  };
}

function timeout(): Behaviour {
  const arm = (ctx: StageContext): void => {
    ctx.clearTimers();
    const ms = int(ctx.toxic.attributes, 'timeout');
    if (ms > 0) ctx.setTimer(() => ctx.closeLink(), ms);
  };
  return {
    start: arm,
    handle(ctx, item) {
      if (item.data === null) {
        ctx.closeLink();
        return;
      }
      // All data is dropped; each chunk restarts the inactivity timer.
      ctx.dropped(item.data);
      arm(ctx);
    },
  };
}

function resetPeer(): Behaviour {
  return {
    async handle(ctx, item) {
      // The first item (data or end) is discarded, then the link closes after `timeout` ms.
      if (item.data) ctx.dropped(item.data);
      const ms = int(ctx.toxic.attributes, 'timeout');
      if (ms > 0) await ctx.sleep(ms, true);
      ctx.closeLink();
    },
  };
}

function slicer(): Behaviour {
  return {
    async handle(ctx, item) {
      if (item.data === null) {
        ctx.forward(item);
        return;
      }
      const avg = int(ctx.toxic.attributes, 'average_size');
      const variation = int(ctx.toxic.attributes, 'size_variation');
      const delayMs = int(ctx.toxic.attributes, 'delay') / 1000; // the attribute is in microseconds
      const cuts = slicePoints(item.data.length, avg, variation, ctx.rng);
      if (delayMs > 0) ctx.delayed(item.data);
      let from = 0;
      for (const to of cuts) {
        ctx.forward({ data: item.data.subarray(from, to), ts: item.ts });
        from = to;
        if (delayMs > 0 && from < item.data.length && !(await ctx.sleep(delayMs))) {
          // Interrupted: the rest of the chunk goes unsliced.
          ctx.forward({ data: item.data.subarray(from), ts: item.ts });
          return;
        }
      }
      // The real slicer also sleeps after the last piece.
      if (delayMs > 0) await ctx.sleep(delayMs);
    },
  };
}

/**
 * End offsets of the slicer's pieces. A piece is emitted whole when `len - avg <= variation`,
 * otherwise split at the middle plus a random offset in [-variation, variation). Unlike the real
 * server, split points are clamped inside the piece and pieces under 2 bytes are never split, so
 * `average_size <= 0` or a large `size_variation` cannot crash or loop.
 */
export function slicePoints(length: number, avg: number, variation: number, rng: Rng): number[] {
  const out: number[] = [];
  const stack: Array<[number, number]> = [[0, length]];
  while (stack.length > 0) {
    const [start, end] = stack.pop()!;
    const len = end - start;
    if (len < 2 || len - avg <= variation) {
      if (len > 0) out.push(end);
      continue;
    }
    let mid = Math.floor(len / 2);
    if (variation > 0) mid += rng.int(0, 2 * variation - 1) - variation;
    mid = Math.min(Math.max(mid, 1), len - 1);
    // Right half first on the stack so the left half is emitted first.
    stack.push([start + mid, end], [start, start + mid]);
  }
  return out;
}

function limitData(): Behaviour {
  return {
    handle(ctx, item) {
      if (item.data === null) {
        ctx.closeLink();
        return;
      }
      const limit = int(ctx.toxic.attributes, 'bytes');
      const key = ctx.toxic.name;
      let sent = (ctx.linkState.get(key) as number | undefined) ?? 0;
      const remaining = Math.max(0, limit - sent);
      let data = item.data;
      if (data.length > remaining) {
        ctx.dropped(data.subarray(remaining));
        data = data.subarray(0, remaining);
      }
      if (data.length > 0) {
        ctx.forward({ data, ts: item.ts });
        sent += data.length;
        ctx.linkState.set(key, sent);
      }
      if (sent >= limit) ctx.closeLink();
    },
  };
}

/**
 * ndjson_filter: splits the stream into lines, parses each as JSON, and drops or delays the
 * messages whose `field` (default "type") is listed in `types`, or sends them twice, or holds
 * them a random time so they arrive out of order (NDJSON_ACTIONS). Other lines, lines that are not
 * JSON objects, and an unterminated tail at the end of the stream pass unchanged. With
 * `action: "delay"` a matched message is held `delay_ms` while later messages pass; the end of
 * the stream waits for held messages. `probability` applies per message (seeded).
 */
function ndjsonFilter(): Behaviour {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let passThroughLine = false; // the current line is too long to inspect
  const held = new Map<number, Item>();
  let nextId = 0;
  let pendingEnd: Item | null = null;

  const release = (ctx: StageContext, id: number): void => {
    const it = held.get(id);
    if (!it) return;
    held.delete(id);
    ctx.forward(it);
    if (held.size === 0 && pendingEnd) {
      const end = pendingEnd;
      pendingEnd = null;
      ctx.forward(end);
    }
  };

  const matches = (ctx: StageContext, line: Buffer): boolean => {
    const attrs = ctx.toxic.attributes;
    const types = attrs['types'] as string[];
    if (types.length === 0) return false;
    let msg: unknown;
    try {
      msg = JSON.parse(line.toString('utf8'));
    } catch {
      return false;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return false;
    const v = (msg as Record<string, unknown>)[attrs['field'] as string];
    if (typeof v !== 'string' || !types.includes(v)) return false;
    const p = attrs['probability'] as number;
    return p >= 1 || ctx.rng.float() < p;
  };

  /** Decides one complete line: true when it passes now, false when dropped or held. */
  const passes = (ctx: StageContext, line: Buffer, ts: number): boolean => {
    if (!matches(ctx, line)) return true;
    const attrs = ctx.toxic.attributes;
    if (attrs['action'] === 'drop') {
      ctx.dropped(line);
      return false;
    }
    ctx.delayed(line);
    const delayMs = attrs['delay_ms'] as number;
    const id = nextId++;
    held.set(id, { data: attrs['action'] === 'duplicate' ? Buffer.from(line) : line, ts });
    ctx.setTimer(() => release(ctx, id), attrs['action'] === 'reorder' ? Math.floor(ctx.rng.float() * (delayMs + 1)) : delayMs);
    // A duplicate's first copy goes on now; the held one is its copy.
    return attrs['action'] === 'duplicate';
  };

  return {
    keepsTimersOnRestart: true,
    handle(ctx, item) {
      if (item.data === null) {
        if (partialBytes > 0) {
          ctx.forward({ data: Buffer.concat(partial, partialBytes), ts: item.ts });
          partial = [];
          partialBytes = 0;
        }
        if (held.size > 0) pendingEnd = item;
        else ctx.forward(item);
        return;
      }
      const data = item.data;
      // The lines of this chunk that pass are forwarded together, in order, after the scan.
      const out: Buffer[] = [];
      let from = 0;
      let nl = data.indexOf(10);
      while (nl >= 0) {
        const piece = data.subarray(from, nl + 1);
        let line = piece;
        if (partialBytes > 0) {
          partial.push(piece);
          line = Buffer.concat(partial, partialBytes + piece.length);
          partial = [];
          partialBytes = 0;
        }
        if (passThroughLine) {
          passThroughLine = false;
          out.push(line);
        } else if (passes(ctx, line, item.ts)) {
          out.push(line);
        }
        from = nl + 1;
        nl = data.indexOf(10, from);
      }
      if (from < data.length) {
        const rest = data.subarray(from);
        if (passThroughLine) {
          out.push(rest);
        } else {
          partial.push(rest);
          partialBytes += rest.length;
          if (partialBytes > NDJSON_MAX_LINE_BYTES) {
            out.push(Buffer.concat(partial, partialBytes));
            partial = [];
            partialBytes = 0;
            passThroughLine = true;
          }
        }
      }
      if (out.length > 0) ctx.forward({ data: out.length === 1 ? out[0]! : Buffer.concat(out), ts: item.ts });
    },
    deactivate(ctx) {
      // The stage now passes bytes through; an unfinished line must go first to keep the stream whole.
      if (partialBytes > 0) {
        ctx.forward({ data: Buffer.concat(partial, partialBytes), ts: performance.now() });
        partial = [];
        partialBytes = 0;
      }
      passThroughLine = false;
    },
    flush(ctx) {
      for (const id of [...held.keys()].sort((a, b) => a - b)) release(ctx, id);
      if (partialBytes > 0) {
        ctx.forward({ data: Buffer.concat(partial, partialBytes), ts: performance.now() });
        partial = [];
        partialBytes = 0;
      }
    },
  };
}

/**
 * packet_loss: drops whole chunks (one socket read, or one piece of a slicer before it) with
 * probability `loss_rate`, or `loss_rate + correlation` (at most 1) right after a dropped one, the
 * real server's simplified Gilbert-Elliott model, so that losses come in bursts. The end of the
 * stream is never dropped. The roll is the link's seeded stream.
 */
function packetLoss(): Behaviour {
  let lastDropped = false;
  return {
    handle(ctx, item) {
      if (item.data === null) {
        ctx.forward(item);
        return;
      }
      const rate = ctx.toxic.attributes['loss_rate'] as number;
      const p = lastDropped ? Math.min(1, rate + (ctx.toxic.attributes['correlation'] as number)) : rate;
      lastDropped = ctx.rng.float() < p;
      if (lastDropped) ctx.dropped(item.data);
      else ctx.forward(item);
    },
  };
}

/** A fresh behaviour for one stage of a toxic of this type. */
export function createBehaviour(type: string): Behaviour {
  switch (type) {
    case 'latency':
      return latency();
    case 'bandwidth':
      return bandwidth();
    case 'slow_close':
      return slowClose();
    case 'timeout':
      return timeout();
    case 'reset_peer':
      return resetPeer();
    case 'slicer':
      return slicer();
    case 'limit_data':
      return limitData();
    case 'packet_loss':
      return packetLoss();
    case NDJSON_FILTER:
      return ndjsonFilter();
    case 'noop':
      return noop;
    default:
      throw new ApiError(400, 'invalid toxic type');
  }
}
