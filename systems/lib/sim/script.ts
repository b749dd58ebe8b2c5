/**
 * Scenario scripts in the datadriven format of etcd raft's `testdata/*.txt`: each directive is a
 * command line, a `----` line and the output it must produce, ended by a blank line. Lines
 * starting with `#` and blank lines between directives are comments. An output that holds blank
 * lines is written between two `----` lines and ended by two more, as etcd does.
 *
 *     campaign n1
 *     ----
 *     n1 became pre-candidate at term 0
 *
 * This file is the generic part: parsing, running every directive through a system's command
 * table, comparing, and writing the file again with the actual outputs (for review in the diff).
 */

/** One command of a script, with the output the script expects of it. */
export interface Directive {
  file: string;
  /** Line of the command, from 1. */
  line: number;
  command: string;
  args: string[];
  expected: string;
  /** The comments and blank lines before the command, kept when the file is written again. */
  before: string;
}

/** A bad script or a bad command in it: the message names the file and line. */
export class ScriptError extends Error {
  constructor(d: { file: string; line: number }, message: string) {
    super(`${d.file}:${d.line}: ${message}`);
    this.name = 'ScriptError';
  }
}

const SEPARATOR = '----';

/** Splits a script into its directives. */
export function parseScript(text: string, file: string): Directive[] {
  const lines = text.split('\n');
  const out: Directive[] = [];
  let before: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.startsWith('#')) {
      before.push(raw);
      i++;
      continue;
    }
    const line = i + 1;
    const [command, ...args] = raw.trim().split(/\s+/);
    i++;
    if (lines[i] !== SEPARATOR) throw new ScriptError({ file, line }, `expected "${SEPARATOR}" after the command "${raw.trim()}"`);
    i++;
    const expected: string[] = [];
    if (lines[i] === SEPARATOR) {
      // The long form: the output runs until two separator lines.
      i++;
      while (i < lines.length && !(lines[i] === SEPARATOR && lines[i + 1] === SEPARATOR)) expected.push(lines[i++]!);
      if (i >= lines.length) throw new ScriptError({ file, line }, `the output of "${raw.trim()}" is not closed by two "${SEPARATOR}" lines`);
      i += 2;
    } else {
      while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
      i++; // the blank line that ends the output belongs to it
    }
    out.push({ file, line, command: command!, args, expected: expected.join('\n'), before: before.join('\n') });
    before = [];
  }
  return out;
}

/** One directive whose output differs from what the script expects. */
export interface Mismatch {
  line: number;
  command: string;
  expected: string;
  actual: string;
}

/** What a script run found, and the script as it would be with the actual outputs. */
export interface ScriptRun {
  mismatches: Mismatch[];
  rewritten: string;
}

/** Runs every directive of a script through `run`, one command after the other. */
export function runScript(text: string, file: string, run: (d: Directive) => string): ScriptRun {
  const directives = parseScript(text, file);
  const mismatches: Mismatch[] = [];
  const parts: string[] = [];
  for (const d of directives) {
    let actual: string;
    try {
      actual = run(d).replace(/\s+$/, '');
    } catch (e) {
      if (e instanceof ScriptError) throw e;
      throw new ScriptError(d, `${d.command}: ${(e as Error).message}`);
    }
    if (actual === '') actual = 'ok';
    if (actual !== d.expected) mismatches.push({ line: d.line, command: [d.command, ...d.args].join(' '), expected: d.expected, actual });
    if (d.before !== '') parts.push(`${d.before}\n`);
    const body = actual.split('\n').some((l) => l.trim() === '') ? `${SEPARATOR}\n${actual}\n${SEPARATOR}\n${SEPARATOR}` : actual;
    parts.push(`${[d.command, ...d.args].join(' ')}\n${SEPARATOR}\n${body}\n\n`);
  }
  return { mismatches, rewritten: parts.join('').replace(/\n+$/, '\n') };
}

/** The `i`th argument of a directive, which must be there. */
export function arg(d: Directive, i: number, what: string): string {
  const a = d.args[i];
  if (a === undefined) throw new ScriptError(d, `${d.command}: missing ${what}`);
  return a;
}

/**
 * The `i`th argument as a decimal integer of at least `min`. (Systems cannot import the harness's
 * flag parser; a script argument follows the same decimal-only rule.)
 */
export function intArg(d: Directive, i: number, what: string, min = 0): number {
  const a = arg(d, i, what);
  if (!/^-?(0|[1-9][0-9]*)$/.test(a) || !Number.isSafeInteger(Number(a)) || Number(a) < min) {
    throw new ScriptError(d, `${d.command}: ${what} must be a decimal integer of at least ${min}, got ${JSON.stringify(a)}`);
  }
  return Number(a);
}
