/**
 * Request body decoding with the real server's (Go encoding/json Decoder) leniency: only the
 * first JSON value is read and trailing bytes are ignored; an empty body is "EOF".
 */
import { badBody, jsonKind } from './errors.js';

/** Decodes the first JSON value of `text`. Throws a 400 ApiError ("bad request body: ..."). */
export function decodeFirstValue(text: string): unknown {
  let i = 0;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  if (i >= text.length) throw badBody('EOF');
  const start = i;
  const c = text[i]!;
  if (c === '{' || c === '[') {
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return parseOrThrow(text.slice(start), true);
  } else if (c === '"') {
    for (i++; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') {
        i++;
        break;
      }
    }
  } else {
    while (i < text.length && !/[\s,\]}{[]/.test(text[i]!)) i++;
  }
  return parseOrThrow(text.slice(start, i), false);
}

function parseOrThrow(s: string, truncated: boolean): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    if (truncated) throw badBody('unexpected EOF');
    const msg = (e as Error).message.replace(/^JSON\.parse: /, '');
    throw badBody(`invalid JSON: ${msg}`);
  }
}

/** Field types the API structs declare. */
type FieldType = 'string' | 'bool' | 'number';

/**
 * Checks a decoded body against a Go struct's field types: it must be an object (or null, which
 * leaves every field at its default), and each present, non-null field must have its type.
 */
export function checkFields(
  body: unknown,
  goStruct: string,
  fields: Record<string, FieldType>,
): Record<string, unknown> {
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badBody(`json: cannot unmarshal ${jsonKind(body).split(' ')[0]} into Go value of type main.${goStruct}`);
  }
  const obj = body as Record<string, unknown>;
  for (const [key, type] of Object.entries(fields)) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const ok = type === 'string' ? typeof v === 'string' : type === 'bool' ? typeof v === 'boolean' : typeof v === 'number';
    if (!ok) {
      const goType = type === 'number' ? 'float32' : type;
      throw badBody(`json: cannot unmarshal ${jsonKind(v).split(' ')[0]} into Go struct field ${goStruct}.${key} of type ${goType}`);
    }
  }
  return obj;
}
