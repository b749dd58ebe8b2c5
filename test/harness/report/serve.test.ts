/**
 * `faultline serve` as a user starts it (the built CLI as a child process on a free port): the run
 * list in a browser (newest first, coloured by verdict, filters), reports written on demand, files
 * served, and nothing outside the results folder reachable. Screenshots go to test-output/report/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunFolder, NASTY } from './fixtures.js';
import { haveChromium, launch, newPage, type OpenBrowser } from './browser.js';

const CLI = resolve('dist/harness/cli/main.js');
const OUT = resolve('test-output/report');
const work = mkdtempSync(join(tmpdir(), 'faultline-serve-'));
const results = join(work, 'results');
let child: ChildProcess | null = null;
let base = '';

/** A raw GET, so that `..` in the path reaches the server as written (fetch would normalize it). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', fail);
    req.end();
  });
}

function setRunTime(dir: string, iso: string, system: string): void {
  const p = join(dir, 'run.json');
  const run = JSON.parse(readFileSync(p, 'utf8'));
  writeFileSync(p, JSON.stringify({ ...run, startedAt: iso, system }));
}

beforeAll(async () => {
  // Arrange: three runs of two systems, a `latest` link, a comparison folder, a secret outside.
  mkdirSync(results, { recursive: true });
  makeRunFolder(join(results, 'a-old-valid'), { seed: 1, ops: 200, processes: 3, keys: 2, messages: true });
  setRunTime(join(results, 'a-old-valid'), '2026-11-24T05:00:00.000Z', 'atomic-kv');
  makeRunFolder(join(results, 'b-mid-invalid'), { seed: 2, ops: 400, processes: 3, keys: 2, staleRead: true });
  setRunTime(join(results, 'b-mid-invalid'), '2026-11-24T05:10:00.000Z', 'stale-kv');
  makeRunFolder(join(results, 'c-new-partial'), { seed: 3, ops: 100, processes: 2, keys: 1, noResults: true });
  setRunTime(join(results, 'c-new-partial'), '2026-11-24T05:20:00.000Z', 'atomic-kv');
  makeRunFolder(join(results, 'd-nasty'), { seed: 4, ops: 50, processes: 2, keys: 1, nasty: true });
  setRunTime(join(results, 'd-nasty'), '2026-11-24T04:00:00.000Z', NASTY);
  symlinkSync('c-new-partial', join(results, 'latest'));
  mkdirSync(join(results, 'compare-20261124T052000000'));
  writeFileSync(join(results, 'compare-20261124T052000000', 'compare.html'), '<!doctype html><title>c</title>');
  makeRunFolder(join(results, 'compare-20261124T052000000', 'runs', 'correct-seed-1'), { seed: 1, ops: 50, processes: 2, keys: 1 });
  setRunTime(join(results, 'compare-20261124T052000000', 'runs', 'correct-seed-1'), '2026-11-24T03:00:00.000Z', 'raftkv');
  writeFileSync(join(work, 'secret.txt'), 'top secret');
  symlinkSync(work, join(results, 'a-old-valid', 'escape'));
  // Act: start the server as the CLI.
  child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--results-dir', results], { stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`serve did not start: ${out}`)), 15_000);
    child!.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]!); }
    });
    child!.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${out}`)));
  });
});

afterAll(() => {
  if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

describe('faultline serve', () => {
  it('refuses paths that lead outside the results folder, and methods other than GET/HEAD', async () => {
    for (const p of ['/files/../secret.txt', '/files/%2e%2e/secret.txt', '/files/a-old-valid/..%2f..%2fsecret.txt', '/files/%00', '/files/a-old-valid%5c..%5c..%5csecret.txt']) {
      const r = await rawGet(p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body).not.toContain('top secret');
    }
    const viaLink = await rawGet('/files/a-old-valid/escape/secret.txt');
    expect(viaLink.status).toBe(404);
    expect(viaLink.body).not.toContain('top secret');
    expect((await rawGet('/', 'POST')).status).toBe(405);
    expect((await rawGet('/nothing-here')).status).toBe(404);
  });

  it('serves histories and node logs as plain text', async () => {
    const h = await rawGet('/files/a-old-valid/history.jsonl');
    expect(h.status).toBe(200);
    expect(h.type).toContain('text/plain');
    expect(h.body.split('\n')[0]).toContain('"index":0');
    const log = await rawGet('/files/a-old-valid/nodes/n1.log');
    expect(log.status).toBe(200);
    expect(log.body).toContain('@msg');
  });

  it('writes a report on first request when a run has none', async () => {
    expect(existsSync(join(results, 'c-new-partial', 'report.html'))).toBe(false);
    const r = await rawGet('/files/c-new-partial/report.html');
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/html');
    expect(existsSync(join(results, 'c-new-partial', 'report.html'))).toBe(true);
  });

  it.runIf(haveChromium())('lists runs newest first, coloured by verdict, with working filters and links', async () => {
    const b: OpenBrowser = await launch();
    try {
      const { page, errors } = await newPage(b, 1400, 700);
      await page.goto(base);
      await page.waitForSelector('body[data-rendered="true"]');
      // Newest first, each once (the `latest` link does not add a row).
      const names = await page.locator('tr.run td:nth-child(2) > a').allTextContents();
      expect(names).toEqual(['c-new-partial', 'b-mid-invalid', 'a-old-valid', 'd-nasty', 'compare-20261124T052000000/runs/correct-seed-1']);
      expect(await page.locator('tr.run:nth-child(1) .badge.latest').count()).toBe(1);
      // Markup in a run's names is shown as text.
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.textContent('tr.run:nth-child(4) td:nth-child(3)')).toBe(NASTY);
      expect(await page.getAttribute('tr.run:nth-child(2)', 'class')).toContain('invalid');
      expect(await page.getAttribute('tr.run:nth-child(3)', 'class')).toContain('valid');
      expect(await page.locator('#groups a').allTextContents()).toEqual(['compare-20261124T052000000']);
      await page.screenshot({ path: join(OUT, 'serve-index.png'), fullPage: true });
      // Filter by system.
      await page.selectOption('#f-system', 'atomic-kv');
      expect(await page.locator('tr.run:visible').count()).toBe(2);
      expect(page.url()).toContain('system=atomic-kv');
      await page.selectOption('#f-verdict', 'valid');
      expect(await page.locator('tr.run:visible').count()).toBe(1);
      await page.screenshot({ path: join(OUT, 'serve-filtered.png'), fullPage: true });
      // Follow the link to a report.
      await page.click('tr.run:visible td:nth-child(2) > a');
      await page.waitForSelector('body[data-rendered="true"]');
      expect(await page.textContent('#verdict')).toBe('VALID');
      expect(errors).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('rejects a bad port with one line and exit 254', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', 'eighty'], { encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--port');
  });
});
