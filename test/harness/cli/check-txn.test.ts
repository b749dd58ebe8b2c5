/**
 * `faultline check --checker list-append|rw-register`: exit codes, text and JSON output, and one
 * clear message for bad input. Runs the command in-process on histories written to a temp dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runTxnCheck } from '../../../harness/cli/commands/check-txn.js';
import { main } from '../../../harness/cli/main.js';
import { UsageError } from '../../../harness/cli/exit.js';
import { corpusDir } from '../../support/corpus.js';
import { history } from '../../support/txn-history.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-check-txn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, events: object[]): string {
  const p = join(dir, name);
  writeFileSync(p, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return p;
}

async function run(file: string, o: Partial<Parameters<typeof runTxnCheck>[1]> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runTxnCheck(file, { checker: 'list-append', format: 'auto', json: false, ...o }, (t) => (out += t));
  return { code, out };
}

describe('faultline check --checker list-append|rw-register', () => {
  const valid = write('valid.jsonl', history(['ax1', 'rx1 ay1', 'rx1 ry1']));
  const skew = write('skew.jsonl', history(['ax1', 'rx1 ay1', 'ry1 rx_'], { concurrent: true }));

  test('a valid history exits 0', async () => {
    const { code, out } = await run(valid);
    expect(code).toBe(0);
    expect(out).toMatch(/^No anomalies in 3 transactions/);
  });

  test('an anomaly exits 1 and is explained in sentences', async () => {
    const { code, out } = await run(skew, { consistencyModel: 'serializable' });
    expect(code).toBe(1);
    expect(out).toContain('G-single (1 found):');
    expect(out).toContain("because T2 observed T1's append of 1 to key x");
    expect(out).toContain('Not repeatable-read, snapshot-isolation');
  });

  test('--json prints the whole result', async () => {
    const { code, out } = await run(skew, { consistencyModel: 'serializable', json: true });
    expect(code).toBe(1);
    const r = JSON.parse(out);
    expect(r.valid).toBe(false);
    expect(r.anomalies['G-single'][0].steps.map((s: { rel: string }) => s.rel).sort()).toEqual(['rw', 'wr', 'wr']);
  });

  test('an exhausted search budget exits 2', async () => {
    const ws = write('write-skew.jsonl', history(['rx_ ay1', 'ry_ ax1'], { concurrent: true }));
    const { code } = await run(ws, { consistencyModel: 'repeatable-read', cycleSearchBudget: 1 });
    expect(code).toBe(2);
  });

  test('rw-register with its inference flags', async () => {
    const stale = write('stale.jsonl', history(['wx1', 'wx2', 'rx1'], { mode: 'register' }));
    expect((await run(stale, { checker: 'rw-register' })).code).toBe(0);
    expect((await run(stale, { checker: 'rw-register', linearizableKeys: true })).code).toBe(1);
  });

  test('bad input: one message with file and line', async () => {
    const dup = write('dup.jsonl', history(['ax1', 'ax1']));
    await expect(run(dup)).rejects.toThrow(UsageError);
    await expect(run(dup)).rejects.toThrow(/dup\.jsonl:3: the append of 1 to key x appears in two transactions/);
    await expect(run(valid, { consistencyModel: 'linearizable' })).rejects.toThrow(/unknown consistency model "linearizable"/);
    await expect(run(join(dir, 'missing.jsonl'))).rejects.toThrow(UsageError);
  });

  test('through the command line: exit codes of faultline check', async () => {
    const quiet = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const errWrite = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'faultline', 'check', valid, '--checker', 'list-append'])).toBe(0);
      process.exitCode = undefined;
      expect(await main(['node', 'faultline', 'check', skew, '--checker', 'list-append', '--consistency-model', 'serializable'])).toBe(1);
      process.exitCode = undefined;
      expect(await main(['node', 'faultline', 'check', skew, '--checker', 'list-append', '--consistency-model', 'nope'])).toBe(254);
      process.exitCode = undefined;
    } finally {
      process.stdout.write = quiet;
      process.stderr.write = errWrite;
      process.exitCode = undefined;
    }
  });

  test('the example histories', async () => {
    const ex = (f: string): string => join(__dirname, '..', '..', '..', 'examples', 'histories', f);
    expect((await run(ex('list-append-good.jsonl'))).code).toBe(0);
    expect((await run(ex('list-append-bad.jsonl'))).code).toBe(1);
    expect((await run(ex('rw-register-good.jsonl'), { checker: 'rw-register' })).code).toBe(0);
    expect((await run(ex('rw-register-bad.jsonl'), { checker: 'rw-register' })).code).toBe(1);
  });

  test('Jepsen EDN from the Elle corpus', async (ctx) => {
    const c = corpusDir();
    const p = c ? join(c, 'elle', 'histories', 'si-without-g-single.edn') : null;
    if (!p) return ctx.skip('skipped: the Elle corpus is not present');
    expect((await run(p, { consistencyModel: 'repeatable-read' })).code).toBe(1);
    expect((await run(p, { consistencyModel: 'snapshot-isolation' })).code).toBe(0);
  });
});
