/**
 * Benchmark of the HTML report: how long a report of a 100k-op run takes to write, how big it is,
 * and how long headless Chromium takes to open it and draw its first view (summary, timeline,
 * plots), against a 1k-op report measured in the same run as the baseline.
 *
 *   npm run build && node dist/bench/report.js [--ops 100000] [--repeat 5] [--keep <dir>]
 *
 * With --keep the run folders and their reports are left in <dir> to look at.
 *
 * "First view" is the browser's own clock (performance.now(), from navigation start) at the end of
 * the timeline's first draw, after every section of the page was built. Needs Debian's Chromium
 * (/usr/bin/chromium, or FAULTLINE_CHROMIUM). The histories are simulated, seeded, and
 * linearizable, with nemesis windows and peer messages, so every part of the page has work to do.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import prand from 'pure-rand';
import { chromium } from 'playwright-core';
import { writeReport } from '../harness/report/index.js';
import { median } from './support/median.js';

const CHROMIUM = process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`bench/report: ${name} needs a positive integer\n`);
    process.exit(254);
  }
  return v;
}

/** Writes a run folder with `ops` register ops over 10 keys by 20 processes, seeded. */
function makeRun(dir: string, ops: number, seed: number): void {
  let rng = prand.xoroshiro128plus(seed);
  const int = (lo: number, hi: number) => {
    const [v, n] = prand.uniformIntDistribution(lo, hi, rng);
    rng = n;
    return v;
  };
  const MS = 1_000_000;
  const P = 20;
  const clock = new Array<number>(P).fill(0);
  type Op = { p: number; k: string; f: string; arg: number | null; a: number; b: number; lin: number; out?: unknown; type: string };
  const sim: Op[] = [];
  for (let i = 0; i < ops; i++) {
    const p = i % P;
    const a = clock[p]! + int(0, 2) * MS;
    const b = a + int(1, 8) * MS + int(0, 999) * 1000;
    const f = int(0, 1) === 0 ? 'read' : 'write';
    sim.push({ p, k: `k${int(0, 9)}`, f, arg: f === 'write' ? i : null, a, b, lin: int(a, b), type: int(0, 99) < 3 ? 'fail' : 'ok' });
    clock[p] = b;
  }
  const state = new Map<string, unknown>();
  for (const op of [...sim].sort((x, y) => x.lin - y.lin)) {
    if (op.type === 'fail') continue;
    if (op.f === 'read') op.out = state.get(op.k) ?? null;
    else state.set(op.k, op.arg);
  }
  const evs: Array<[number, string]> = [];
  for (const op of sim) {
    evs.push([op.a, JSON.stringify({ time: op.a, type: 'invoke', process: op.p, f: op.f, value: [op.k, op.arg] })]);
    const value = op.f === 'read' ? [op.k, op.type === 'ok' ? op.out : null] : [op.k, op.arg];
    evs.push([op.b, JSON.stringify({ time: op.b, type: op.type, process: op.p, f: op.f, value, node: `n${(op.p % 3) + 1}` })]);
  }
  const end = Math.max(...clock);
  for (let t = 2000 * MS; t < end; t += 5000 * MS) {
    evs.push([t, JSON.stringify({ time: t, type: 'info', process: 'nemesis', f: 'start-partition', value: [['n1'], ['n2', 'n3']] })]);
    evs.push([t + 2000 * MS, JSON.stringify({ time: t + 2000 * MS, type: 'info', process: 'nemesis', f: 'stop-partition', value: null })]);
  }
  evs.sort((x, y) => x[0] - y[0]);
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  writeFileSync(join(dir, 'history.jsonl'), evs.map(([, line], index) => `{"index":${index},${line.slice(1)}`).join('\n') + '\n');
  const startedAt = '2026-11-24T06:00:00.000Z';
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ system: 'bench-kv', variant: 'correct', workload: 'register', seed, nemesis: ['partition'], startedAt, command: `faultline run --seed ${seed}` }));
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid: true, exitCode: 0, checkers: { linearizable: { valid: true, explanation: 'linearizable' } }, firstAnomaly: null }));
  const t0 = Date.parse(startedAt) * 1000;
  const lines: string[] = [];
  for (let t = 0, id = 0; t < end / 1000; t += 50_000) {
    for (const to of ['n2', 'n3']) {
      id++;
      lines.push(`@msg {"t":${t0 + t},"dir":"send","from":"n1","to":"${to}","type":"AppendEntries","id":${id}}`);
      lines.push(`@msg {"t":${t0 + t + 900},"dir":"recv","from":"n1","to":"${to}","type":"AppendEntries","id":${id}}`);
    }
  }
  writeFileSync(join(dir, 'nodes', 'n1.log'), lines.join('\n') + '\n');
}


async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`bench/report: no Chromium at ${CHROMIUM} (apt-get install chromium, or set FAULTLINE_CHROMIUM)\n`);
    process.exit(1);
  }
  const big = arg('--ops', 100_000);
  const repeat = arg('--repeat', 5);
  const ki = process.argv.indexOf('--keep');
  const keep = ki >= 0 ? process.argv[ki + 1] : undefined;
  if (ki >= 0 && !keep) {
    process.stderr.write('bench/report: --keep needs a folder\n');
    process.exit(254);
  }
  if (keep) mkdirSync(keep, { recursive: true });
  const work = keep ?? mkdtempSync(join(tmpdir(), 'faultline-bench-report-'));
  const profile = mkdtempSync(join(tmpdir(), 'faultline-bench-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const rows: Array<{ ops: number; writeMs: number; bytes: number; firstViewMs: number; loadedMs: number }> = [];
    for (const ops of [1000, big]) {
      const dir = join(work, `run-${ops}`);
      makeRun(dir, ops, 42);
      const writes: number[] = [];
      let bytes = 0;
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        bytes = writeReport(dir).bytes;
        writes.push(performance.now() - t);
      }
      const firsts: number[] = [];
      const loads: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const page = await ctx.newPage();
        const t = performance.now();
        await page.goto(pathToFileURL(join(dir, 'report.html')).href);
        await page.waitForFunction(() => (globalThis as unknown as { faultlineReport?: { firstDrawMs?: number } }).faultlineReport?.firstDrawMs !== undefined, undefined, { timeout: 60_000 });
        loads.push(performance.now() - t);
        firsts.push(await page.evaluate(() => (globalThis as unknown as { faultlineReport: { firstDrawMs: number } }).faultlineReport.firstDrawMs));
        if (i === repeat - 1) {
          const t = await page.evaluate(() => (globalThis as unknown as { faultlineReport: { timings: Record<string, number> } }).faultlineReport.timings);
          process.stdout.write(`  ${ops} ops, last load, ms per part: ${Object.entries(t).map(([k, v]) => `${k.replace(/Ms$/, '')} ${v.toFixed(0)}`).join(', ')}\n`);
        }
        await page.close();
      }
      rows.push({ ops, writeMs: median(writes), bytes, firstViewMs: median(firsts), loadedMs: median(loads) });
    }
    const base = rows[0]!;
    process.stdout.write(`report benchmark (medians of ${repeat}; baseline: the ${base.ops}-op report in this run)\n`);
    process.stdout.write('ops       report size   write ms   first view ms (browser)   open+draw ms (driver)   first view vs baseline\n');
    for (const r of rows) {
      process.stdout.write(
        `${String(r.ops).padEnd(9)} ${(r.bytes / 1048576).toFixed(1).padStart(7)} MiB ${r.writeMs.toFixed(0).padStart(10)} ${r.firstViewMs.toFixed(0).padStart(25)} ${r.loadedMs.toFixed(0).padStart(23)} ${(r.firstViewMs / base.firstViewMs).toFixed(1).padStart(23)}x\n`,
      );
    }
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench/report: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(255);
});
