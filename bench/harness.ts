/**
 * Benchmark: how many ops/s the harness itself (generator, interpreter, client, recorder) drives,
 * against a bare client in the same run, and whether its memory stays bounded on a long run.
 *
 *   npm run bench:harness                                   # 3 rounds of 8 s, then the long run
 *   node dist/bench/harness.js --rounds 3 --duration-s 8 --concurrency 50 --long-ops 1000000 --long-rate 6000 --long-max-s 180 --seed 1
 *   node dist/bench/harness.js --long-ops 0                 # the rounds only
 *
 * Each round runs, one after the other on a 1-node `atomic-kv` (systems/_fixtures/atomic-kv: no
 * proxies, so only the harness and the node are measured):
 * - `faultline run --nemesis none` at the highest rate (`--rate 100000`) and `concurrency` workers,
 *   counting the completions of its main phase in its history.jsonl;
 * - a bare client: `concurrency` closed loops, one TCP connection each, one request in flight
 *   each (as a harness worker), sending the same register ops (the workload's own generator,
 *   drawn beforehand) over the same NDJSON protocol, with nothing recorded.
 * It prints each round, the medians and the ratio run / bare (target: at least 80 %).
 *
 * The long run: `faultline run` at `--long-rate` for as long as `--long-ops` needs, at most
 * `--long-max-s` seconds, while the harness process's VmRSS is sampled from /proc every 250 ms:
 * at a quarter, a half and three quarters of the main phase and its peak there (the history is
 * streamed to disk), and the peak overall (which includes the final reads and the checkers, which
 * read the history back). CPU per op is the harness process's (all threads, user and system) over
 * the main phase, against the bare client's own. Figures only: it never fails on timing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, planCluster } from '../harness/cluster/cluster.js';
import { LocalLauncher } from '../harness/cluster/local.js';
import { findSystem } from '../harness/cluster/manifest.js';
import { simulate } from '../harness/generator/index.js';
import { deriveSeed, Rng } from '../harness/random.js';
import { readStoredHistory } from '../harness/run/history.js';
import { register } from '../workloads/register.js';
import { median } from './support/median.js';
import { CLI_JS, TestClient } from './support/raftkv-cluster.js';

interface Opts {
  rounds: number;
  durationS: number;
  concurrency: number;
  longOps: number;
  longRate: number;
  longMaxS: number;
  seed: number;
}

const FLAGS: Record<string, keyof Opts> = {
  '--rounds': 'rounds',
  '--duration-s': 'durationS',
  '--concurrency': 'concurrency',
  '--long-ops': 'longOps',
  '--long-rate': 'longRate',
  '--long-max-s': 'longMaxS',
  '--seed': 'seed',
};

function parseArgs(argv: string[]): Opts {
  const o: Opts = { rounds: 3, durationS: 8, concurrency: 50, longOps: 1_000_000, longRate: 6000, longMaxS: 180, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = FLAGS[argv[i]!];
    const v = Number(argv[i + 1]);
    if (k === undefined || !Number.isInteger(v) || v < 0 || v > 10_000_000) {
      process.stderr.write(`bench:harness: bad argument ${argv[i]} ${argv[i + 1] ?? ''} (flags: ${Object.keys(FLAGS).join(' ')}, integer values)\n`);
      process.exit(254);
    }
    o[k] = v;
  }
  if (o.rounds < 1 || o.durationS < 1 || o.concurrency < 1 || o.concurrency > 1000 || o.longRate < 1 || o.longMaxS < 1) {
    process.stderr.write('bench:harness: rounds, duration-s, long-rate and long-max-s must be >= 1, concurrency 1..1000\n');
    process.exit(254);
  }
  return o;
}

/** CPU seconds (user + system) a process has used, or null once it is gone. */
function cpuSecondsOf(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** The kernel's USER_HZ, 100 on Linux. */
const CLOCK_TICKS_PER_S = 100;

/** VmRSS and VmHWM of a process, in MiB, or null once it is gone. */
function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

interface RunFigures {
  opsPerSec: number;
  ops: number;
  exitCode: number | null;
  /** Seconds from the start to the end of the process. */
  wallS: number;
  /** Peak VmRSS during the main phase, while the clients ran and the history streamed to disk, MiB. */
  peakRunMiB: number;
  /** VmRSS when a quarter, a half and three quarters of the main phase had passed, MiB. */
  rssAtMiB: number[];
  /** VmHWM at the end (the checkers' reading back included), MiB. */
  peakAllMiB: number;
  /** The harness process's CPU time (all its threads, user and system) in the main phase, per op completed in it, µs. */
  cpuUsPerOp: number;
}

/**
 * One `faultline run` of atomic-kv; ops/s are the completions of the main phase (ops invoked in
 * its first `timeLimitS` seconds) over its length, from the history it wrote.
 */
async function harnessRun(o: Opts, seed: number, timeLimitS: number, rate: number, dir: string): Promise<RunFigures> {
  const runDir = join(dir, `run-${seed}-${timeLimitS}`);
  const args = [
    CLI_JS, 'run', '--system', 'atomic-kv', '--nodes', '1', '--nemesis', 'none', '--workload', 'register',
    '--rate', String(rate), '--concurrency', String(o.concurrency), '--time-limit', String(timeLimitS),
    '--seed', String(seed), '--run-dir', runDir,
  ];
  const startMs = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const samples: Array<{ tS: number; rssMiB: number; historyBytes: number; cpuS: number }> = [];
  let hwm = 0;
  const historyFile = join(runDir, 'history.jsonl');
  const timer = setInterval(() => {
    const m = memoryOf(child.pid!);
    if (m === null) return;
    hwm = Math.max(hwm, m.hwmMiB);
    let historyBytes = 0;
    try {
      historyBytes = statSync(historyFile).size;
    } catch {
      /* not created yet */
    }
    samples.push({ tS: (performance.now() - startMs) / 1000, rssMiB: m.rssMiB, historyBytes, cpuS: cpuSecondsOf(child.pid!) ?? NaN });
  }, 250);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearInterval(timer);
  const wallS = (performance.now() - startMs) / 1000;
  if (exitCode !== 0) process.stderr.write(`bench:harness: the run exited with ${exitCode}:\n${stderr}\n`);
  const { events } = readStoredHistory(historyFile);
  const first = events.find((e) => e.type === 'invoke');
  const t0 = first?.time ?? 0;
  const endNs = t0 + timeLimitS * 1e9;
  const invokedInPhase = new Set<number>();
  let ops = 0;
  for (const e of events) {
    if (typeof e.process !== 'number' || e.time === undefined) continue;
    if (e.type === 'invoke') {
      if (e.time < endNs) invokedInPhase.add(e.index);
      continue;
    }
    if (e.time <= endNs) ops++;
  }
  // The main phase: from the first line of the history, for the time limit.
  const phaseStartS = samples.find((s) => s.historyBytes > 0)?.tS ?? 0;
  const phase = samples.filter((s) => s.tS >= phaseStartS && s.tS <= phaseStartS + timeLimitS);
  const phaseCpuS = phase.length > 1 ? phase[phase.length - 1]!.cpuS - phase[0]!.cpuS : NaN;
  const phaseOps = (ops * (phase.length > 1 ? phase[phase.length - 1]!.tS - phase[0]!.tS : NaN)) / timeLimitS;
  const completed = events.filter((e) => typeof e.process === 'number' && e.type !== 'invoke').length;
  const rssAt = [0.25, 0.5, 0.75].map((f) => samples.find((s) => s.tS >= phaseStartS + f * timeLimitS)?.rssMiB ?? NaN);
  return {
    opsPerSec: ops / timeLimitS,
    ops: completed,
    exitCode,
    wallS,
    peakRunMiB: Math.max(0, ...phase.map((s) => s.rssMiB)),
    rssAtMiB: rssAt,
    peakAllMiB: hwm,
    cpuUsPerOp: (phaseCpuS * 1e6) / phaseOps,
  };
}

/**
 * Closed loops of the same register ops over `concurrency` connections to one atomic-kv node: ops/s
 * and this process's CPU time per op, µs.
 */
async function bareRun(o: Opts, seed: number, dir: string): Promise<{ opsPerSec: number; cpuUsPerOp: number }> {
  const runDir = mkdtempSync(join(dir, 'bare-'));
  const launcher = await LocalLauncher.create({ pidsFile: join(runDir, 'pids') });
  const plans = await planCluster(runDir, 1);
  const cluster = await Cluster.start({ manifest: findSystem('atomic-kv'), variant: 'correct', plans, peers: { n1: {} }, launcher });
  try {
    // The workload's own op sequence, drawn beforehand so that the loop does nothing but send.
    const gen = register.generator({ rng: Rng.fromSeed(deriveSeed(seed, 'generator')), concurrency: o.concurrency, nodes: 1 });
    const bodies = simulate(gen, { workerCount: o.concurrency, maxOps: 200_000 }).map((op) => register.client.request({ f: op.f, value: op.value }));
    const { port } = cluster.clientAddress('n1');
    const clients = await Promise.all(Array.from({ length: o.concurrency }, () => TestClient.connect(port)));
    let next = 0;
    let ops = 0;
    let stopping = false;
    const loop = async (c: TestClient): Promise<void> => {
      while (!stopping) {
        const body = bodies[next++ % bodies.length]!;
        await c.call(body, 10_000);
        if (!stopping) ops++;
      }
    };
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const loops = clients.map(loop);
    await new Promise((r) => setTimeout(r, o.durationS * 1000));
    stopping = true;
    const elapsedS = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await Promise.all(loops);
    for (const c of clients) c.close();
    return { opsPerSec: ops / elapsedS, cpuUsPerOp: (cpu.user + cpu.system) / ops };
  } finally {
    await cluster.stop();
    await launcher.close();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'bench-harness-'));
  console.log(`harness benchmark: ${o.rounds} rounds x ${o.durationS} s, atomic-kv on 1 node, register workload, ${o.concurrency} workers, seed ${o.seed}`);
  try {
    const runs: number[] = [];
    const cpus: number[] = [];
    const bares: number[] = [];
    const bareCpus: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const seed = o.seed + r;
      const run = await harnessRun(o, seed, o.durationS, 100_000, dir);
      runs.push(run.opsPerSec);
      cpus.push(run.cpuUsPerOp);
      const bare = await bareRun(o, seed, dir);
      bares.push(bare.opsPerSec);
      bareCpus.push(bare.cpuUsPerOp);
      console.log(`round ${r + 1}: run ${run.opsPerSec.toFixed(0).padStart(6)} ops/s (exit ${run.exitCode}, ${run.cpuUsPerOp.toFixed(1)} µs harness CPU per op, peak RSS ${run.peakRunMiB.toFixed(0)} MiB)  bare ${bare.opsPerSec.toFixed(0).padStart(6)} ops/s (${bare.cpuUsPerOp.toFixed(1)} µs CPU per op)  ratio ${((100 * run.opsPerSec) / bare.opsPerSec).toFixed(1)} %`);
    }
    const mr = median(runs);
    const mb = median(bares);
    const ratio = median(runs.map((x, i) => x / bares[i]!));
    const mbc = median(bareCpus);
    console.log(`median: run ${mr.toFixed(0)} ops/s at ${median(cpus).toFixed(1)} µs harness CPU per op, bare ${mb.toFixed(0)} ops/s at ${mbc.toFixed(1)} µs CPU per op; median ratio run / bare ${(100 * ratio).toFixed(1)} % (target >= 80 %): ${ratio >= 0.8 ? 'MET' : 'NOT MET'}`);
    if (o.longOps > 0) {
      const seconds = Math.min(o.longMaxS, Math.ceil(o.longOps / o.longRate));
      console.log(`long run: --rate ${o.longRate} for ${seconds} s (${o.longOps} ops wanted, at most ${o.longMaxS} s)...`);
      const long = await harnessRun(o, o.seed, seconds, o.longRate, dir);
      console.log(
        `long run: ${long.ops} ops completed (${long.opsPerSec.toFixed(0)} ops/s in the main phase, ${long.cpuUsPerOp.toFixed(1)} µs harness CPU per op), exit ${long.exitCode}, ${long.wallS.toFixed(0)} s in all; ` +
          `harness VmRSS at 1/4, 1/2, 3/4 of the main phase ${long.rssAtMiB.map((x) => x.toFixed(0)).join(', ')} MiB, peak in the main phase ${long.peakRunMiB.toFixed(0)} MiB, ` +
          `peak with checking (VmHWM) ${long.peakAllMiB.toFixed(0)} MiB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:harness failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(255);
});
