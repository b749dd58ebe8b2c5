/**
 * The suite's index.html in a real browser (Debian's Chromium through playwright-core): one row
 * per entry with its status, hostile names shown as text and never run, and each row's report
 * link opening that run's report, from the files as a CI artifact holds them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../../harness/report/index.js';
import { renderIndexHtml } from '../../../harness/suite/html.js';
import { refresh, SUMMARY_FORMAT, type EntryResult } from '../../../harness/suite/summary.js';
import { expectLinkOpensInvalidReport, haveChromium, launch, newPage } from '../report/browser.js';
import { makeRunFolder, NASTY } from '../report/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-suite-index-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function entry(index: number, over: Partial<EntryResult>): EntryResult {
  return {
    id: `e${index}`, index, system: 'stale-kv', variant: 'correct', workload: 'register', nemesis: ['partition'], seed: index + 1,
    timeLimitS: 5, expect: 'valid', status: 'passed', runDir: `runs/00${index + 1}`, valid: true, exitCode: 0, message: 'valid',
    firstAnomaly: null, durationMs: 6100, startedAt: '2026-11-24T05:00:00.000Z', command: 'faultline run --system stale-kv', pid: null,
    ...over,
  };
}

describe('suite index.html', () => {
  it.runIf(haveChromium())('lists every entry with its status, shows hostile values as text, and links each run report', async () => {
    // Arrange: two real run folders with reports, a failed entry with markup in its names, one that did not run.
    for (const [i, stale] of [[0, false], [1, true]] as const) {
      makeRunFolder(join(work, 'runs', `00${i + 1}`), { seed: 21 + i, ops: 200, processes: 3, keys: 2, staleRead: stale });
      writeReport(join(work, 'runs', `00${i + 1}`));
    }
    writeFileSync(join(work, 'runs', '001.log'), 'log of run 1\n');
    const invalid = JSON.parse(readFileSync(join(work, 'runs', '002', 'results.json'), 'utf8')) as { firstAnomaly: { index: number; timeNs: number } };
    const summary = refresh({
      format: SUMMARY_FORMAT, name: `smoke ${NASTY}`, suiteFile: 'suites/smoke.json', state: 'finished', shard: null,
      suiteEntries: 3, createdAt: '2026-11-24T05:00:00.000Z', updatedAt: '', ok: false,
      counts: { total: 0, pending: 0, running: 0, passed: 0, failed: 0, error: 0 },
      entries: [
        entry(0, {}),
        entry(1, { variant: NASTY, status: 'failed', valid: false, exitCode: 1, message: `linearizable not valid: ${NASTY}`, firstAnomaly: invalid.firstAnomaly }),
        entry(2, { status: 'pending', valid: null, exitCode: null, message: null, durationMs: null, command: null }),
      ],
    });
    const file = join(work, 'index.html');
    writeFileSync(file, renderIndexHtml(summary));
    const b = await launch();
    try {
      const { page, errors, requests } = await newPage(b, 1400, 600);
      // Act
      await page.goto(pathToFileURL(file).href);
      // Assert: rows and statuses; markup shown as text, never run.
      expect(await page.locator('tbody tr').count()).toBe(3);
      expect(await page.locator('tbody tr.passed td.status').textContent()).toBe('passed');
      expect(await page.locator('tbody tr.failed td.status').textContent()).toBe('FAILED');
      expect(await page.locator('tbody tr.pending td.status').textContent()).toBe('did not run');
      expect(await page.locator('tbody tr.failed td.msg').textContent()).toContain('<script>window.__pwned=1</script>');
      expect(await page.locator('h1').textContent()).toContain('<img src=x');
      expect(await page.locator('tbody tr.pending a').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      // The failed entry's report link opens that run's report, which shows the anomaly.
      await expectLinkOpensInvalidReport(page, 'tbody tr.failed a:text("report")', errors, requests);
    } finally {
      await b.close();
    }
  }, 60_000);
});
