/**
 * The suite's own files: summary.json is written last and every file atomically, so a reader that
 * sees a state in summary.json (or a suite killed at any moment) finds junit.xml and index.html at
 * that state or later.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryRunDir, writeSuiteFiles } from '../../../harness/suite/run-suite.js';
import { loadSuite } from '../../../harness/suite/spec.js';
import { pendingResult, readSummary, refresh, SUMMARY_FORMAT, type SuiteSummary } from '../../../harness/suite/summary.js';
import { systemsDir, tempDir, write } from './helpers.js';

const suiteFile = write(join(tempDir(), 'f.json'), JSON.stringify({ name: 'f', matrix: [{ system: 'kv', seed: [1, 2] }] }));
const suite = loadSuite(suiteFile, { systemsDir: systemsDir() });

function summary(statuses: Array<'pending' | 'running' | 'passed'>): SuiteSummary {
  return refresh({
    format: SUMMARY_FORMAT, name: 'f', suiteFile, state: 'running', shard: null, suiteEntries: suite.entries.length,
    createdAt: '2026-11-24T05:00:00.000Z', updatedAt: '', ok: false,
    counts: { total: 0, pending: 0, running: 0, passed: 0, failed: 0, error: 0 },
    entries: suite.entries.map((e, i) => ({ ...pendingResult(e, entryRunDir(e)), status: statuses[i]! })),
  });
}

describe('writeSuiteFiles', () => {
  it('writes summary.json only after junit.xml and index.html', () => {
    // Arrange: a first state written in full, then a folder put where junit.xml goes, so that the
    // next write stops at junit.xml as a suite killed between two writes would.
    const dir = tempDir();
    writeSuiteFiles(dir, summary(['running', 'pending']));
    rmSync(join(dir, 'junit.xml'));
    mkdirSync(join(dir, 'junit.xml'));
    // Act
    expect(() => writeSuiteFiles(dir, summary(['passed', 'running']))).toThrow();
    // Assert: summary.json still says what the other files say; no temporary file is left.
    expect(readSummary(dir).entries.map((e) => e.status)).toEqual(['running', 'pending']);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
