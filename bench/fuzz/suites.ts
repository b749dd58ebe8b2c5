/**
 * Fuzz surface `suites`: random and mutated suite files, JSON and YAML, with byte-order marks and
 * alias bombs, through the suite reader and validator. A failure is an error other than a
 * UsageError (exit 254) or one that does not name the file, or an accepted suite whose entries
 * break their invariants (distinct ids, at most SUITE_ENTRIES_MAX).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { UsageError } from '../../harness/cli/exit.js';
import { loadSuite, SUITE_ENTRIES_MAX } from '../../harness/suite/spec.js';
import type { FuzzReport } from './types.js';

const small = fc.oneof(fc.integer({ min: -1, max: 70 }), fc.double(), fc.constant(null), fc.string({ maxLength: 3 }));
const word = fc.oneof(fc.constantFrom('kv', 'correct', 'broken', 'register', 'list-append', 'kill', 'partition,kill', 'none', 'flood', '__proto__', 'all'), fc.string({ maxLength: 4 }));
const oneOrMany = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { maxLength: 3 }));
const row = fc.record(
  {
    system: oneOrMany(word),
    variant: oneOrMany(word),
    workload: oneOrMany(word),
    nemesis: oneOrMany(word),
    seed: oneOrMany(fc.oneof(fc.nat(10), small)),
    nodes: small,
    timeLimitS: small,
    args: fc.array(fc.oneof(word, fc.constantFrom('--consistency-model', 'eventual', '--log-messages', '--colour', '--system')), { maxLength: 3 }),
    expect: word,
  },
  { requiredKeys: ['system'] },
);
const suite = fc.record({ name: word, matrix: fc.oneof(fc.array(row, { maxLength: 3 }), small), defaults: fc.record({ nodes: small }, { requiredKeys: [] }) }, { requiredKeys: ['matrix'] });

const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 7 }, (_, i) => `${'bcdefgh'[i]}: &${'bcdefgh'[i]} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`).join('\n')}\nmatrix: [{ system: kv }]\n`;

const file = fc.tuple(suite, fc.boolean(), fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 4 }), fc.string({ maxLength: 2 })).map(([s, yaml, bom, at, mode, junk]) => {
  let t = mode === 4 ? bomb : yaml ? stringify(s) : JSON.stringify(s, null, 2);
  const i = t.length === 0 ? 0 : at % t.length;
  if (mode === 1) t = t.slice(0, i);
  if (mode === 2) t = t.slice(0, i) + junk + t.slice(i + 1);
  return { ext: yaml || mode === 4 ? '.yaml' : '.json', text: (bom ? '\uFEFF' : '') + t };
});

export async function fuzzSuites(cases: number, seed: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'faultline-fuzz-suites-'));
  const systems = join(dir, 'systems');
  mkdirSync(join(systems, 'kv'), { recursive: true });
  writeFileSync(join(systems, 'kv', 'faultline.system.json'), JSON.stringify({ name: 'kv', variants: { correct: '', broken: '' }, workloads: ['register', 'list-append'], start: { command: 'node' } }));
  const samples = fc.sample(file, { numRuns: cases, seed });
  try {
    samples.forEach((c, n) => {
      const path = join(dir, `suite-${n}${c.ext}`);
      writeFileSync(path, c.text);
      try {
        const s = loadSuite(path, { systemsDir: systems });
        const ids = new Set(s.entries.map((e) => e.id));
        if (ids.size !== s.entries.length || s.entries.length > SUITE_ENTRIES_MAX) failures.push(`accepted a suite with bad entries: ${JSON.stringify(c.text)}`);
      } catch (err) {
        if (!(err instanceof UsageError)) failures.push(`${JSON.stringify(c.text)}: ${(err as Error).stack ?? String(err)}`);
        else if (!err.message.startsWith(path)) failures.push(`message does not name the file: ${err.message}`);
      }
      rmSync(path, { force: true });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { surface: 'suites', tried: samples.length, failures };
}
