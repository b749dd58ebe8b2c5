/**
 * Fuzz surface `histories`: what `faultline check` does with any file it is given.
 *
 * Each case builds a small random history (register, cas-register, kv, string-kv, list-append or
 * rw-register operations), writes it in one of the formats `check` reads (JSONL, EDN, Porcupine
 * etcd and kv logs), maybe mutates it (values nested thousands of levels deep, a byte order mark,
 * truncation, binary junk, lines dropped, doubled or swapped), and runs the check command's logic
 * in-process with a checker and `--format` that may not fit the file. It passes when the outcome
 * is a verdict (exit 0, 1 or 2) or bad input (254, one line, no stack trace), never a crash, and
 * when a "valid" verdict judged at least one operation. A sample of cases also runs through the
 * built CLI as a child, when the build is there, to cover flag parsing and the process's exit.
 *
 *   npm run bench:fuzz -- 10000 1 histories
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MutableRng } from '../../harness/random.js';
import { formatEvent, toJepsenEdn, type HistoryEvent } from '../../checkers/history/index.js';
import { runLinearizableCheck } from '../../harness/check/linearizable.js';
import { FaultlineError } from '../../harness/cli/exit.js';
import { runTxnCheck } from '../../harness/cli/commands/check-txn.js';
import { CLI_JS } from '../support/raftkv-cluster.js';
import type { FuzzReport } from './types.js';

/** The wall-clock bound of one case's check; a case over it is a failure (a hang). */
const CASE_TIME_LIMIT_MS = 5_000;
/** One case in this many also runs through the built CLI. */
const CHILD_SAMPLE_EVERY = 500;

type Kind = 'register' | 'cas-register' | 'kv' | 'string-kv' | 'list-append' | 'rw-register';
type Format = 'jsonl' | 'edn' | 'porcupine-etcd' | 'porcupine-kv';
const KINDS: Kind[] = ['register', 'cas-register', 'kv', 'string-kv', 'list-append', 'rw-register'];
const FORMATS: Format[] = ['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'];
const MUTATIONS = ['none', 'none', 'deep', 'bom', 'truncate', 'junk', 'drop-line', 'double-line', 'swap-lines', 'flip-char', 'empty'] as const;


/** A random history of `kind`: a few processes, operations that may overlap, any outcome. */
function randomHistory(c: MutableRng, kind: Kind): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const processes = c.int(1, 4);
  const open = new Map<number, HistoryEvent>();
  let time = 0;
  const steps = c.int(0, 24);
  for (let s = 0; s < steps; s++) {
    time += c.int(1, 1000) * 1000;
    const p = c.int(0, processes - 1);
    const inv = open.get(p);
    if (c.chance(0.05)) {
      events.push({ index: events.length, time, type: 'info', process: 'nemesis', f: c.pick(['start-partition', 'stop-partition', 'heal']) });
      continue;
    }
    if (!inv) {
      const [f, value] = randomInvocation(c, kind);
      const e: HistoryEvent = { index: events.length, time, type: 'invoke', process: p, f, value };
      open.set(p, e);
      events.push(e);
      continue;
    }
    open.delete(p);
    const type = c.pick(['ok', 'ok', 'ok', 'fail', 'info'] as const);
    const e: HistoryEvent = { index: events.length, time, type, process: p, f: inv.f, value: completionValue(c, kind, inv) };
    if (type !== 'ok' && c.chance(0.5)) e.error = c.pick(['timed-out', 'precondition-failed', 'txn-conflict']);
    events.push(e);
  }
  return events;
}

function randomInvocation(c: MutableRng, kind: Kind): [string, unknown] {
  const v = () => c.int(0, 4);
  const key = () => c.pick(['x', 'y', '0', '1']);
  switch (kind) {
    case 'register':
      return c.chance(0.5) ? ['read', null] : ['write', v()];
    case 'cas-register':
      return c.pick([['read', null], ['write', v()], ['cas', [v(), v()]]] as Array<[string, unknown]>);
    case 'kv':
      return c.pick([['read', [key(), null]], ['write', [key(), v()]], ['cas', [key(), [v(), v()]]]] as Array<[string, unknown]>);
    case 'string-kv':
      return c.pick([['get', [key(), null]], ['put', [key(), `s${v()}`]], ['append', [key(), `a${v()}`]]] as Array<[string, unknown]>);
    case 'list-append':
    case 'rw-register': {
      const write = kind === 'list-append' ? 'append' : 'w';
      const micro = Array.from({ length: c.int(1, 3) }, () => (c.chance(0.5) ? ['r', key(), null] : [write, key(), c.int(1, 9)]));
      return ['txn', micro];
    }
  }
}

function completionValue(c: MutableRng, kind: Kind, inv: HistoryEvent): unknown {
  const v = inv.value;
  if (kind === 'register' || kind === 'cas-register') return inv.f === 'read' ? c.pick([null, 0, 1, 2]) : v;
  if (kind === 'kv' || kind === 'string-kv') {
    const [k, payload] = v as [string, unknown];
    if (inv.f === 'read') return [k, c.pick([null, 0, 1, 2])];
    if (inv.f === 'get') return [k, c.pick([null, 's0', 's1a2'])];
    return [k, payload];
  }
  return (v as unknown[][]).map(([f, k, x]) =>
    f === 'r' ? [f, k, kind === 'list-append' ? Array.from({ length: c.int(0, 3) }, () => c.int(1, 9)) : c.pick([null, 1, 2])] : [f, k, x],
  );
}

/** The history in a format; a format that cannot carry the operations writes what it can. */
function encode(events: HistoryEvent[], format: Format): string {
  switch (format) {
    case 'jsonl':
      return events.map((e) => formatEvent(e) + '\n').join('');
    case 'edn':
      return toJepsenEdn(events);
    case 'porcupine-etcd':
      return events
        .filter((e) => e.process !== 'nemesis')
        .map((e) => {
          const raw = Array.isArray(e.value) && e.value.length === 2 && typeof e.value[0] === 'string' ? e.value[1] : e.value;
          const value = e.error !== undefined ? `:${String(e.error)}` : Array.isArray(raw) ? `[${raw.map((x) => x ?? 'nil').join(' ')}]` : (raw ?? 'nil');
          return `INFO  jepsen.util - ${String(e.process)}\t:${e.type}\t:${e.f}\t${String(value)}\n`;
        })
        .join('');
    case 'porcupine-kv':
      return events
        .filter((e) => e.process !== 'nemesis')
        .map((e) => {
          const [k, x] = Array.isArray(e.value) ? (e.value as unknown[]) : ['0', e.value];
          const value = typeof x === 'string' ? JSON.stringify(x) : 'nil';
          return `{:process ${String(e.process)}, :type :${e.type}, :f :${e.f}, :key ${JSON.stringify(String(k))}, :value ${value}}\n`;
        })
        .join('');
  }
}

function mutate(c: MutableRng, text: string, format: Format, mutation: (typeof MUTATIONS)[number]): Buffer {
  const lines = text.split('\n');
  const at = () => c.int(0, Math.max(0, text.length - 1));
  switch (mutation) {
    case 'none':
      return Buffer.from(text);
    case 'deep': {
      // A value nested past any recursion the checkers could take, in the file's own syntax.
      const depth = c.pick([100, 255, 257, 3_000, 6_000, 20_000]);
      const nested = '['.repeat(depth) + '1' + ']'.repeat(depth);
      const replaced = format === 'jsonl' ? text.replace(/"value":(\[[^\]]*\]|[^,}]+)/, `"value":${nested}`) : text.replace(/:value (\[[^\]]*\]|\S+?)([,}])/, `:value ${nested}$2`);
      return Buffer.from(replaced === text ? nested + '\n' + text : replaced);
    }
    case 'bom':
      return Buffer.from('\uFEFF' + text);
    case 'truncate':
      return Buffer.from(text.slice(0, at()));
    case 'junk': {
      const junk = Buffer.from(Array.from({ length: c.int(1, 64) }, () => c.int(0, 255)));
      const pos = at();
      return Buffer.concat([Buffer.from(text.slice(0, pos)), junk, Buffer.from(text.slice(pos))]);
    }
    case 'drop-line':
      lines.splice(c.int(0, Math.max(0, lines.length - 1)), 1);
      return Buffer.from(lines.join('\n'));
    case 'double-line': {
      const i = c.int(0, Math.max(0, lines.length - 1));
      lines.splice(i, 0, lines[i] ?? '');
      return Buffer.from(lines.join('\n'));
    }
    case 'swap-lines': {
      const i = c.int(0, Math.max(0, lines.length - 1));
      const j = c.int(0, Math.max(0, lines.length - 1));
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      return Buffer.from(lines.join('\n'));
    }
    case 'flip-char': {
      const pos = at();
      return Buffer.from(text.slice(0, pos) + c.pick(['{', '}', '[', ']', '"', ':', '\\', ' ', '#', ';', '\n']) + text.slice(pos + 1));
    }
    case 'empty':
      return Buffer.from(c.pick(['', '\n', '   \n\n', '[]', '[]\n']));
  }
}

interface Outcome {
  code: number;
  out: string;
  message: string;
  crash?: string;
}

/** Runs the check command's logic on `file`, as the CLI's action does, classifying what came of it. */
async function checkInProcess(file: string, checker: Kind | 'list-append' | 'rw-register', format: Format | 'auto'): Promise<Outcome> {
  let out = '';
  const write = (t: string) => {
    out += t;
  };
  try {
    const code =
      checker === 'list-append' || checker === 'rw-register'
        ? await runTxnCheck(file, { checker, format, json: true, timeLimitMs: CASE_TIME_LIMIT_MS }, write)
        : await runLinearizableCheck(file, { model: checker, format, json: true, timeLimitMs: CASE_TIME_LIMIT_MS, partition: true, allPartitions: false }, write);
    return { code, out, message: '' };
  } catch (err) {
    if (err instanceof FaultlineError) return { code: err.exitCode, out, message: err.message };
    const e = err as Error;
    return { code: 255, out, message: String(e?.message ?? err), crash: String(e?.stack ?? err).split('\n').slice(0, 3).join(' | ') };
  }
}

/** What is wrong with an outcome, or null when it is one of the documented ones. */
function judge(o: Outcome, checker: string): string | null {
  if (o.crash) return `crash: ${o.crash}`;
  if (o.code === 254) {
    if (o.message.trim() === '') return 'exit 254 with no message';
    if (o.message.includes('\n')) return `a message of several lines: ${JSON.stringify(o.message.slice(0, 200))}`;
    return null;
  }
  if (o.code !== 0 && o.code !== 1 && o.code !== 2) return `exit ${o.code}`;
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(o.out) as Record<string, unknown>;
  } catch {
    return `exit ${o.code} without a JSON result`;
  }
  const judged = checker === 'list-append' || checker === 'rw-register' ? (result.stats as { txns?: number } | undefined)?.txns : result.operationCount;
  if (o.code === 0 && !(typeof judged === 'number' && judged > 0)) return 'valid with no operation judged';
  return null;
}


/** Fuzzes `faultline check` with `cases` seeded random and mutated histories. */
export async function fuzzHistories(cases: number, seed: number): Promise<FuzzReport> {
  const c = new MutableRng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'faultline-fuzz-histories-'));
  const failures: string[] = [];
  const cli = existsSync(CLI_JS) ? CLI_JS : null;
  try {
    for (let i = 0; i < cases; i++) {
      const kind = c.pick(KINDS);
      const written = c.pick(FORMATS);
      const mutation = c.pick(MUTATIONS);
      // Mostly the checker and format that fit; sometimes any, as a user mistaking a flag.
      const checker = c.chance(0.8) ? kind : c.pick(KINDS);
      const format: Format | 'auto' = c.chance(0.5) ? 'auto' : c.chance(0.6) ? written : c.pick(FORMATS);
      const file = join(dir, `case-${i}${c.pick(['.jsonl', '.edn', '.log', '.txt'])}`);
      writeFileSync(file, mutate(c, encode(randomHistory(c, kind), written), written, mutation));
      const what = `case ${i} (seed ${seed}): ${kind} as ${written}, ${mutation}, checked by ${checker} --format ${format}`;
      const t0 = performance.now();
      const o = await checkInProcess(file, checker, format);
      const ms = performance.now() - t0;
      const wrong = judge(o, checker) ?? (ms > 2 * CASE_TIME_LIMIT_MS ? `took ${Math.round(ms)} ms` : null);
      if (wrong) failures.push(`${what}: ${wrong}`);
      if (cli && i % CHILD_SAMPLE_EVERY === 0) {
        const args = checker === 'list-append' || checker === 'rw-register' ? ['--checker', checker] : ['--model', checker];
        const r = spawnSync(process.execPath, [cli, 'check', file, ...args, '--format', format, '--time-limit', String(CASE_TIME_LIMIT_MS / 1000)], { encoding: 'utf8', timeout: 60_000 });
        if (r.status !== o.code) failures.push(`${what}: the built CLI exited ${String(r.status)}, in-process ${o.code}`);
        if (/internal error|\n\s+at /.test(r.stderr)) failures.push(`${what}: the built CLI printed ${JSON.stringify(r.stderr.slice(0, 200))}`);
      }
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { surface: 'histories', tried: cases, failures };
}
