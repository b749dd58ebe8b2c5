/**
 * Benchmark: how gossip scales. For clusters of 3, 5, 9, 17 and 33 real gossipd processes (the
 * correct variant, direct loopback between peers, no faults), the time a write at one node takes
 * to reach every node, in gossip rounds, against the log2(N) rounds epidemic spreading predicts,
 * and the messages each node sends per round (fanout Syns and the Acks and Ack2s they cause).
 * Then the largest cluster this machine runs: every node started, heard of by every other, and a
 * write spread to all, with the processes' memory and CPU per node. The nodes listen on ports
 * below the ephemeral range; a size that fails is stopped and reported, and the others still run.
 *
 *   npm run bench:gossipd                                  # sizes 3,5,9,17,33, 3 writes each
 *   node dist/bench/gossipd.js --sizes 3,9 --writes 5 --max-nodes 0 --seed 2
 *
 * Prints a Markdown table (medians over the writes) and writes the plot to
 * systems/gossipd/scale.svg. A round is `tickMs × gossipTicks` (50 × 2 = 100 ms by default) when
 * the node is not starved; the rounds of the table are those the nodes counted while the write
 * spread (from the write's reply to the read that found it everywhere, polls included).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestClient, TestCluster } from './support/raftkv-cluster.js';
import { median } from './support/median.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOSSIPD_MAIN_JS = join(root, 'dist/systems/gossipd/main.js');
const ROUND_MS = 100;
/** How often every node is read while a write spreads. */
const POLL_MS = 20;
/** Longest wait for a cluster to see all of itself, or for a write to reach every node. */
const WAIT_MS = 180_000;
/** How long one request may take: a starved node of a large cluster answers late. */
const CALL_MS = 30_000;
/** Nodes started at once (each loads its code for a few hundred ms of CPU). */
const START_BATCH = 4;
/** The nodes' ports are the first free ones from here, below the ephemeral range. */
const PORTS_FROM = 20_000;

interface Opts {
  sizes: number[];
  writes: number;
  maxNodes: number;
  seed: number;
  svg: string;
}

function parseArgs(argv: string[]): Opts {
  const o: Opts = { sizes: [3, 5, 9, 17, 33], writes: 3, maxNodes: 64, seed: 1, svg: join(root, 'systems/gossipd/scale.svg') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i], argv[i + 1]];
    const int = (): number => {
      if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) fail(`${flag} takes a decimal integer, got ${JSON.stringify(v)}`);
      return Number(v);
    };
    if (flag === '--sizes') {
      o.sizes = (v ?? '').split(',').map((s) => (/^[1-9][0-9]*$/.test(s) && Number(s) <= 64 ? Number(s) : fail(`--sizes takes node counts 1..64 separated by commas, got ${JSON.stringify(v)}`)));
    } else if (flag === '--writes') o.writes = Math.max(1, int());
    else if (flag === '--max-nodes') o.maxNodes = Math.min(64, int());
    else if (flag === '--seed') o.seed = int();
    else if (flag === '--svg') o.svg = v ?? fail('--svg takes a file');
    else fail(`unknown flag ${flag} (flags: --sizes, --writes, --max-nodes, --seed, --svg)`);
  }
  return o;
}

function fail(msg: string): never {
  process.stderr.write(`bench/gossipd: ${msg}\n`);
  process.exit(254);
}

type State = { sent: Record<string, number>; rounds: number; view: Record<string, string> };

async function states(clients: TestClient[]): Promise<State[]> {
  return Promise.all(clients.map(async (c) => (await c.call({ type: 'state' }, CALL_MS)).state as State));
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** Waits until `done` holds, polling every `everyMs`; returns the ms it took. */
async function until(done: () => Promise<boolean>, everyMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!(await done())) {
    if (performance.now() - t0 > WAIT_MS) throw new Error(`${what}: not after ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return performance.now() - t0;
}

interface Spread {
  ms: number;
  rounds: number;
  msgsPerNodePerRound: number;
}

/** One cluster of `n`: the time until every node sees every member live, then `writes` writes spread. */
async function measure(n: number, writes: number, seed: number): Promise<{ joinMs: number; spreads: Spread[]; usage: Usage }> {
  const c = await TestCluster.start(n, 'correct', { seed }, undefined, GOSSIPD_MAIN_JS, { batch: START_BATCH, readyTimeoutMs: 120_000, portsFrom: PORTS_FROM });
  const pids = c.nodes.map((x) => x.proc?.pid).filter((p): p is number => p !== undefined);
  const startUsage = usageOf(pids);
  const clients: TestClient[] = [];
  try {
    for (const node of c.nodes) clients.push(await TestClient.connect(node.clientPort));
    const joinMs = await until(async () => (await states(clients)).every((s) => Object.values(s.view).every((v) => v === 'live')), 100, `${n} nodes seeing each other`);
    const spreads: Spread[] = [];
    for (let w = 0; w < writes; w++) {
      const before = await states(clients);
      const writer = clients[w % n]!;
      const owner = c.nodes[w % n]!.id;
      await writer.call({ type: 'write', key: `bench-${w}`, value: w }, CALL_MS);
      const ms = await until(async () => {
        const rs = await Promise.all(clients.map((cl) => cl.call({ type: 'read', key: `bench-${w}` }, CALL_MS)));
        return rs.every((r) => (r.value as Record<string, unknown> | undefined)?.[owner] === w);
      }, POLL_MS, `write ${w} reaching all ${n} nodes`);
      const after = await states(clients);
      const msgs = after.reduce((a, s, i) => a + sum(s.sent) - sum(before[i]!.sent), 0);
      const rounds = after.reduce((a, s, i) => a + s.rounds - before[i]!.rounds, 0);
      // Rounds as the nodes ran them (a starved node gossips less often than every ROUND_MS).
      spreads.push({ ms, rounds: rounds / n, msgsPerNodePerRound: rounds > 0 ? msgs / rounds : Number.NaN });
    }
    const end = usageOf(pids);
    const usage = { rssMb: end.rssMb, cpuS: end.cpuS - startUsage.cpuS, wallS: end.wallS - startUsage.wallS };
    return { joinMs, spreads, usage };
  } finally {
    for (const cl of clients) cl.close();
    await c.stop();
  }
}

/** The nodes' summed resident memory (MB) and CPU time (s) from /proc, at a wall-clock instant (s). */
interface Usage {
  rssMb: number;
  cpuS: number;
  wallS: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** The usage of processes now; NaN where /proc cannot be read (not Linux). */
function usageOf(pids: number[]): Usage {
  let rssKb = 0;
  let ticks = 0;
  try {
    for (const pid of pids) {
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
      // utime and stime, the 14th and 15th fields; the command name (2nd) may hold spaces, so count after its ')'.
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
  } catch {
    return { rssMb: Number.NaN, cpuS: Number.NaN, wallS: performance.now() / 1000 };
  }
  return { rssMb: rssKb / 1024, cpuS: ticks / USER_HZ, wallS: performance.now() / 1000 };
}

interface Row {
  n: number;
  joinMs: number;
  ms: number;
  rounds: number;
  log2: number;
  msgs: number;
  /** Per node: resident memory (MB) and CPU (% of one core) while the cluster was measured. */
  rssMb: number;
  cpuPct: number;
}

/** The plot: rounds to spread against log2(N), and messages per node per round, over N on a log axis. */
function svg(rows: readonly Row[]): string {
  const W = 640;
  const H = 360;
  const pad = { l: 56, r: 56, t: 30, b: 46 };
  const xs = rows.map((r) => Math.log2(r.n));
  const xMin = Math.min(...xs, 1);
  const xMax = Math.max(...xs, 2);
  const yMax = Math.max(...rows.map((r) => Math.max(r.rounds, r.log2)), 1) * 1.15;
  const mMax = Math.max(...rows.map((r) => r.msgs), 1) * 1.15;
  const X = (v: number) => pad.l + ((v - xMin) / (xMax - xMin || 1)) * (W - pad.l - pad.r);
  const Y = (v: number) => H - pad.b - (v / yMax) * (H - pad.t - pad.b);
  const M = (v: number) => H - pad.b - (v / mMax) * (H - pad.t - pad.b);
  const line = (pts: [number, number][], color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>` +
    pts.map(([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${color}"/>`).join('');
  const ticks = rows.map((r) => `<text x="${X(Math.log2(r.n)).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${r.n}</text>`).join('');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${pad.l - 6}" y="${Y(f * yMax).toFixed(1)}" text-anchor="end" dy="4">${(f * yMax).toFixed(1)}</text><text x="${W - pad.r + 6}" y="${M(f * mMax).toFixed(1)}" dy="4">${(f * mMax).toFixed(1)}</text>`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">gossipd: a write reaching every node, by cluster size (medians)</text>`,
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#888"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#888"/><line x1="${W - pad.r}" y1="${pad.t}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#888"/>`,
    ticks,
    yTicks,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">nodes N (log scale)</text>`,
    `<text transform="translate(14,${H / 2}) rotate(-90)" text-anchor="middle">gossip rounds (${ROUND_MS} ms)</text>`,
    `<text transform="translate(${W - 10},${H / 2}) rotate(90)" text-anchor="middle">messages per node per round</text>`,
    line(rows.map((r) => [X(Math.log2(r.n)), Y(r.rounds)]), '#1f77b4'),
    line(rows.map((r) => [X(Math.log2(r.n)), Y(r.log2)]), '#2ca02c', '6 4'),
    line(rows.map((r) => [X(Math.log2(r.n)), M(r.msgs)]), '#d62728', '2 3'),
    `<g transform="translate(${pad.l + 10},${pad.t + 8})"><rect width="250" height="54" fill="white" stroke="#ccc"/>`,
    `<line x1="8" y1="12" x2="30" y2="12" stroke="#1f77b4" stroke-width="2"/><text x="36" y="16">rounds until every node has the write</text>`,
    `<line x1="8" y1="28" x2="30" y2="28" stroke="#2ca02c" stroke-width="2" stroke-dasharray="6 4"/><text x="36" y="32">log2(N), what gossip predicts</text>`,
    `<line x1="8" y1="44" x2="30" y2="44" stroke="#d62728" stroke-width="2" stroke-dasharray="2 3"/><text x="36" y="48">messages per node per round (right)</text></g>`,
    '</svg>',
    '',
  ].join('\n');
}

/** A cluster's usage per node: resident MB, and CPU as a percentage of one core over the measurement. */
function perNode(u: Usage, n: number): { rssMb: number; cpuPct: number } {
  return { rssMb: u.rssMb / n, cpuPct: (100 * u.cpuS) / n / Math.max(1e-9, u.wallS) };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  const failed: string[] = [];
  for (const n of o.sizes) {
    let m: Awaited<ReturnType<typeof measure>>;
    try {
      m = await measure(n, o.writes, o.seed);
    } catch (e) {
      // The cluster is stopped already (measure's own cleanup); the sizes that ran still make the table.
      failed.push(`${n} nodes did not run to the end: ${(e as Error).message.split('\n')[0]}`);
      process.stderr.write(`${failed[failed.length - 1]}\n`);
      continue;
    }
    const row = { n, joinMs: m.joinMs, ms: median(m.spreads.map((s) => s.ms)), rounds: median(m.spreads.map((s) => s.rounds)), log2: Math.log2(n), msgs: median(m.spreads.map((s) => s.msgsPerNodePerRound)), ...perNode(m.usage, n) };
    rows.push(row);
    process.stderr.write(`${n} nodes: all live after ${Math.round(m.joinMs)} ms; spread ${m.spreads.map((s) => Math.round(s.ms)).join(', ')} ms; ${row.msgs.toFixed(2)} msgs/node/round; ${row.rssMb.toFixed(0)} MB and ${row.cpuPct.toFixed(0)} % CPU per node\n`);
  }
  const lines = [
    '| nodes | all live after (ms) | write reaches all (ms, median) | rounds | log2(N) | msgs per node per round | RSS per node (MB) | CPU per node (% of a core) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.n} | ${Math.round(r.joinMs)} | ${Math.round(r.ms)} | ${r.rounds.toFixed(1)} | ${r.log2.toFixed(2)} | ${r.msgs.toFixed(2)} | ${r.rssMb.toFixed(0)} | ${r.cpuPct.toFixed(0)} |`),
  ];
  process.stdout.write(`${[...lines, ...failed].join('\n')}\n`);
  process.stdout.write(`load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores\n`);
  writeFileSync(o.svg, svg(rows));
  process.stdout.write(`plot: ${o.svg}\n`);
  if (o.maxNodes > 0 && !o.sizes.includes(o.maxNodes)) {
    try {
      const m = await measure(o.maxNodes, 1, o.seed);
      const u = perNode(m.usage, o.maxNodes);
      process.stdout.write(`largest cluster: ${o.maxNodes} nodes ran; all live after ${Math.round(m.joinMs)} ms, a write reached all in ${Math.round(m.spreads[0]!.ms)} ms; ${u.rssMb.toFixed(0)} MB resident and ${u.cpuPct.toFixed(0)} % of a core per node\n`);
    } catch (e) {
      process.stdout.write(`largest cluster: ${o.maxNodes} nodes did not run: ${(e as Error).message}\n`);
    }
  }
}

await main();
