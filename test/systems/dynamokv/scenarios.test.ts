/**
 * The scenario scripts of systems/dynamokv/testdata: each file drives a cluster by hand and states
 * the output every command must print (the book's scenarios, in etcd raft's datadriven format). With FAULTLINE_REWRITE=1
 * the files are written again with the actual outputs, for review in the diff.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runScript } from '../../../systems/lib/sim/script.js';
import { dynamokvScript } from '../../../systems/dynamokv/sim-script.js';

const DIR = join(import.meta.dirname, '../../../systems/dynamokv/testdata');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();
const REWRITE = process.env.FAULTLINE_REWRITE === '1';

describe('dynamokv scenario scripts', () => {
  test('there are scripts', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  test.each(FILES)('%s', (file) => {
    // Arrange
    const path = join(DIR, file);
    const text = readFileSync(path, 'utf8');
    // Act
    const r = runScript(text, `systems/dynamokv/testdata/${file}`, dynamokvScript());
    if (REWRITE) writeFileSync(path, r.rewritten);
    // Assert
    if (!REWRITE) {
      const report = r.mismatches.map((m) => `${file}:${m.line}: ${m.command}\n--- expected\n${m.expected}\n--- actual\n${m.actual}`);
      expect(report.join('\n\n')).toBe('');
    }
  });
});
