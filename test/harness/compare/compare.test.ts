/**
 * `faultline compare`: the per-run rows and per-variant summaries computed from results.json, and
 * one real comparison of byo-kv's two variants (every variant gets the same seeds; compare.json and
 * compare.html are written and link the run reports). The real part needs a build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRun, compareTable, median, summarize } from '../../../harness/compare/compare.js';
import { renderCompareHtml, type CompareJson } from '../../../harness/report/compare.js';
import type { RunOutcome } from '../../../harness/suite/entry.js';
import { byoManifest, tempDir } from '../suite/helpers.js';
import { runResults } from '../../support/results.js';
import { resolveCompareFlags } from '../../../harness/cli/commands/compare.js';
import { UsageError } from '../../../harness/cli/exit.js';
import { requireBuild, runCli } from '../../support/cli.js';

function outcome(over: Partial<RunOutcome>): RunOutcome {
  return {
    exitCode: 0, signal: null, timedOut: false, interrupted: false, durationMs: 1000, resultsError: null, stderrTail: '', command: 'faultline run',
    results: runResults({
      valid: true, checkers: {}, firstAnomaly: null,
      stats: { ok: 10, opsPerSec: 20, latencyMs: { p50: 2, p95: 5, p99: 9, max: 9 }, okRateInFaults: 0.5, okRateOutsideFaults: 0.9, answeredRateOutsideFaults: 0.95 },
    }),
    ...over,
  };
}

describe('compare rows and summaries', () => {
  it('takes the medians of non-null values', () => {
    expect(median([])).toBeNull();
    expect(median([null, 3, undefined, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reads a run row from results.json, and marks a run without a verdict', () => {
    const invalid = outcome({ exitCode: 1, results: { ...outcome({}).results!, valid: false, firstAnomaly: { index: 5, timeNs: 2_500_000_000, summary: 'x' } } });
    expect(compareRun(7, 'runs/a', invalid)).toEqual({
      seed: 7, runDir: 'runs/a', valid: false, exitCode: 1, firstAnomalyS: 2.5, okRateInFaults: 0.5, okRateOutsideFaults: 0.9, answeredRateOutsideFaults: 0.95,
      opsPerSec: 20, p50Ms: 2, p99Ms: 9,
    });
    const crashed = compareRun(8, 'runs/b', outcome({ exitCode: 255 }));
    expect(crashed).toMatchObject({ valid: 'unknown', exitCode: 255, opsPerSec: null });
  });

  it('summarizes a variant: detections, and the anomaly time over detecting runs only', () => {
    const rows = [
      compareRun(1, 'a', outcome({ exitCode: 1, results: { ...outcome({}).results!, valid: false, firstAnomaly: { index: 1, timeNs: 1e9, summary: 'x' } } })),
      compareRun(2, 'b', outcome({})),
      compareRun(3, 'c', outcome({ exitCode: 1, results: { ...outcome({}).results!, valid: false, firstAnomaly: { index: 1, timeNs: 3e9, summary: 'x' } } })),
    ];
    expect(summarize(rows)).toEqual({
      runs: 3, detected: 2, medianTimeToFirstAnomalyS: 2, okRateInFaults: 0.5, okRateOutsideFaults: 0.9, answeredRateOutsideFaults: 0.95,
      opsPerSec: 20, p50Ms: 2, p99Ms: 9,
    });
  });

  it('renders the page and the terminal table with each run linked', () => {
    const c: CompareJson = {
      system: '<kv>', workload: 'register', nemesis: ['kill'], runsPerVariant: 1, timeLimitS: 5, seeds: [1], createdAt: 'now',
      variants: [{ variant: 'a"b', runs: [compareRun(1, 'runs/a"b-seed-1', outcome({}))], summary: summarize([]) }],
    };
    const html = renderCompareHtml(c);
    expect(html).toContain('&lt;kv&gt;');
    expect(html).not.toContain('<kv>');
    expect(html).toContain('href="runs/a%22b-seed-1/report.html"');
    expect(compareTable(c).split('\n')[1]).toMatch(/^a"b\s+0\s+0\s+-/);
  });
});

describe('faultline compare with real runs', () => {
  it('runs every variant of byo-kv with the same seeds and writes compare.json and compare.html', async () => {
    // Arrange
    const dir = tempDir();
    const out = join(dir, 'cmp');
    // Act
    const r = await runCli(
      ['compare', '--system', byoManifest, '--variants', 'all', '--nemesis', 'kill', '--nodes', '1', '--runs', '1', '--time-limit', '3',
        '--rate', '40', '--concurrency', '3', '--nemesis-interval', '1', '--seed', '11', '--out', out],
      { cwd: dir, timeoutMs: 120_000, keepFinalNewline: true },
    );
    // Assert
    expect(r.exitCode, r.stderr).toBe(0);
    const c = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareJson;
    expect(c).toMatchObject({ system: 'byo-kv', workload: 'register', nemesis: ['kill'], runsPerVariant: 1, seeds: [11] });
    expect(c.variants.map((v) => v.variant)).toEqual(['correct', 'no-fsync']);
    for (const v of c.variants) {
      expect(v.runs.map((x) => x.seed)).toEqual([11]);
      expect([0, 1]).toContain(v.runs[0]!.exitCode);
      expect(existsSync(join(out, v.runs[0]!.runDir, 'results.json'))).toBe(true);
      expect(v.summary.runs).toBe(1);
      expect(v.summary.opsPerSec).toBeGreaterThan(0);
    }
    // The correct variant fsyncs before it answers: kill -9 loses nothing.
    expect(c.variants[0]!.runs[0]!.valid).toBe(true);
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).toContain(`${c.variants[1]!.runs[0]!.runDir}/report.html`);
    expect(r.stdout).toMatch(/^variant\s+runs\s+detected/);
  });
});

describe('compare flags', () => {
  const flags = { system: 'txn-kv', variants: 'all', workload: 'list-append', nemesis: 'none', runs: '1', timeLimit: '1', seed: '1', parallel: '1', resultsDir: 'results' };

  it('passes the workload options to every run, checked by the workload before any run starts', () => {
    requireBuild();
    expect(resolveCompareFlags({ ...flags, consistencyModel: 'serializable' }).workloadOptions).toEqual({ consistencyModel: 'serializable' });
    expect(resolveCompareFlags(flags).workloadOptions).toBeUndefined();
    expect(() => resolveCompareFlags({ ...flags, workloadOptions: '{"consistencyModel":"eventual"}' })).toThrow(/^--workload-options: consistencyModel: unknown model "eventual"/);
    expect(() => resolveCompareFlags({ ...flags, consistencyModel: 'eventual' })).toThrow(UsageError);
  });
});
