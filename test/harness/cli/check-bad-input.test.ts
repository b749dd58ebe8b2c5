/**
 * `faultline check` on input that once crashed it (exit 255, a stack trace) or passed it vacuously
 * (exit 0 with nothing checked): each must be bad input, exit 254, with one line naming the file
 * (and the line, where there is one). Runs the built CLI, as a user does (`npm test` builds first).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCheckSync as run } from '../../support/cli.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const casBad = join(repo, 'examples', 'histories', 'cas-register-bad.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'faultline-check-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

/** Exit 254, one line on stderr matching `message`, nothing on stdout, no stack trace. */
function expectBadInput(r: ReturnType<typeof run>, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(254);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stdout).toBe('');
}

const nested = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);

describe.runIf(existsSync(CLI))('faultline check on hostile or mistaken input', () => {
  const deepJsonl = (f: string, value: string) =>
    `{"index":0,"type":"invoke","process":0,"f":"${f}","value":${value}}\n{"index":1,"type":"ok","process":0,"f":"${f}","value":${value}}\n`;

  it.each([
    ['cas-register', deepJsonl('write', nested(5000, '1')), ['--model', 'cas-register']],
    ['kv', deepJsonl('write', `["k",${nested(5000, '1')}]`), ['--model', 'kv']],
    ['list-append', deepJsonl('txn', `[["append","x",${nested(5000, '1')}]]`), ['--checker', 'list-append']],
    ['rw-register', deepJsonl('txn', `[["w","x",${nested(5000, '1')}]]`), ['--checker', 'rw-register']],
  ])('refuses a JSONL value nested 5,000 levels (%s) at read time, naming file:line', (name, text, args) => {
    const p = file(`deep-${name}.jsonl`, text);
    expectBadInput(run(p, ...args), /^faultline: .*deep-[a-z-]+\.jsonl:1: a value nests deeper than 256 levels/);
  });

  it('refuses an EDN value nested 3,000 levels, naming file:line:column', () => {
    const v = nested(3000, '1');
    const p = file('deep.edn', `[{:type :invoke, :process 0, :f :write, :value ${v}}\n {:type :ok, :process 0, :f :write, :value ${v}}]\n`);
    expectBadInput(run(p, '--model', 'cas-register'), /^faultline: .*deep\.edn:1:\d+: not valid EDN: nested deeper than 256 levels/);
  });

  it('accepts a value nested within the limit', () => {
    const p = file('nested-ok.jsonl', deepJsonl('write', nested(200, '1')));
    expect(run(p, '--model', 'register').code).toBe(0);
  });

  it('refuses a file that is not in the named format instead of passing it with 0 operations', () => {
    const p = file('passwd', 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    expectBadInput(run(p, '--model', 'cas-register', '--format', 'porcupine-etcd'), /^faultline: .*passwd:1: 2 of 2 lines are not jepsen\.util operation lines/);
  });

  it('refuses a porcupine-etcd log where most lines were skipped, naming the first', () => {
    const p = file('mostly-noise.log', ['some log line', 'INFO  jepsen.util - 0\t:invoke\t:read\tnil', 'another', 'and another'].join('\n'));
    expectBadInput(run(p, '--model', 'cas-register', '--format', 'porcupine-etcd'), /^faultline: .*mostly-noise\.log:1: 3 of 4 lines are not jepsen\.util/);
  });

  it('refuses a history with no transactions for a transactional checker', () => {
    expectBadInput(run(casBad, '--checker', 'rw-register'), /^faultline: .*cas-register-bad\.jsonl: no transactions .* to check \(12 events read as jsonl\)/);
    expectBadInput(run(casBad, '--checker', 'list-append'), /no transactions/);
  });

  it('refuses a history with no client operations for the linearizable checker', () => {
    const p = file('only-nemesis.jsonl', '{"index":0,"type":"info","process":"nemesis","f":"start-partition"}\n');
    expectBadInput(run(p, '--model', 'register'), /^faultline: .*only-nemesis\.jsonl: no client operations to check \(1 event read as jsonl\)/);
    expectBadInput(run(file('empty.jsonl', ''), '--model', 'register'), /no client operations to check \(0 events/);
  });

  it('gives an unreadable JSONL file exit 254 with its path, as for every format', () => {
    // /proc/self/mem is a regular file that fails on read (EIO), even for root.
    expectBadInput(run('/proc/self/mem', '--model', 'register', '--format', 'jsonl'), /^faultline: \/proc\/self\/mem: cannot read \(EIO\)/);
    expectBadInput(run('/proc/self/mem', '--model', 'register', '--format', 'edn'), /^faultline: \/proc\/self\/mem: cannot read \(EIO\)/);
  });

  it.each([
    ['unterminated vector', '[{:process 0 :type :invoke :f :read :value nil}\n {:process 0', /h1\.edn:2:2: not valid EDN: this \{ is never closed/],
    ['unterminated string', '[{:process 0 :type :invoke :f "read}]', /h2\.edn:1:31: not valid EDN: a string that is never closed/],
    ['mismatched bracket', '[{:process 0 :type :invoke :f :read :value nil)\n]', /h3\.edn:1:47: not valid EDN: \) does not close the \{ opened at 1:2/],
    ['key without value', '[{:process 0 :type :invoke :f}]', /h4\.edn:1:30: not valid EDN: the map opened at 1:2 has a key with no value/],
    ['second top-level form', '[{:process 0 :type :invoke :f :read}]\n[{:process 0 :type :ok :f :read}]', /h5\.edn:2:1: not valid EDN: a second top-level form/],
    ['stray closer', '{:process 0 :type :invoke :f :read}\n}', /h6\.edn:2:1: not valid EDN: a closing \} with nothing open/],
    ['symbolic value', '[{:process 0 :type :invoke :f :read :value ##Inf}]', /h7\.edn:1:44: not valid EDN: unsupported dispatch "##"/],
    ['not a map', '[{:process 0 :type :invoke :f :read}\n 7]', /h8\.edn:2: operation 2: expected a map, found number/],
  ])('names file:line:column of an EDN syntax error (%s)', (_, text, message) => {
    const name = `h${String(message).match(/h(\d)\\\.edn/)![1]}.edn`;
    expectBadInput(run(file(name, text), '--model', 'register'), message);
  });

  it('reads the first line after a byte order mark, in every format', () => {
    const bom = '\uFEFF';
    const etcd = file('bom-etcd.log', `${bom}INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t2\n`);
    // With the first line dropped, the write would be a stray completion; read, it makes the read of 2 impossible.
    const r = run(etcd, '--model', 'cas-register', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ operationCount: 2 });
    const jsonl = file('bom.jsonl', `${bom}{"index":0,"type":"invoke","process":0,"f":"write","value":1}\n{"index":1,"type":"ok","process":0,"f":"write","value":1}\n`);
    expect(run(jsonl, '--model', 'register').code).toBe(0);
    const edn = file('bom.edn', `${bom}{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value 1}\n`);
    expect(run(edn, '--model', 'register').code).toBe(0);
    const kv = file('bom-kv.txt', `${bom}{:process 0, :type :invoke, :f :put, :key "0", :value "x"}\n{:process 0, :type :ok, :f :put, :key "0", :value nil}\n`);
    expect(run(kv, '--model', 'string-kv', '--format', 'porcupine-kv').code).toBe(0);
  });

  it('reads --time-limit and --memory-limit as decimal numbers only', () => {
    expectBadInput(run(casBad, '--model', 'cas-register', '--memory-limit', '0x10'), /^faultline: --memory-limit must be a number in decimal notation, got "0x10"/);
    expectBadInput(run(casBad, '--model', 'cas-register', '--time-limit', '0'), /^faultline: --time-limit must be greater than 0, got 0/);
    expect(run(casBad, '--model', 'cas-register', '--memory-limit', '64.5').code).toBe(1);
  });
});
