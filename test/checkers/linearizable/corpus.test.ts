/**
 * Every verdict of the three reference corpora must match: Porcupine's 102 etcd histories (23
 * linearizable) and 6 kv files, and Knossos's 122 histories (cas-register from 0, multi-register
 * from {x 0 y 0}, mutex). Zero 'unknown'. Skipped, with the reason, when the corpus is absent.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel, type ModelOptions } from '../../../checkers/linearizable/index.js';
import { corpusDir, corpusMissingMessage } from '../../support/corpus.js';

const root = corpusDir();
const porcupine = root ? join(root, 'porcupine', 'test_data') : null;
const knossos = root ? join(root, 'knossos', 'data') : null;

/** From porcupine_test.go (and the corpus README): the linearizable etcd histories; 095 is empty. */
const ETCD_LINEARIZABLE = new Set([2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102]);

async function verdict(file: string, model: string, options: ModelOptions) {
  const h = await readHistory(file);
  // A generous limit: a runaway search shows up as 'unknown' and fails the test, it does not hang.
  return checkLinearizable(createModel(model, options), h.events, { source: h, timeLimitMs: 60_000 }).valid;
}

describe.runIf(root !== null)('Porcupine corpus', () => {
  it('etcd: 102 histories, 23 linearizable, every verdict as Porcupine', async () => {
    const files = readdirSync(join(porcupine!, 'jepsen')).filter((f) => /^etcd_\d{3}\.log$/.test(f)).sort();
    expect(files).toHaveLength(103);
    const wrong: string[] = [];
    let linearizable = 0;
    for (const f of files) {
      const n = Number(f.slice(5, 8));
      if (n === 95) continue; // empty: "etcd cluster failed to start up in test 95", untested upstream
      const v = await verdict(join(porcupine!, 'jepsen', f), 'cas-register', {});
      if (v === true) linearizable++;
      if (v !== ETCD_LINEARIZABLE.has(n)) wrong.push(`${f}: ${String(v)}`);
    }
    expect(wrong).toEqual([]);
    expect(linearizable).toBe(23);
  });

  it.each(['c01-ok', 'c01-bad', 'c10-ok', 'c10-bad', 'c50-ok', 'c50-bad'])('kv %s, partitioned by key', async (name) => {
    expect(await verdict(join(porcupine!, 'kv', `${name}.txt`), 'string-kv', {})).toBe(name.endsWith('-ok'));
  });

  it.each(['c01-ok', 'c01-bad'])('kv %s, one state over all keys', async (name) => {
    expect(await verdict(join(porcupine!, 'kv', `${name}.txt`), 'string-kv', { partitioned: false })).toBe(name.endsWith('-ok'));
  });
});

describe.runIf(root !== null)('Knossos corpus', () => {
  const sets: Array<[string, string, ModelOptions, number]> = [
    ['cas-register', 'cas-register', { initial: 0, nilReadIsUnknown: true }, 120],
    ['multi-register', 'multi-register', { initial: { x: 0, y: 0 }, nilReadIsUnknown: true }, 1],
    ['mutex', 'mutex', {}, 1],
  ];
  it.each(sets)('%s: good/ linearizable, bad/ not', async (dir, model, options, count) => {
    const wrong: string[] = [];
    let seen = 0;
    for (const kind of ['good', 'bad']) {
      let files: string[] = [];
      try {
        files = readdirSync(join(knossos!, dir, kind)).filter((f) => f.endsWith('.edn'));
      } catch {
        continue;
      }
      for (const f of files) {
        seen++;
        const v = await verdict(join(knossos!, dir, kind, f), model, options);
        if (v !== (kind === 'good')) wrong.push(`${kind}/${f}: ${String(v)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(seen).toBe(count);
  });
});

describe.runIf(root === null)('corpora', () => {
  it('are absent', () => {
    console.warn(corpusMissingMessage('porcupine, knossos'));
  });
});
