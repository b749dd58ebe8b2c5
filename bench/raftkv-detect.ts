/**
 * Measures what the raftkv README's detection table reports: real `faultline run`s of raftkv, each
 * variant under the fault that exposes it, checked for linearizability (kv model). Prints one line
 * per run and a Markdown table: runs, detections, median time to the first anomalous op, and the
 * share of ops answered (ok, or a cas refused because the value differed: not a timeout or an
 * unavailable error), over the whole run including the fault windows.
 *
 *   npm run build && node dist/bench/raftkv-detect.js --runs 5 --time-limit 30
 *   node dist/bench/raftkv-detect.js --only correct --runs 20 --nodes 5
 *   node dist/bench/raftkv-detect.js --only correct@overlap --runs 5   # every fault, overlapping
 *
 * Each run is a child `faultline run` (results in a temp folder, deleted unless --keep); the
 * seeds are 1..runs (or from --first-seed on), so any line can be repeated with the printed command.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLinearizable, createModel } from '../checkers/linearizable/index.js';
import type { HistoryEvent } from '../checkers/history/types.js';

interface Case {
  variant: string;
  nemesis: string;
  nodes: number;
  /** Faults of different kinds overlap (`--nemesis-overlap`). */
  overlap?: boolean;
}

/** Each variant with the fault named for it in SYSTEMS.md. */
const CASES: Case[] = [
  { variant: 'correct', nemesis: 'partition,kill,pause', nodes: 5 },
  { variant: 'correct', nemesis: 'partition,kill,pause,clock,message', nodes: 5, overlap: true },
  { variant: 'no-generation-check', nemesis: 'pause', nodes: 3 },
  { variant: 'commit-before-quorum', nemesis: 'partition,kill', nodes: 3 },
  { variant: 'commit-before-quorum', nemesis: 'partition,kill', nodes: 3, overlap: true },
  { variant: 'follower-reads-stale', nemesis: 'latency', nodes: 3 },
  { variant: 'leader-local-reads', nemesis: 'partition', nodes: 3 },
  { variant: 'lease-wallclock', nemesis: 'clock,partition', nodes: 3, overlap: true },
  { variant: 'no-idempotent-receiver', nemesis: 'message', nodes: 3 },
];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

const runs = Number(arg('--runs', '5'));
/** Seeds are firstSeed .. firstSeed + runs - 1 (to split a long measurement over processes). */
const firstSeed = Number(arg('--first-seed', '1'));
const timeLimitS = Number(arg('--time-limit', '30'));
const intervalS = Number(arg('--nemesis-interval', '2'));
const only = arg('--only', '');
const nodesOverride = arg('--nodes', '');
const keep = process.argv.includes('--keep');
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(firstSeed) || firstSeed < 0 || !(timeLimitS > 0) || !(intervalS > 0)) {
  process.stderr.write('raftkv-detect: --runs must be a positive integer, --first-seed a non-negative integer, --time-limit and --nemesis-interval positive\n');
  process.exit(254);
}
const cli = join(dirname(fileURLToPath(import.meta.url)), '../harness/cli/main.js');

function faultline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 64 << 20, timeout: (timeLimitS + 300) * 1000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 255;
      resolve({ code, stdout, stderr });
    });
  });
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const c of CASES) {
    // --only names cases: a variant's name, or `name@overlap` for its case with overlapping faults.
    const id = c.overlap === true ? `${c.variant}@overlap` : c.variant;
    if (only !== '' && !only.split(',').includes(id)) continue;
    const nodes = nodesOverride !== '' ? Number(nodesOverride) : c.nodes;
    let detected = 0;
    let unknown = 0;
    const firstS: number[] = [];
    const okShares: number[] = [];
    for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
      const dir = mkdtempSync(join(tmpdir(), 'raftkv-detect-'));
      const args = [
        'run', '--system', 'raftkv', '--variant', c.variant, '--workload', 'register', '--nodes', String(nodes),
        '--nemesis', c.nemesis, '--nemesis-interval', String(intervalS), '--time-limit', String(timeLimitS),
        ...(c.overlap === true ? ['--nemesis-overlap'] : []),
        '--seed', String(seed), '--run-dir', join(dir, 'run'),
      ];
      const r = await faultline(args);
      let line: string;
      try {
        const text = readFileSync(join(dir, 'run', 'history.jsonl'), 'utf8');
        const history = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as HistoryEvent);
        const res = checkLinearizable(createModel('kv'), history, { timeLimitMs: 120_000 });
        const ok = history.filter((e) => e.type === 'ok').length;
        const done = history.filter((e) => e.process !== 'nemesis' && e.type !== 'invoke').length;
        // A cas refused because the value differs (or the key is absent) is the system working.
        const answered = history.filter(
          (e) => e.type === 'ok' || (e.type === 'fail' && /^(precondition-failed|key-does-not-exist)/.test(String(e.error))),
        ).length;
        okShares.push(done > 0 ? answered / done : 0);
        if (res.valid === false) {
          detected++;
          const ev = res.firstAnomaly ? history.find((e) => e.index === res.firstAnomaly!.index) : undefined;
          const start = history.find((e) => e.process !== 'nemesis')?.time ?? 0;
          if (ev?.time !== undefined) firstS.push((ev.time - start) / 1e9);
        } else if (res.valid === 'unknown') unknown++;
        line = `${c.variant} seed ${seed}: linearizable ${String(res.valid)}, ${ok} ok of ${done} ops (run exit ${r.code})`;
      } catch (e) {
        unknown++;
        line = `${c.variant} seed ${seed}: no history (run exit ${r.code}): ${(e as Error).message}; ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      }
      console.log(`${line}\n  repro: faultline ${args.slice(0, -2).join(' ')}`);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
    const med = median(firstS);
    rows.push(
      `| \`${c.variant}\` | ${c.nemesis}${c.overlap === true ? ' (overlapping)' : ''} | ${nodes} | ${runs} | ${detected}${unknown > 0 ? ` (+${unknown} unknown)` : ''} | ${Number.isNaN(med) ? '-' : `${med.toFixed(1)} s`} | ${(median(okShares) * 100).toFixed(0)} % |`,
    );
  }
  console.log(`\n| variant | nemesis | nodes | runs of ${timeLimitS} s | anomaly found | median time to first anomalous op | median share of ops answered |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((e: unknown) => {
  process.stderr.write(`raftkv-detect failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
