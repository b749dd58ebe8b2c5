/**
 * How a finished run becomes an entry's status and message: verdicts against expectations, runs
 * without a verdict (crash, timeout, a results.json left by a run that then crashed), and the
 * anomaly sentence taken from the checkers' explanations.
 */
import { describe, expect, it } from 'vitest';
import { pendingResult, settle, meets } from '../../../harness/suite/summary.js';
import { describeAnomaly, checkerDetails, type RunOutcome, type RunResults } from '../../../harness/suite/entry.js';
import type { SuiteEntry } from '../../../harness/suite/spec.js';
import { runResults } from '../../support/results.js';

const entry: SuiteEntry = {
  id: 'kv/correct/register/kill/seed-1', index: 0, system: 'kv', systemName: 'kv', variant: 'correct', workload: 'register', nemesis: ['kill'],
  seed: 1, timeLimitS: 5, entryTimeoutS: 130, args: [], expect: 'valid',
};

const explanation = 'Not linearizable (model kv): 1 of 18 partitions cannot be linearized.\n\nKey "1": this operation cannot be linearized:\n  process 4: 1: read null [index 54..67]\nThe longest linearizable prefix has 5 operations.\n  process 4: 1: read null [index 5..18]  -> null';

function results(valid: boolean | 'unknown'): RunResults {
  return runResults({
    valid,
    checkers: { linearizable: valid === false ? { valid, explanation } : { valid } },
    stats: { ok: 1 },
    firstAnomaly: valid === false ? { index: 67, timeNs: 2_700_000_000, summary: '' } : null,
  });
}

function outcome(over: Partial<RunOutcome>): RunOutcome {
  return { exitCode: 0, signal: null, timedOut: false, interrupted: false, durationMs: 7000, results: results(true), resultsError: null, stderrTail: '', command: 'faultline run --system kv', ...over };
}

describe('meets', () => {
  it('matches verdicts to expectations', () => {
    expect([meets('valid', true), meets('valid', false), meets('valid', 'unknown')]).toEqual([true, false, false]);
    expect([meets('invalid', true), meets('invalid', false), meets('invalid', 'unknown')]).toEqual([false, true, false]);
    expect([meets('any', true), meets('any', false), meets('any', 'unknown')]).toEqual([true, true, true]);
  });
});

describe('settle', () => {
  const pending = pendingResult(entry, 'runs/001');

  it('passes a valid run expected valid', () => {
    expect(settle(pending, outcome({}))).toMatchObject({ status: 'passed', valid: true, exitCode: 0, message: 'valid', durationMs: 7000 });
  });

  it('fails an invalid run expected valid, naming the anomaly in one line and keeping the full explanation', () => {
    const r = settle(pending, outcome({ exitCode: 1, results: results(false) }));
    expect(r.status).toBe('failed');
    expect(r.message).toBe(
      'linearizable not valid: Not linearizable (model kv): 1 of 18 partitions cannot be linearized. Key "1": this operation cannot be linearized: process 4: 1: read null [index 54..67]; first anomaly at history index 67 (2.700 s)',
    );
    expect(r.details).toContain('The longest linearizable prefix has 5 operations.');
    expect(r.firstAnomaly).toEqual({ index: 67, timeNs: 2_700_000_000 });
  });

  it('fails a valid run expected invalid, saying the fault did not expose it', () => {
    const r = settle({ ...pending, expect: 'invalid' }, outcome({}));
    expect(r).toMatchObject({ status: 'failed', valid: true });
    expect(r.message).toMatch(/anomaly was expected/);
  });

  it('counts an unknown verdict as passed only for expect any', () => {
    expect(settle({ ...pending, expect: 'any' }, outcome({ exitCode: 2, results: results('unknown') })).status).toBe('passed');
    expect(settle(pending, outcome({ exitCode: 2, results: results('unknown') })).status).toBe('failed');
  });

  it('gives no verdict for a crash, a timeout, or a results.json left by a run that then crashed', () => {
    const crash = settle({ ...pending, expect: 'any' }, outcome({ exitCode: 255, results: null, stderrTail: 'starting\nfaultline: node n1 exited before it was ready' }));
    expect(crash).toMatchObject({ status: 'error', valid: null, message: 'no verdict (exit code 255): faultline: node n1 exited before it was ready' });
    expect(settle(pending, outcome({ exitCode: 255 })).status).toBe('error');
    expect(settle(pending, outcome({ exitCode: null, signal: 'SIGKILL', timedOut: true })).message).toMatch(/^stopped after 7 s, past the entry's time limit/);
    expect(settle(pending, outcome({ exitCode: 0, results: null, resultsError: '/x/results.json was not written' })).message).toBe('no verdict (exit code 0): /x/results.json was not written');
  });
});

describe('describeAnomaly', () => {
  it('uses the first anomaly\'s own sentence when the run gives one', () => {
    const r = results(false);
    r.firstAnomaly = { index: 67, timeNs: 2_700_000_000, summary: 'process 4\'s ok op "1: read null" cannot be linearized' };
    expect(describeAnomaly(r)).toBe(
      'linearizable not valid: Not linearizable (model kv): 1 of 18 partitions cannot be linearized; first anomaly at history index 67 (2.700 s): process 4\'s ok op "1: read null" cannot be linearized',
    );
  });

  it('names checkers by their anomaly types when there is no explanation', () => {
    const r: RunResults = runResults({ valid: false, checkers: { elle: { valid: false, anomalyTypes: ['G1c', 'G-single'] }, other: { valid: true } }, firstAnomaly: null });
    expect(describeAnomaly(r)).toBe('elle not valid: anomalies G1c, G-single');
    expect(checkerDetails(r)).toBeNull();
  });
});
