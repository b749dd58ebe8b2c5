/**
 * The scenario scripts of systems/gossipd/testdata: each file drives a cluster on the simulator
 * and states the output every command must print (etcd raft's datadriven tests); the claims are
 * judged by the coordinator checker itself. With FAULTLINE_REWRITE=1 the files are written again
 * with the actual outputs, for review in the diff.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkCoordinators } from '../../../checkers/gossip/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import type { Claim } from '../../../systems/gossipd/core/gossip.js';
import { gossipdScript } from '../../../systems/gossipd/sim-script.js';
import { runScript } from '../../../systems/lib/sim/script.js';

const DIR = join(import.meta.dirname, '../../../systems/gossipd/testdata');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();
const REWRITE = process.env.FAULTLINE_REWRITE === '1';

/** The coordinator checker on claims read at time 0 of a history whose clock is the simulator's. */
function judge(claims: Claim[]): string {
  const history: HistoryEvent[] = [
    { index: 0, time: 0, type: 'invoke', process: 0, f: 'claims', value: {} },
    { index: 1, time: 0, type: 'ok', process: 0, f: 'claims', value: { claims } },
  ];
  const r = checkCoordinators(history);
  return `${r.valid}: ${r.explanation}`;
}

describe('gossipd scenario scripts', () => {
  test('there are scripts', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  test.each(FILES)('%s', (file) => {
    // Arrange
    const path = join(DIR, file);
    const text = readFileSync(path, 'utf8');
    // Act
    const r = runScript(text, `systems/gossipd/testdata/${file}`, gossipdScript(judge));
    if (REWRITE) writeFileSync(path, r.rewritten);
    // Assert
    if (!REWRITE) {
      const report = r.mismatches.map((m) => `${file}:${m.line}: ${m.command}\n--- expected\n${m.expected}\n--- actual\n${m.actual}`);
      expect(report.join('\n\n')).toBe('');
    }
  });
});
