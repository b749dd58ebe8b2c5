/**
 * The parallel check gives the verdicts, partitions and explanations of the one-thread check, on
 * real worker threads: generated kv histories (valid and corrupted), Porcupine's kv corpus when it
 * is present, and bad input reported with the same message.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import { generateKvHistory } from '../../../bench/generate.js';
import { corpusDir } from '../../support/corpus.js';

// Worker threads run built JavaScript (npm run build first), so the parallel check comes from dist/.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { checkLinearizableParallel } = (await import(
  join(repoRoot, 'dist', 'checkers', 'linearizable', 'index.js')
)) as typeof import('../../../checkers/linearizable/index.js');

function same(a: Awaited<ReturnType<typeof checkLinearizableParallel>>, b: ReturnType<typeof checkLinearizable>): void {
  expect(a.valid).toBe(b.valid);
  expect(a.operationCount).toBe(b.operationCount);
  expect(a.crashedCount).toBe(b.crashedCount);
  expect(a.partitions.map((p) => p.key).sort()).toEqual(b.partitions.map((p) => p.key).sort());
  expect(a.firstAnomaly).toEqual(b.firstAnomaly);
}

describe('checkLinearizableParallel', () => {
  it('agrees with one thread on a generated kv history and on its corrupted twin', async () => {
    const events = generateKvHistory({ operations: 500, processes: 5, seed: 9, keys: 6 });
    const one = checkLinearizable(createModel('kv'), events, { stopAtFirstInvalid: false });
    const two = await checkLinearizableParallel('kv', {}, events, { workers: 2, minOperations: 0, stopAtFirstInvalid: false });
    same(two, one);
    expect(two.valid).toBe(true);
    expect(two.partitions.every((p) => p.method === 'search')).toBe(true);
    const bad = generateKvHistory({ operations: 500, processes: 5, seed: 9, keys: 6, corruptLastRead: true });
    const oneBad = checkLinearizable(createModel('kv'), bad, { stopAtFirstInvalid: false });
    const twoBad = await checkLinearizableParallel('kv', {}, bad, { workers: 2, minOperations: 0, stopAtFirstInvalid: false });
    same(twoBad, oneBad);
    expect(twoBad.valid).toBe(false);
    expect(twoBad.explanation.split('\n').slice(2)).toEqual(oneBad.explanation.split('\n').slice(2));
  });

  it('threads kept from a check stopped at its first invalid partition give the next checks the verdicts of one thread', async () => {
    // Arrange: a corrupted history (one thread decides it while the other may still search) and a valid one.
    const bad = generateKvHistory({ operations: 400, processes: 5, seed: 4, keys: 6, corruptLastRead: true });
    const good = generateKvHistory({ operations: 400, processes: 5, seed: 4, keys: 6 });
    // Act: check them alternately, so every check after the first runs on threads kept from the one before.
    const verdicts: Array<boolean | 'unknown'> = [];
    for (let i = 0; i < 3; i++) {
      verdicts.push((await checkLinearizableParallel('kv', {}, bad, { workers: 2, minOperations: 0 })).valid);
      const two = await checkLinearizableParallel('kv', {}, good, { workers: 2, minOperations: 0 });
      same(two, checkLinearizable(createModel('kv'), good));
      verdicts.push(two.valid);
    }
    // Assert
    expect(verdicts).toEqual([false, true, false, true, false, true]);
  });

  it('below minOperations, or with one partition, checks in this thread', async () => {
    const events = generateKvHistory({ operations: 50, processes: 3, seed: 1, keys: 2 });
    const r = await checkLinearizableParallel('kv', {}, events, { workers: 2 });
    expect(r.valid).toBe(true);
    const one = await checkLinearizableParallel('kv', {}, generateKvHistory({ operations: 50, processes: 3, seed: 1, keys: 1 }), { workers: 2, minOperations: 0 });
    expect(one.valid).toBe(true);
  });

  it('reports bad input found in a thread with the message of one thread', async () => {
    const events = generateKvHistory({ operations: 40, processes: 3, seed: 2, keys: 3 });
    const invoke = events.find((e) => e.type === 'invoke' && e.f === 'write')!;
    const at = events.indexOf(invoke);
    const broken = events.map((e, i) => (i === at || (e.process === invoke.process && e.type !== 'invoke' && events.indexOf(e) > at && e.f === 'write' && i === events.findIndex((x, j) => j > at && x.process === invoke.process)) ? { ...e, f: 'frob' } : e));
    let single = '';
    try {
      checkLinearizable(createModel('kv'), broken);
    } catch (err) {
      single = (err as Error).message;
    }
    expect(single).toContain('unknown operation "frob"');
    await expect(checkLinearizableParallel('kv', {}, broken, { workers: 2, minOperations: 0 })).rejects.toThrow(single);
  });

  const kv = join(corpusDir() ?? '/nonexistent', 'porcupine', 'test_data', 'kv');
  it.skipIf(!existsSync(kv))("agrees with one thread on Porcupine's kv corpus (skipped without the corpus)", async () => {
    for (const name of ['c10-ok', 'c10-bad', 'c50-ok', 'c50-bad']) {
      const { events } = await readHistory(join(kv, `${name}.txt`));
      // A bad history stops at the first partition found bad, which may differ between threads.
      const ok = name.endsWith('-ok');
      const one = checkLinearizable(createModel('string-kv'), events, { stopAtFirstInvalid: !ok });
      const two = await checkLinearizableParallel('string-kv', {}, events, { workers: 2, minOperations: 0, stopAtFirstInvalid: !ok });
      if (ok) same(two, one);
      expect(two.valid).toBe(ok);
      expect(one.valid).toBe(ok);
    }
  });
});
