/**
 * The compare page: a matrix of variant x metrics built from compare.json, whose cells link to the
 * run reports by relative links, with names escaped. Screenshot in test-output/report/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCompareHtml, writeCompareReport, type CompareJson, type CompareRun } from '../../../harness/report/compare.js';
import { writeReport } from '../../../harness/report/index.js';
import { makeRunFolder, NASTY } from './fixtures.js';
import { expectLinkOpensInvalidReport, haveChromium, launch, newPage } from './browser.js';

const OUT = resolve('test-output/report');
const work = mkdtempSync(join(tmpdir(), 'faultline-compare-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** A comparison of two variants over three seeds, with real run folders and reports. */
function makeComparison(dir: string, variantNames: string[]): CompareJson {
  const seeds = [11, 12, 13];
  const variants = variantNames.map((variant, vi) => {
    const runs: CompareRun[] = seeds.map((seed) => {
      const runDir = `${variant.replace(/[^a-z0-9-]/gi, '_')}-${seed}`;
      const broken = vi > 0 && seed !== 12;
      makeRunFolder(join(dir, runDir), { seed, ops: 300, processes: 3, keys: 2, staleRead: broken });
      writeReport(join(dir, runDir));
      const results = JSON.parse(readFileSync(join(dir, runDir, 'results.json'), 'utf8'));
      return {
        seed, runDir, valid: results.valid, exitCode: results.exitCode,
        firstAnomalyS: results.firstAnomaly ? results.firstAnomaly.timeNs / 1e9 : null,
        okRateInFaults: 0.6 + vi * 0.1, okRateOutsideFaults: 0.95, opsPerSec: results.stats.opsPerSec,
        p50Ms: results.stats.latencyMs.p50, p99Ms: results.stats.latencyMs.p99,
      };
    });
    const detected = runs.filter((r) => r.valid === false);
    return {
      variant, runs,
      summary: {
        runs: runs.length, detected: detected.length,
        medianTimeToFirstAnomalyS: median(detected.map((r) => r.firstAnomalyS!)),
        okRateInFaults: median(runs.map((r) => r.okRateInFaults!)), okRateOutsideFaults: 0.95,
        opsPerSec: median(runs.map((r) => r.opsPerSec!)), p50Ms: median(runs.map((r) => r.p50Ms!)), p99Ms: median(runs.map((r) => r.p99Ms!)),
      },
    };
  });
  const compare: CompareJson = {
    system: 'raftkv', workload: 'register', nemesis: ['partition', 'kill'], runsPerVariant: seeds.length, timeLimitS: 3,
    seeds, createdAt: '2026-11-24T05:40:00.000Z', variants,
  };
  writeFileSync(join(dir, 'compare.json'), JSON.stringify(compare, null, 2));
  return compare;
}

describe('compare.html', () => {
  it('escapes names and links each run by a relative path', () => {
    // Arrange
    const c: CompareJson = {
      system: NASTY, workload: 'register', nemesis: [], runsPerVariant: 1, timeLimitS: 1, seeds: [1], createdAt: 'now',
      variants: [{
        variant: NASTY,
        runs: [{ seed: 1, runDir: join(work, 'abs', 'run one'), valid: false, exitCode: 1, firstAnomalyS: 1.5, okRateInFaults: null, okRateOutsideFaults: 1, opsPerSec: 10, p50Ms: 1, p99Ms: 2 }],
        summary: { runs: 1, detected: 1, medianTimeToFirstAnomalyS: 1.5, okRateInFaults: null, okRateOutsideFaults: 1, opsPerSec: 10, p50Ms: 1, p99Ms: 2 },
      }],
    };
    // Act
    const html = renderCompareHtml(c, { baseDir: join(work, 'abs') });
    // Assert
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img');
    expect(html).toContain('href="run%20one/report.html"');
    expect(html).not.toContain(work);
  });

  it('renders even when fields are missing', () => {
    const html = renderCompareHtml({ system: 'x', variants: [{ variant: 'v', runs: [] }] } as unknown as CompareJson);
    expect(html).toContain('<td class="variant">v</td>');
  });

  it.runIf(haveChromium())('shows the matrix in a browser, and its links open the run reports', async () => {
    // Arrange
    const dir = join(work, 'compare-20261124T054000000');
    mkdirSync(dir, { recursive: true });
    makeComparison(dir, ['correct', 'no-generation-check']);
    const file = writeCompareReport(dir);
    const b = await launch();
    try {
      const { page, errors, requests } = await newPage(b, 1400, 560);
      // Act
      await page.goto(pathToFileURL(file).href);
      // Assert: one row per variant, detection counts, a dot and a link per run.
      expect(await page.locator('#matrix tbody tr').count()).toBe(2);
      expect(await page.textContent('tr[data-variant="correct"] td.detected')).toContain('0 of 3');
      expect(await page.textContent('tr[data-variant="no-generation-check"] td.detected')).toContain('2 of 3');
      expect(await page.locator('tr[data-variant="no-generation-check"] .dot.invalid').count()).toBe(2);
      expect(await page.locator('tr[data-variant="correct"] .runs a').count()).toBe(3 * 7);
      await page.screenshot({ path: join(OUT, 'compare.png'), fullPage: true });
      // A cell's link opens that run's report.
      await expectLinkOpensInvalidReport(page, 'tr[data-variant="no-generation-check"] .dot.invalid >> nth=0', errors, requests);
    } finally {
      await b.close();
    }
  });
});
