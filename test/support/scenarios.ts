/**
 * The test of a system's scenario scripts (systems/<name>/testdata/*.txt, run by the system's
 * command table through systems/lib/sim/script.ts): every directive prints what the file states.
 * With FAULTLINE_REWRITE=1 the files are written again with the actual outputs, for review in the
 * diff (etcd raft's datadriven tests work the same way).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type Directive, runScript } from '../../systems/lib/sim/script.js';

const ROOT = join(import.meta.dirname, '../..');

export function scenarioSuite(system: string, script: () => (d: Directive) => string): void {
  const rel = `systems/${system}/testdata`;
  const dir = join(ROOT, rel);
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  const rewrite = process.env.FAULTLINE_REWRITE === '1';

  describe(`${system} scenario scripts`, () => {
    test('there are scripts', () => {
      expect(files.length).toBeGreaterThan(0);
    });

    test.each(files)('%s', (file) => {
      // Arrange
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      // Act
      const r = runScript(text, `${rel}/${file}`, script());
      if (rewrite) writeFileSync(path, r.rewritten);
      // Assert
      if (!rewrite) {
        const report = r.mismatches.map((m) => `${file}:${m.line}: ${m.command}\n--- expected\n${m.expected}\n--- actual\n${m.actual}`);
        expect(report.join('\n\n')).toBe('');
      }
    });
  });
}
