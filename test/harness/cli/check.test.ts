/**
 * `faultline check` as a user runs it: the built CLI in a child process, its exit codes and output.
 * Needs a build first (`npm test` builds).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCheckSync as run } from '../../support/cli.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const bad = join(repo, 'examples', 'histories', 'cas-register-bad.jsonl');
const good = join(repo, 'examples', 'histories', 'cas-register-good.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'faultline-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe.runIf(existsSync(CLI))('faultline check', () => {
  it('exits 1 and explains a history that is not linearizable', () => {
    const r = run(bad, '--model', 'cas-register');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Not linearizable \(model cas-register\)/);
    expect(r.stdout).toContain('process 0: read 1 [index 8..9]');
  });

  it('exits 0 for a linearizable one, and prints JSON with --json', () => {
    expect(run(good, '--model', 'cas-register').code).toBe(0);
    const r = run(good, '--model', 'cas-register', '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ checker: 'linearizable', model: 'cas-register', valid: true });
  });

  it('exits 2 when the time limit runs out', () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(JSON.stringify({ index: 2 * i, type: 'invoke', process: 0, f: 'write', value: i }));
      lines.push(JSON.stringify({ index: 2 * i + 1, type: 'ok', process: 0, f: 'write', value: i }));
    }
    const file = join(tmp, 'long.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = run(file, '--model', 'register', '--method', 'search', '--time-limit', '0.000001');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Unknown \(model register\): the time limit/);
  });

  it('reads EDN with Knossos conventions (a nil read is unknown) and an initial value', () => {
    const file = join(tmp, 'h.edn');
    writeFileSync(file, '[{:process 0 :type :invoke :f :read :value nil}\n {:process 0 :type :ok :f :read :value nil}\n {:process 1 :type :invoke :f :read :value nil}\n {:process 1 :type :ok :f :read :value 1}]\n');
    expect(run(file, '--model', 'cas-register', '--initial', '0').code).toBe(1);
    expect(run(file, '--model', 'cas-register', '--initial', '1').code).toBe(0);
    expect(run(file, '--model', 'cas-register', '--initial', '1', '--nil-read', 'absent').code).toBe(1);
  });

  it.each([
    [['--model', 'cas-register', '--format', 'edn'], /^faultline: .*cas-register-bad\.jsonl:2:\d+: not valid EDN: /],
    [['--model', 'nope'], /^faultline: option '--model <name>' argument 'nope' is invalid/m],
    [[], /^faultline: --model is required for the linearizable checker/],
    [['--model', 'cas-register', '--time-limit', 'soon'], /^faultline: --time-limit must be a number in decimal notation, got "soon"/],
    [['--model', 'cas-register', '--initial', '{x'], /^faultline: --initial must be JSON/],
    [['--model', 'kv'], /^faultline: .*cas-register-bad\.jsonl:2: kv: the value of write must be \[key, value\], found 1/],
  ])('exits 254 with one clear line for bad input %j', (args, message) => {
    const r = run(bad, ...(args as string[]));
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 254 naming file:line for a malformed history line', () => {
    const file = join(tmp, 'broken.jsonl');
    writeFileSync(file, '{"index":0,"type":"invoke","process":0,"f":"read"}\n{"index":1,"type":"ok",\n');
    const r = run(file, '--model', 'register');
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(`faultline: ${file}:2: not valid JSON (${r.stderr.split('(')[1]!.split(')')[0]})\n`);
  });
});
