/**
 * Starts Debian's Chromium through playwright-core for the report tests, with the flags that keep
 * it off the network, and a fresh profile in a temp folder.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

export const CHROMIUM = process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether to run the browser tests: when the browser is installed (apt-get install chromium), and
 * always in CI, where a missing browser must fail the tests rather than skip them.
 */
export function haveChromium(): boolean {
  return existsSync(CHROMIUM) || process.env.CI === 'true';
}

export interface OpenBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<OpenBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set FAULTLINE_CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'faultline-chromium-'));
  // The profile folder is given as Playwright wants it (a persistent context), which is Chromium's
  // --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1400, height: 1000 },
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page that collects console errors, page errors and any request that leaves the machine. */
export async function newPage(b: OpenBrowser, width = 1400, height = 1000): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await b.context.newPage();
  await page.setViewportSize({ width, height });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:') && !r.url().startsWith('http://127.0.0.1')) requests.push(r.url()); });
  return { page, errors, requests };
}

/**
 * Clicks the link `selector` on an index page (suite or comparison) and checks that it opened a
 * run report showing an INVALID verdict, and that nothing on the way logged an error or reached
 * beyond the machine.
 */
export async function expectLinkOpensInvalidReport(page: Page, selector: string, errors: string[], requests: string[]): Promise<void> {
  await page.click(selector);
  await page.waitForSelector('body[data-rendered="true"]');
  expect(await page.textContent('#verdict')).toBe('INVALID');
  expect(errors).toEqual([]);
  expect(requests).toEqual([]);
}

/** The browser of a test file, once its tests started (null without Chromium). */
export interface BrowserSession {
  browser: OpenBrowser | null;
}

/**
 * Starts Chromium (when it is there) before the file's tests and creates `outDir` for their
 * screenshots; after them, closes the browser and removes `work`.
 */
export function browserSession(work: string, outDir: string): BrowserSession {
  const session: BrowserSession = { browser: null };
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    if (haveChromium()) session.browser = await launch();
  });
  afterAll(async () => {
    await session.browser?.close();
    rmSync(work, { recursive: true, force: true });
  });
  return session;
}
