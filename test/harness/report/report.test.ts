/**
 * The run report in a real browser: a valid run and an invalid one (a planted stale read), with the
 * verdict, the highlighted op, the nemesis shading, the witness, the plots and the message diagram
 * checked on the rendered page; the `<script>` escaping; and a partial run folder.
 * Screenshots go to test-output/report/ (git-ignored).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../../harness/report/index.js';
import { faultStyles } from '../../../harness/report/fault-styles.js';
import { makeRunFolder, makeTxnRunFolder, NASTY, ringTxns, WRITE_SKEW_TXNS } from './fixtures.js';
import { browserSession, haveChromium, newPage } from './browser.js';

const OUT = resolve('test-output/report');
const work = mkdtempSync(join(tmpdir(), 'faultline-report-'));
const session = browserSession(work, OUT);

/** Reads a canvas pixel (CSS coordinates) as [r, g, b, a]. */
async function pixel(page: import('playwright-core').Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(([px, py]) => {
    const c = document.getElementById('timeline') as HTMLCanvasElement;
    const dpr = window.devicePixelRatio || 1;
    return Array.from(c.getContext('2d')!.getImageData(Math.round(px! * dpr), Math.round(py! * dpr), 1, 1).data);
  }, [x, y]);
}

describe('report.html', () => {
  it('is one self-contained file that embeds the history as data, not markup', () => {
    // Arrange
    const dir = join(work, 'nasty');
    makeRunFolder(dir, { seed: 7, ops: 300, processes: 4, keys: 3, nasty: true, messages: true, staleRead: true });
    // Act
    const r = writeReport(dir);
    const html = readFileSync(r.file, 'utf8');
    // Assert: the markup from the history never appears raw, and nothing is loaded from elsewhere.
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toContain('\\u003cscript\\u003ewindow.__pwned');
  });

  it.runIf(haveChromium())('shows an invalid run: verdict, the op that cannot be linearized, nemesis shading, witness', async () => {
    // Arrange
    const dir = join(work, 'invalid');
    const fx = makeRunFolder(dir, { seed: 42, ops: 2000, processes: 6, keys: 4, staleRead: true, messages: true });
    expect(fx.staleInvokeIndex).toBeGreaterThanOrEqual(0);
    writeReport(dir);
    const { page, errors, requests } = await newPage(session.browser!);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    await page.waitForTimeout(100);
    // Assert: the verdict.
    expect(await page.textContent('#verdict')).toBe('INVALID');
    expect(await page.getAttribute('#verdict', 'data-verdict')).toBe('false');
    // The timeline opened on the failing key, zoomed to the op that cannot be linearized.
    const state = await page.evaluate(() => {
      const t = (window as any).faultlineReport.timeline;
      const op = t.anomalyOp();
      const r = t.opRect(op);
      return { op, r, last: t.last, key: t.key, invokeIndex: (window as any).faultlineReport.data.ops.invokeIndex[op] };
    });
    // The op highlighted is the one the checker could not linearize, on the key of the planted read.
    const lin = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).checkers.linearizable;
    const part = lin.partitions.find((p: { valid: unknown }) => p.valid === false);
    expect(part.key).toBe(fx.staleKey);
    expect(state.invokeIndex).toBe(part.counterexample.op.index);
    expect(state.last.highlighted).toBe(state.op);
    expect(state.last.prefixDrawn).toBeGreaterThan(0);
    expect(await page.inputValue('#key-select')).toBe(String(state.key));
    // The highlight is really painted: the frame just outside the box is the anomaly red.
    const [r, g, b] = await pixel(page, state.r.x + state.r.w / 2, state.r.y - 1.5);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
    // The witness names the op and lists the prefix with model states.
    expect(await page.textContent('#witness .fail-op')).toContain('Cannot be linearized');
    expect(await page.locator('#witness table.grid tr').count()).toBeGreaterThan(2);
    // Hovering the failing op shows it; hovering a prefix op shows the model states.
    await page.evaluate((y) => { const c = document.getElementById('timeline')!; window.scrollTo(0, c.getBoundingClientRect().top + window.scrollY + y - 300); }, state.r.y);
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + state.r.x + state.r.w / 2, box.y + state.r.y + state.r.h / 2);
    await expect.poll(() => page.textContent('#tip')).toContain('cannot be linearized');
    // Nemesis shading: fit the whole run and check that windows were drawn and tinted the lanes.
    await page.click('#zoom-fit');
    await page.waitForTimeout(50);
    const nem = await page.evaluate(() => {
      const t = (window as any).faultlineReport.timeline;
      const w = (window as any).faultlineReport.data.nemesis[0];
      return { drawn: t.last.nemesisDrawn, x: t.xAt((w.startMs + w.endMs) / 2), y: t.cssH - 3, x0: t.xAt(w.startMs) - 20 };
    });
    expect(nem.drawn).toBeGreaterThan(0);
    const shaded = await pixel(page, nem.x, nem.y);
    const plain = await pixel(page, nem.x0, nem.y);
    expect(shaded.slice(0, 3)).not.toEqual(plain.slice(0, 3));
    // The legend names each kind of fault of the run in the colours of the one table (compared as
    // the browser computes them, so that equal colours written differently are equal).
    const legend = await page.locator('#fault-legend .fault-kind').evaluateAll((es, styles) => es.map((e) => {
      const i = e.querySelector('i')!;
      const probe = document.createElement('i');
      document.body.appendChild(probe);
      probe.style.background = styles[e.textContent!]!.fill;
      probe.style.borderTopColor = styles[e.textContent!]!.ink;
      const same = getComputedStyle(i).backgroundColor === getComputedStyle(probe).backgroundColor && getComputedStyle(i).borderTopColor === getComputedStyle(probe).borderTopColor;
      probe.remove();
      return { kind: e.textContent, same };
    }), faultStyles());
    expect(legend).toEqual(['partition', 'kill', 'pause'].map((kind) => ({ kind, same: true })));
    // Plots and messages are there.
    expect(await page.locator('#plot-latency canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#plot-throughput canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#messages svg line').count()).toBeGreaterThan(3);
    await page.screenshot({ path: join(OUT, 'invalid-run.png'), fullPage: true });
    await page.locator('#summary-card').screenshot({ path: join(OUT, 'invalid-run-summary.png') });
    await page.locator('#plots-card').screenshot({ path: join(OUT, 'invalid-run-plots.png') });
    await page.locator('#messages-card').screenshot({ path: join(OUT, 'invalid-run-messages.png') });
    await page.locator('#witness-card').screenshot({ path: join(OUT, 'invalid-run-witness.png') });
    await page.click('#zoom-anomaly');
    await page.waitForTimeout(50);
    await page.locator('#timeline-card').screenshot({ path: join(OUT, 'invalid-run-timeline.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('shows a valid run without a witness', async () => {
    // Arrange
    const dir = join(work, 'valid');
    makeRunFolder(dir, { seed: 3, ops: 1500, processes: 5, keys: 3, messages: true });
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert
    expect(await page.textContent('#verdict')).toBe('VALID');
    expect(await page.isHidden('#witness-card')).toBe(true);
    const last = await page.evaluate(() => (window as any).faultlineReport.timeline.last);
    expect(last.drawnOps).toBe(1500);
    expect(last.highlighted).toBe(-1);
    expect(last.nemesisDrawn).toBeGreaterThan(0);
    // One view per key: choosing a key draws only that key's ops.
    await page.selectOption('#key-select', '1');
    await page.waitForTimeout(50);
    const perKey = await page.evaluate(() => (window as any).faultlineReport.timeline.last.drawnOps);
    expect(perKey).toBeGreaterThan(0);
    expect(perKey).toBeLessThan(1500);
    await page.screenshot({ path: join(OUT, 'valid-run.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('draws a transactional anomaly as a graph of txns with labelled edges and its sentences', async () => {
    // Arrange
    const dir = join(work, 'txn');
    makeTxnRunFolder(dir);
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!, 1400, 900);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert
    expect(await page.textContent('#verdict')).toBe('INVALID');
    expect(await page.isVisible('#anomalies-card')).toBe(true);
    expect(await page.textContent('#anomalies h3')).toContain('G-single');
    const texts = await page.locator('#anomalies svg text').allTextContents();
    for (const t of ['T1', 'T2', 'T3', 'rw x', 'wr x', 'ww y']) expect(texts).toContain(t);
    expect(texts.some((t) => t.includes('append y 2'))).toBe(true);
    expect(await page.locator('#anomalies svg path[marker-end]').count()).toBe(3);
    expect(await page.textContent('#anomalies .sentence')).toContain("T2 observed T1's append of 1 to key x");
    await page.locator('#anomalies-card').screenshot({ path: join(OUT, 'txn-anomaly.png') });
    // Each key has its view: the txns that touch y are T2, T3 and the final read.
    await page.selectOption('#key-select', '1');
    await expect.poll(() => page.evaluate(() => (window as any).faultlineReport.timeline.last.drawnOps)).toBe(3);
    // Clicking a txn of the cycle shows it in the timeline.
    const t1 = await page.evaluate(() => (window as any).faultlineReport.data.anomalies[0].nodes[0].op);
    expect(t1).toBeGreaterThanOrEqual(0);
    await page.click('#anomalies g.txn-node >> nth=0');
    await expect.poll(() => page.evaluate(() => (window as any).faultlineReport.timeline.selected)).toBe(t1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('draws the two edges of a 2-transaction cycle with labels that do not cover each other', async () => {
    // Arrange
    const dir = join(work, 'write-skew');
    makeTxnRunFolder(dir, WRITE_SKEW_TXNS);
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!, 1400, 900);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert
    expect(await page.textContent('#anomalies h3')).toContain('G2-item');
    const texts = await page.locator('#anomalies svg text').allTextContents();
    for (const t of ['rw x', 'rw y']) expect(texts).toContain(t);
    const boxes = await page.locator('#anomalies svg rect.edge-label').evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().toJSON() as DOMRect));
    expect(boxes).toHaveLength(2);
    const [a, b] = boxes as [DOMRect, DOMRect];
    const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    expect(overlap, JSON.stringify(boxes)).toBe(false);
    await page.locator('#anomalies-card').screenshot({ path: join(OUT, 'write-skew.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('lays out a cycle of 10 transactions with no label (of a txn or an edge) over another label or node, all inside the graph', async () => {
    // Arrange
    const dir = join(work, 'ring');
    makeTxnRunFolder(dir, ringTxns(10));
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!, 1400, 900);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert
    expect(await page.textContent('#anomalies h3')).toContain('G0');
    const svgBox = (await page.locator('#anomalies svg').first().boundingBox())!;
    const boxes = await page.locator('#anomalies svg').first().locator('text.txn-label, g.txn-node > rect, rect.edge-label').evaluateAll((es) =>
      es.map((e) => ({ what: e.tagName + ' ' + (e.textContent ?? ''), ...(e.getBoundingClientRect().toJSON() as DOMRect) })));
    expect(boxes.filter((b) => b.what.startsWith('text'))).toHaveLength(10);
    for (const b of boxes) {
      expect(b.left, b.what).toBeGreaterThanOrEqual(svgBox.x);
      expect(b.right, b.what).toBeLessThanOrEqual(svgBox.x + svgBox.width);
    }
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps.push(`${a.what} / ${b.what}`);
      }
    }
    expect(overlaps).toEqual([]);
    await page.locator('#anomalies-card').screenshot({ path: join(OUT, 'ring.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('renders markup from the history as text', async () => {
    // Arrange
    const dir = join(work, 'nasty-browser');
    makeRunFolder(dir, { seed: 9, ops: 400, processes: 4, keys: 2, nasty: true, messages: true, staleRead: true });
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    await page.selectOption('#key-select', '0');
    // Assert: no injected script ran, no injected element exists, and the text is shown as is.
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.textContent('#title')).toContain(NASTY);
    expect(await page.textContent('#key-select')).toContain(NASTY);
    await page.screenshot({ path: join(OUT, 'escaping.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('shows the node crashes of results.json: node, time, exit code or signal, and the log tail as text', async () => {
    // Arrange: a run whose results.json names two crashes, one with markup in its log.
    const dir = join(work, 'crashes');
    makeRunFolder(dir, { seed: 6, ops: 200, processes: 3, keys: 2 });
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown>;
    results.nodeCrashes = [
      { node: 'n2', timeNs: 1_250_000_000, exitCode: 1, signal: null, logTail: ['n2 listening', `TypeError: ${NASTY}`, '    at step (core.js:10:5)'] },
      { node: 'n3', timeNs: 2_000_000_000, exitCode: null, signal: 'SIGSEGV', logTail: [] },
    ];
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert
    expect(await page.isVisible('#crashes-card')).toBe(true);
    expect(await page.textContent('#crashes-card h2')).toBe('Node crashes');
    const heads = await page.locator('#crashes .crash h3').allTextContents();
    expect(heads).toEqual(['n2 — exit code 1 at 1.250 s', 'n3 — killed by SIGSEGV at 2.000 s']);
    expect(await page.textContent('#crashes pre.log-tail')).toBe(`n2 listening\nTypeError: ${NASTY}\n    at step (core.js:10:5)`);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    await page.locator('#crashes-card').screenshot({ path: join(OUT, 'node-crashes.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('has no node crashes section for a run without crashes', async () => {
    const dir = join(work, 'no-crashes');
    makeRunFolder(dir, { seed: 8, ops: 100, processes: 2, keys: 1 });
    writeReport(dir);
    const { page, errors } = await newPage(session.browser!);
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    expect(await page.isHidden('#crashes-card')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveChromium())('shows a partial run folder (no results.json, a torn last line)', async () => {
    // Arrange
    const dir = join(work, 'partial');
    makeRunFolder(dir, { seed: 5, ops: 200, processes: 3, keys: 2, noResults: true });
    writeFileSync(join(dir, 'history.jsonl'), readFileSync(join(dir, 'history.jsonl'), 'utf8') + '{"index":999,"ty');
    // Act
    const r = writeReport(dir);
    const { page, errors } = await newPage(session.browser!);
    await page.goto(pathToFileURL(r.file).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert
    expect(await page.textContent('#verdict')).toBe('NO VERDICT');
    expect(await page.textContent('#warnings')).toContain('history.jsonl:');
    expect(r.warnings.some((w) => /history\.jsonl:\d+: not valid JSON/.test(w))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('faultline report', () => {
  const CLI = resolve('dist/harness/cli/main.js');
  it('writes report.html for a run folder and says where', () => {
    const dir = join(work, 'cli');
    makeRunFolder(dir, { seed: 4, ops: 100, processes: 2, keys: 1 });
    const r = spawnSync(process.execPath, [CLI, 'report', dir], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(join(dir, 'report.html'));
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });

  it('rejects a folder that is not a run with one line and exit 254', () => {
    const r = spawnSync(process.execPath, [CLI, 'report', join(work, 'no-such-run')], { encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no such run folder');
  });
});
