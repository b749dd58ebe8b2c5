/**
 * walkv's record and snapshot encodings. A log record is one state change, `set key value`
 * (a successful cas is logged as the set it amounts to), in a compact binary layout:
 *   [key tag u8][key][value tag u8][value]
 * where a tag is 0 = integer (i64 big-endian, the common case), 1 = null (no bytes), 2 = any other
 * JSON (u32 big-endian length + UTF-8 text). A snapshot is the JSON array of [key, value] pairs.
 * Nothing here can tell a whole record from a torn one: that is the log's CRC's job.
 */

/** One logged state change. */
export interface SetCommand {
  key: unknown;
  value: unknown;
}

const TAG_INT = 0;
const TAG_NULL = 1;
const TAG_JSON = 2;

function encodeValue(v: unknown): Buffer {
  if (v === null || v === undefined) return Buffer.from([TAG_NULL]);
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    const b = Buffer.alloc(9);
    b[0] = TAG_INT;
    b.writeBigInt64BE(BigInt(v), 1);
    return b;
  }
  const text = Buffer.from(JSON.stringify(v), 'utf8');
  const b = Buffer.alloc(5 + text.length);
  b[0] = TAG_JSON;
  b.writeUInt32BE(text.length, 1);
  text.copy(b, 5);
  return b;
}

function decodeValue(buf: Buffer, off: number): { value: unknown; next: number } {
  const tag = buf[off];
  if (tag === TAG_NULL) return { value: null, next: off + 1 };
  if (tag === TAG_INT) {
    if (off + 9 > buf.length) throw new Error('short integer');
    const n = buf.readBigInt64BE(off + 1);
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('integer out of range');
    return { value: Number(n), next: off + 9 };
  }
  if (tag === TAG_JSON) {
    if (off + 5 > buf.length) throw new Error('short length');
    const len = buf.readUInt32BE(off + 1);
    if (off + 5 + len > buf.length) throw new Error('short JSON');
    return { value: JSON.parse(buf.toString('utf8', off + 5, off + 5 + len)), next: off + 5 + len };
  }
  throw new Error(`unknown tag ${tag}`);
}

/** Encodes `set key value`. */
export function encodeSet(cmd: SetCommand): Buffer {
  return Buffer.concat([encodeValue(cmd.key), encodeValue(cmd.value)]);
}

/** Decodes a record payload; throws when it is not a well-formed `set`. */
export function decodeSet(buf: Buffer): SetCommand {
  const k = decodeValue(buf, 0);
  const v = decodeValue(buf, k.next);
  return { key: k.value, value: v.value };
}

/** Encodes the whole state as a snapshot. */
export function encodeSnapshot(state: Map<string, { key: unknown; value: unknown }>): Buffer {
  return Buffer.from(JSON.stringify([...state.values()].map((e) => [e.key, e.value])), 'utf8');
}

/** Decodes a snapshot into [key, value] pairs; throws when malformed. */
export function decodeSnapshot(buf: Buffer): Array<[unknown, unknown]> {
  const pairs: unknown = JSON.parse(buf.toString('utf8'));
  if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && p.length === 2)) {
    throw new Error('snapshot is not an array of [key, value] pairs');
  }
  return pairs as Array<[unknown, unknown]>;
}
