/**
 * A structural pass over EDN text before it is parsed, character by character and iteratively.
 *
 * `edn-data` is lenient: an unterminated string or vector yields null, a mismatched bracket or a
 * map with a key and no value is read as something else, and a second top-level form is dropped.
 * None of that says where the text went wrong. This pass checks what makes a history readable
 * (strings closed, brackets matched, maps in pairs, one top-level vector or a sequence of maps,
 * nesting within MAX_VALUE_DEPTH) and names `line:column` of the first fault. It also returns the
 * line of each operation, so later errors (a bad field, a pairing fault) name a line too.
 */
import { HistoryError } from './errors.js';
import { MAX_VALUE_DEPTH } from './limits.js';

interface Frame {
  open: string;
  close: string;
  line: number;
  column: number;
  forms: number;
  /** `#_` seen at this level, each discarding the next form. */
  discard: number;
  isMap: boolean;
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

function isDelimiter(c: string): boolean {
  return ' \t\n\r\f,;"()[]{}'.includes(c);
}

/**
 * Checks the structure of an EDN history. `bare` is true when the text is a sequence of maps
 * rather than one vector. Returns the 1-based line on which each operation starts.
 */
export function scanEdn(text: string, bare: boolean, file: string | undefined): number[] {
  // Operation maps sit one level below the history vector, and their values one level further.
  const maxDepth = MAX_VALUE_DEPTH + 2;
  const root: Frame = { open: '', close: '', line: 1, column: 1, forms: 0, discard: 0, isMap: false };
  const stack: Frame[] = [root];
  const opLines: number[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const fail = (reason: string, at: { line: number; column: number }): never => {
    throw new HistoryError(`not valid EDN: ${reason}`, { file, line: at.line, column: at.column });
  };
  const here = () => ({ line, column: i - lineStart + 1 });
  const where = (f: Frame) => `${f.line}:${f.column}`;
  /** A form has ended, begun at `startLine`: count it in the frame it belongs to. */
  const complete = (startLine: number, at: { line: number; column: number }) => {
    const f = stack[stack.length - 1]!;
    if (f.discard > 0) {
      f.discard--;
      return;
    }
    f.forms++;
    if (f === root && !bare && f.forms > 1) {
      fail('a second top-level form; a history is one vector of operation maps, or a sequence of maps', at);
    }
    const opsFrame = bare ? root : stack[1];
    if (f === opsFrame) opLines.push(startLine);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === ',') {
      i++;
      continue;
    }
    if (c === ';') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    const at = here();
    if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail('a string that is never closed', at);
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\') i++;
        else if (d === '\n') {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      i++;
      complete(at.line, at);
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= text.length) fail('a backslash with no character after it', at);
      i += 2;
      while (i < text.length && /[A-Za-z0-9]/.test(text[i]!)) i++;
      complete(at.line, at);
      continue;
    }
    if (c === '(' || c === '[' || c === '{' || (c === '#' && text[i + 1] === '{')) {
      const open = c === '#' ? '#{' : c;
      if (stack.length > maxDepth) fail(`nested deeper than ${MAX_VALUE_DEPTH} levels (the readers' limit)`, at);
      stack.push({ open, close: CLOSERS[c === '#' ? '{' : c]!, line: at.line, column: at.column, forms: 0, discard: 0, isMap: c === '{' });
      i += open.length;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const f = stack[stack.length - 1]!;
      if (f === root) fail(`a closing ${c} with nothing open`, at);
      if (f.close !== c) fail(`${c} does not close the ${f.open} opened at ${where(f)}`, at);
      if (f.discard > 0) fail('#_ with no form after it to discard', at);
      if (f.isMap && f.forms % 2 !== 0) fail(`the map opened at ${where(f)} has a key with no value`, at);
      stack.pop();
      i++;
      complete(f.line, { line: f.line, column: f.column });
      continue;
    }
    if (c === '#') {
      const d = text[i + 1];
      if (d === '_') {
        stack[stack.length - 1]!.discard++;
        i += 2;
        continue;
      }
      if (d !== undefined && /[A-Za-z]/.test(d)) {
        // A tag (#inst, #uuid, #my/type) applies to the next form; it is no form of its own.
        i++;
        while (i < text.length && !isDelimiter(text[i]!)) i++;
        continue;
      }
      fail(`unsupported dispatch ${JSON.stringify('#' + (d ?? ''))} (symbolic values, regexes and anonymous functions are not history data)`, at);
    }
    while (i < text.length && !isDelimiter(text[i]!)) i++;
    complete(at.line, at);
  }
  if (stack.length > 1) {
    const f = stack[stack.length - 1]!;
    fail(`this ${f.open} is never closed`, f);
  }
  if (root.discard > 0) fail('#_ with no form after it to discard', here());
  return opLines;
}
