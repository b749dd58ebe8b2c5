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

/**
 * The groups of a `partition a b | c` directive over the cluster `ids`: groups split by `|`, and
 * every node not named alone in a group of its own.
 */
export function partitionGroups(d: Directive, ids: readonly string[]): string[][] {
  const groups: string[][] = [[]];
  for (const a of d.args) {
    if (a === '|') groups.push([]);
    else if (!ids.includes(a)) throw new ScriptError(d, `${d.command}: no node ${JSON.stringify(a)} (nodes are ${ids.join(' ')})`);
    else groups.at(-1)!.push(a);
  }
  for (const id of ids) if (!groups.some((g) => g.includes(id))) groups.push([id]);
  return groups.filter((g) => g.length > 0);
}

/** What the commands every system's scripts share need of its scripted cluster. */
export interface ScriptedCluster {
  readonly ids: readonly string[];
  readonly sim: {
    advanceClock(ms: number): void;
    run(untilMs: number): boolean;
    readonly now: number;
    tick(id: string): void;
    crash(id: string, why: string): void;
    boot(id: string): void;
    core(id: string): unknown;
    readonly net: { partition(groups: readonly (readonly string[])[] | null): void };
  };
  /** Virtual ms of one tick. */
  readonly tickMs: number;
  print(line: string): void;
  /** One line of a node's state (`status`, `restart`). */
  status(id: string): string;
}

/** A command of a script: what it does to the script's state. */
export type ScriptCommand<E> = (env: E, d: Directive) => void;

/**
 * The commands every system's scripts share, over the cluster `of(env)` gives:
 *
 *   tick n2 5 | tick all 5     5 ticks of n2 (or of every live node)
 *   deliver-msgs               deliver the messages in flight (not the ones they cause)
 *   stabilize                  deliver messages until none is left
 *   partition n1 n2 | n3       (nodes not named are alone) | heal
 *   crash n2 | restart n2      a crash loses the process; the disk keeps what was synced
 *   status                     every node's status line
 *
 * Links take 1 ms per message (the system's script sets its network so), so moving the clock by
 * 1 ms makes due exactly what is in flight.
 */
export function sharedCommands<E>(of: (env: E) => ScriptedCluster): Record<string, ScriptCommand<E>> {
  const up = (c: ScriptedCluster, d: Directive, id: string): void => {
    if (!c.ids.includes(id)) throw new ScriptError(d, `${d.command}: no node ${JSON.stringify(id)} (nodes are ${c.ids.join(' ')})`);
    if (c.sim.core(id) === null) throw new ScriptError(d, `${d.command}: ${id} is down`);
  };
  const deliverRound = (c: ScriptedCluster): boolean => {
    c.sim.advanceClock(1);
    return c.sim.run(c.sim.now);
  };
  return {
    tick: (env, d) => {
      const c = of(env);
      const who = arg(d, 0, 'a node or all');
      const ids = who === 'all' ? c.ids.filter((id) => c.sim.core(id) !== null) : [who];
      for (const id of ids) up(c, d, id);
      const n = intArg(d, 1, 'the number of ticks', 1);
      for (let i = 0; i < n; i++) {
        c.sim.advanceClock(c.tickMs);
        for (const id of ids) c.sim.tick(id);
      }
    },
    'deliver-msgs': (env) => {
      deliverRound(of(env));
    },
    stabilize: (env) => {
      const c = of(env);
      while (deliverRound(c));
    },
    partition: (env, d) => {
      const c = of(env);
      c.sim.net.partition(partitionGroups(d, c.ids));
    },
    heal: (env) => {
      of(env).sim.net.partition(null);
    },
    crash: (env, d) => {
      const c = of(env);
      const id = arg(d, 0, 'a node');
      up(c, d, id);
      c.sim.crash(id, 'crash');
      c.print(`${id} down`);
    },
    restart: (env, d) => {
      const c = of(env);
      const id = arg(d, 0, 'a node');
      if (!c.ids.includes(id)) throw new ScriptError(d, `restart: no node ${JSON.stringify(id)}`);
      if (c.sim.core(id) !== null) throw new ScriptError(d, `restart: ${id} is up`);
      c.sim.boot(id);
      c.print(c.status(id));
    },
    status: (env) => {
      const c = of(env);
      c.print(c.ids.map((id) => c.status(id)).join('\n'));
    },
  };
}

/**
 * A system's script runner: a fresh state per script, the shared commands beside the system's
 * own, and each directive's printed output.
 */
export function scriptRunner<E>(env: E, commands: Record<string, ScriptCommand<E>>, take: (env: E) => string): (d: Directive) => string {
  return (d) => {
    const cmd = commands[d.command];
    if (cmd === undefined) throw new ScriptError(d, `unknown command ${JSON.stringify(d.command)} (one of ${Object.keys(commands).join(', ')})`);
    cmd(env, d);
    return take(env);
  };
}

/** The state of one script: its cluster, once `add-nodes N ...` made it. */
export class ScriptState<C> {
  private c: C | null = null;

  get cluster(): C {
    if (this.c === null) throw new Error('no cluster yet: the script must start with add-nodes');
    return this.c;
  }

  /** `add-nodes N [param ...]`: the cluster n1..nN, made by `make` from the ids and the params. */
  create(d: Directive, make: (ids: string[], params: string[]) => C): C {
    if (this.c !== null) throw new ScriptError(d, 'add-nodes: the cluster exists already');
    const n = intArg(d, 0, 'the number of nodes', 1);
    this.c = make(Array.from({ length: n }, (_, i) => `n${i + 1}`), d.args.slice(1));
    return this.c;
  }
}
