/**
 * The report shows what each fault did on its band: the effect the nemesis recorded, with the ops
 * that failed while it was on, and the reason of an unknown verdict in the results section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportData, readRunFolder, writeReport } from '../../../harness/report/index.js';
import { haveChromium, launch, newPage, type OpenBrowser } from './browser.js';
import { folderMaker, historyLines } from './fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-report-effects-'));
let browser: OpenBrowser | null = null;
beforeAll(async () => {
  if (haveChromium()) browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});
const MS = 1_000_000;
const folder = folderMaker(work);

/** A run folder whose history records two faults' effects and a third fault never ended. */
function effectsFolder(): string {
  const traffic = { bytesCut: 196, messagesCut: 2, bytesDelayed: 0, messagesDelayed: 0, connectionsCut: 1 };
  const spec = { fault: 'partition', links: [['n1', 'n2']], description: 'partition <n1> | n2' };
  return folder({
    'history.jsonl': historyLines([
      { time: 1 * MS, type: 'info', process: 'nemesis', f: 'start-partition', value: spec },
      { time: 2 * MS, type: 'invoke', process: 0, f: 'write', value: ['x', 1] },
      { time: 3 * MS, type: 'info', process: 0, f: 'write', value: ['x', 1], error: 'timeout' },
      { time: 4 * MS, type: 'info', process: 'nemesis', f: 'stop-partition', value: { ...spec, effect: { links: 1, traffic, processes: [], clocks: [] } } },
      { time: 5 * MS, type: 'info', process: 'nemesis', f: 'start-kill', value: { fault: 'kill', nodes: ['n2'] } },
      { time: 6 * MS, type: 'info', process: 'nemesis', f: 'heal', value: { effects: [{ fault: 'kill', effect: { links: 0, traffic, processes: ['n2'], clocks: [] } }] } },
      { time: 7 * MS, type: 'info', process: 'nemesis', f: 'start-pause', value: { fault: 'pause', nodes: ['n3'] } },
    ]),
    'results.json': JSON.stringify({ valid: 'unknown', exitCode: 2, unknownReason: 'none of the run\'s 2 faults <b>touched</b>' }),
  });
}

describe('fault effects in the report', () => {
  it('labels each fault window with what it did, and shows why a verdict is unknown', () => {
    const dir = effectsFolder();
    const d = buildReportData(readRunFolder(dir));
    expect(d.nemesis.map((w) => [w.kind, w.effect])).toEqual([
      ['partition', 'cut 196 B (2 messages), 1 connections reset; 0 failed, 1 timed out of 1 ops'],
      ['kill', 'stopped n2; no client op while on'],
      // Never ended, so the history holds no effect for it.
      ['pause', undefined],
    ]);
    // Values reach the page as data and are shown as text nodes, never as markup.
    expect(d.unknownReason).toBe("none of the run's 2 faults <b>touched</b>");
  });

  it.runIf(haveChromium())("shows a fault's effect when the pointer is on its band, and the unknown reason as text", async () => {
    const dir = effectsFolder();
    writeReport(dir);
    const { page, errors } = await newPage(browser!);
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
    expect(await page.textContent('#unknown-reason')).toBe("Unknown: none of the run's 2 faults <b>touched</b>");
    const at = await page.evaluate(() => {
      const t = (window as any).faultlineReport.timeline;
      const w = (window as any).faultlineReport.data.nemesis[0];
      return { x: t.xAt((w.startMs + w.endMs) / 2), y: t.axisH + t.bandH / 2 };
    });
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + at.x, box.y + at.y);
    await expect.poll(() => page.getAttribute('#tip', 'data-tip')).toBe('fault');
    const tip = await page.textContent('#tip');
    expect(tip).toContain('partition <n1> | n2');
    expect(tip).toContain('cut 196 B (2 messages), 1 connections reset; 0 failed, 1 timed out of 1 ops');
    expect(errors).toEqual([]);
  });
});
