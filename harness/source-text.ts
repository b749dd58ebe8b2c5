/**
 * Line numbers for messages about files a user wrote (suite files, system manifests, proxy
 * configs): a bad file is reported as `file:line: what is wrong`, so an editor can jump to it.
 *
 * JSON is a subset of YAML, so one YAML parse (which keeps source positions) finds the line of a
 * field in either kind of file; V8's JSON syntax errors give a character position, turned into a
 * line here.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { stripBom } from '../checkers/history/limits.js';
import { UsageError } from './cli/exit.js';

/** The 1-based line of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  return text.slice(0, Math.max(0, offset)).split('\n').length;
}

// The byte-order mark some editors write at a file's start: JSON.parse refuses it and the YAML
// parser keeps it in the first key. The history readers drop it with the same function; it is one
// character on the first line, so the line numbers of messages stay right.
export { stripBom };

/**
 * Parses JSON text read from `path`; a syntax error is a UsageError
 * `path:line: not valid JSON: <reason>` (the line where V8 stopped, or 1 when it does not say).
 */
export function parseJsonText(raw: string, path: string): unknown {
  const text = stripBom(raw);
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const line = m ? lineAt(text, Number(m[1])) : 1;
    throw new UsageError(`${path}:${line}: not valid JSON: ${message}`);
  }
}

/**
 * The line of the value at `path` (object keys and array indexes) in JSON or YAML text, or of its
 * nearest ancestor that is there; null when the text cannot be read at all.
 */
export function lineOfPath(text: string, path: ReadonlyArray<string | number>): number | null {
  try {
    const doc = parseDocument(text);
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineAt(text, node.range[0]);
    }
  } catch {
    // No line then: the message still names the field.
  }
  return null;
}

/**
 * Parses JSON text read from `path` and validates it against `schema`; either kind of error is a
 * UsageError `path:line: field: what is wrong` (the line of the offending value when it is there).
 */
export function parseJsonWithSchema<T>(text: string, path: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T {
  const data = parseJsonText(text, path);
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // An unknown field is reported at its own line, not at the line of the object holding it.
  const at = issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]!] : issue.path;
  const line = lineOfPath(text, at) ?? lineOfPath(text, issue.path);
  throw new UsageError(`${path}${line === null ? '' : `:${line}`}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
}

