/**
 * The leader band of the report: the spans built from the status poller's `cluster-status`
 * events (who led, in which term, gaps where none did), the leader shown beside each op, and the
 * band drawn in a real browser, with a hostile node name shown as text.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildReportData, readRunFolder, writeReport } from '../../../harness/report/index.js';
import { leaderSpans } from '../../../harness/report/data.js';
import { folderMaker, historyLines, NASTY } from './fixtures.js';
import { browserSession, haveChromium, newPage } from './browser.js';

const OUT = resolve('test-output/report');
const work = mkdtempSync(join(tmpdir(), 'faultline-report-leader-'));
const folder = folderMaker(work);
const MS = 1_000_000;
const session = browserSession(work, OUT);

const status = (ms: number, leader: string | null, term: number | null, nodes: Record<string, unknown>, end = false) => ({
  time: ms * MS, type: 'info', process: 'status', f: 'cluster-status', value: { leader, term, nodes, ...(end ? { end: true } : {}) },
});

/** A run of 1 s: n1 leads in term 1, is killed at 400 ms, no node leads, then n2 in term 2; a read served by n2 across the change. */
function leaderHistory(leaderName = 'n2'): object[] {
  const evs: object[] = [
    status(10, null, null, { n1: { role: 'follower', term: 0 }, n2: { role: 'follower', term: 0 }, n3: { role: 'follower', term: 0 } }),
    status(100, 'n1', 1, { n1: { role: 'leader', term: 1 }, n2: { role: 'follower', term: 1 }, n3: { role: 'follower', term: 1 } }),
    { time: 400 * MS, type: 'info', process: 'nemesis', f: 'start-kill', value: { fault: 'kill', nodes: ['n1'], description: 'kill -9 n1' } },
    status(450, null, null, { n1: { down: 'dead' }, n2: { role: 'candidate', term: 2 }, n3: { role: 'follower', term: 1 } }),
    status(600, leaderName, 2, { n1: { down: 'dead' }, [leaderName]: { role: 'leader', term: 2 }, n3: { role: 'follower', term: 2 } }),
  ];
  // Ops on process 0, one every 50 ms, 40 ms long, served by n2.
  for (let t = 20; t < 950; t += 50) {
    evs.push({ time: t * MS, type: 'invoke', process: 0, f: 'read', value: ['x', null] });
    evs.push({ time: (t + 40) * MS, type: 'ok', process: 0, f: 'read', value: ['x', 1], node: 'n2' });
  }
  evs.push(status(900, leaderName, 2, { n1: { role: 'follower', term: 2 }, [leaderName]: { role: 'leader', term: 2 }, n3: { role: 'follower', term: 2 } }, true));
  return evs.sort((a, b) => (a as { time: number }).time - (b as { time: number }).time);
}

describe('leader band data', () => {
  it('makes one span per status event, up to the end event, with the gaps where no node led', () => {
    // Arrange
    const dir = folder({ 'history.jsonl': historyLines(leaderHistory()) });
    // Act
    const d = buildReportData(readRunFolder(dir));
    // Assert
    expect(d.leaders.map((s) => [s.startMs, s.endMs, s.leader, s.term])).toEqual([
      [10, 100, null, null],
      [100, 450, 'n1', 1],
      [450, 600, null, null],
      [600, 900, 'n2', 2],
    ]);
    expect(d.leaders[2]!.detail).toBe('n1 dead, n2 candidate (term 2), n3 follower (term 1)');
    // The status events are no ops.
    expect(d.ops.lane.length).toBe(19);
    expect(d.processes).toEqual(['0']);
  });

  it('is empty when no node ever said it leads, or the run has no status events', () => {
    const noLeader = [status(10, null, null, { n1: { role: 'owner', term: null } }), status(20, null, null, { n1: { down: 'no answer' } })];
    expect(leaderSpans(noLeader.map((e, index) => ({ index, ...e })) as never, 100)).toEqual([]);
    expect(leaderSpans([], 100)).toEqual([]);
    // Without an end event the last span lasts to the end of the history.
    const open = [status(10, 'n1', 4, { n1: { role: 'leader', term: 4 } })];
    expect(leaderSpans(open.map((e, index) => ({ index, ...e })) as never, 100)).toMatchObject([{ startMs: 10, endMs: 100, leader: 'n1', term: 4, detail: 'n1 leader (term 4)' }]);
  });
});

describe('leader band in the page', () => {
  it.runIf(haveChromium())('draws who led with its term, the gaps, and the leader beside each op, as text', async () => {
    // Arrange: the new leader's name is markup, which must show as text.
    const dir = folder({ 'history.jsonl': historyLines(leaderHistory(NASTY)) });
    writeReport(dir);
    const { page, errors, requests } = await newPage(session.browser!);
    // Act
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    // Assert: four spans drawn, in the band between the fault band and the lanes.
    expect(await page.getAttribute('#timeline', 'data-leaders-drawn')).toBe('4');
    const geo = await page.evaluate(() => {
      const t = (window as unknown as { faultlineReport: { timeline: { axisH: number; bandH: number; leaderH: number; xAt(ms: number): number } } }).faultlineReport.timeline;
      return { y: t.axisH + t.bandH + t.leaderH / 2, xN1: t.xAt(300), xGap: t.xAt(520), xN2: t.xAt(800), xOp: t.xAt(440), laneY: t.axisH + t.bandH + t.leaderH + 6 };
    });
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + geo.xN1, box.y + geo.y);
    expect(await page.getAttribute('#tip', 'data-tip')).toBe('leader');
    expect(await page.textContent('#tip .tip-title')).toBe('n1 led');
    expect(await page.textContent('#tip')).toContain('n2 follower (term 1)');
    await page.mouse.move(box.x + geo.xGap, box.y + geo.y);
    expect(await page.textContent('#tip .tip-title')).toBe('no node led');
    expect(await page.textContent('#tip')).toContain('n1 dead');
    await page.mouse.move(box.x + geo.xN2, box.y + geo.y);
    expect(await page.textContent('#tip .tip-title')).toBe(`${NASTY} led`);
    // The read invoked at 420 ms, under no leader, completed at 460 ms: the tooltip names both.
    await page.mouse.move(box.x + geo.xOp, box.y + geo.laneY);
    expect(await page.getAttribute('#tip', 'data-tip')).toBe('op');
    const tip = (await page.textContent('#tip'))!;
    expect(tip).toContain('noden2');
    expect(tip).toContain('leader thenn1 · term 1 → no leader');
    await page.screenshot({ path: join(OUT, 'leader-band.png') });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });
});
