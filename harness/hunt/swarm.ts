/**
 * `faultline hunt --simulate`: the swarm hunt. A system's core runs in the shared deterministic
 * simulator (systems/lib/sim) over many cases, each drawn from the hunt's seed with its own
 * workload, cluster size, clients, length and its own subset and intensity of faults and of the
 * simulator's fault points (BUGGIFY), until an invariant breaks or the workload's checker finds an
 * anomaly, or the budget runs out. The failing case is then shrunk deterministically (shorter,
 * fewer faults, fewer fault points, fewer clients, keys and nodes): the simulator replays a case
 * exactly, so every candidate's verdict is final.
 *
 * The system's side is the module its manifest names in `simulator` (systems/lib/sim/swarm.ts);
 * it is loaded by path, as a node is started by command. A case is written as case.json; the
 * failing case and its shrunk form each get a run folder (history.jsonl, results.json,
 * report.html) that `faultline report`, `recheck` and `compare` read as any run's.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SwarmCase, SwarmFaults, SwarmOutcome, SwarmTarget } from '../../systems/lib/sim/swarm.js';
import type { Buggify } from '../../systems/lib/sim/simulator.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { workloads } from '../../workloads/index.js';
import { z } from 'zod';
import type { SystemManifest } from '../cluster/manifest.js';
import { LIMITS } from '../run/limits.js';
import { shellQuote } from '../run/config.js';
import { parseJsonWithSchema } from '../source-text.js';
import { UsageError } from '../cli/exit.js';
import { logUniformMs } from '../nemesis/faults/common.js';
import { MutableRng, deriveSeed } from '../random.js';
import { makeDirs, writeJson } from '../run/folder.js';
import { checkHistory, composeResults } from '../run/run.js';
import { writeRunReport } from '../report/index.js';

/** What a case's run was judged. */
export interface CaseVerdict {
  valid: boolean | 'unknown';
  /** The broken invariant or the checker's first anomaly, in one line. */
  why: string | null;
  outcome: SwarmOutcome;
  /** The workload's checkers' verdict, when they ran (not after a broken invariant). */
  checked: Awaited<ReturnType<typeof checkHistory>> | null;
}

/** Draw ranges of a case (the swarm's knobs). */
export const SWARM_DRAW = {
  clients: [2, 8],
  keys: [1, 4],
  durationMs: [2_000, 12_000],
  intervalMs: [100, 3_000],
  /** Probability that a fault the system honours is in a case. */
  faultP: 0.5,
  /** Probability that a fault point of the simulator is on in a case. */
  buggifyP: 0.3,
} as const;

/** Loads the module a manifest names in `simulator`; a UsageError when there is none or it is not one. */
export async function loadSwarmTarget(manifest: SystemManifest): Promise<SwarmTarget> {
  const spec = manifest.simulator;
  if (spec === undefined) {
    throw new UsageError(`${manifest.manifestPath}: system ${manifest.name} names no simulator (the manifest's "simulator" field), so it cannot be hunted with --simulate`);
  }
  const path = resolve(manifest.manifestDir, spec.module);
  if (!existsSync(path)) throw new UsageError(`${manifest.manifestPath}: simulator.module ${spec.module}: no such file (${path}; is the system built?)`);
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const t = mod[spec.export] as Partial<SwarmTarget> | undefined;
  if (t === undefined || typeof t.run !== 'function' || !Array.isArray(t.workloads) || !Array.isArray(t.nodes) || !Array.isArray(t.faults)) {
    throw new UsageError(`${manifest.manifestPath}: simulator: ${spec.module} exports no SwarmTarget named ${spec.export} (systems/lib/sim/swarm.ts)`);
  }
  return t as SwarmTarget;
}

/** The case of attempt `attempt` (0-based) of a hunt with root seed `root`. */
export function drawCase(root: number, attempt: number, target: SwarmTarget, variant: string): SwarmCase {
  const rng = new MutableRng(deriveSeed(root, `swarm-${attempt}`));
  const faults: SwarmFaults = { intervalMs: logUniformMs(rng, SWARM_DRAW.intervalMs[0], SWARM_DRAW.intervalMs[1]) };
  for (const f of target.faults) {
    if (!rng.chance(SWARM_DRAW.faultP)) continue;
    switch (f) {
      case 'dropRate':
        faults.dropRate = round(rng.float() * 0.2);
        break;
      case 'duplicateRate':
        faults.duplicateRate = round(rng.float() * 0.1);
        break;
      case 'delayMaxMs':
        faults.delayMaxMs = rng.int(2, 60);
        break;
      case 'clockSkewMs':
        faults.clockSkewMs = rng.int(100, 5_000);
        break;
      case 'crashBeforeSyncRate':
        faults.crashBeforeSyncRate = round(rng.float() * 0.01);
        break;
      default:
        faults[f] = true;
    }
  }
  const buggify: Buggify = {};
  if (rng.chance(SWARM_DRAW.buggifyP)) buggify.tickJitter = round(rng.float() * 0.5);
  if (rng.chance(SWARM_DRAW.buggifyP)) {
    buggify.slowSync = round(rng.float() * 0.3);
    buggify.slowSyncMaxMs = rng.int(5, 50);
  }
  return {
    seed: rng.int(1, 2 ** 31 - 1),
    variant,
    workload: rng.pick(target.workloads),
    nodes: rng.pick(target.nodes),
    clients: rng.int(SWARM_DRAW.clients[0], SWARM_DRAW.clients[1]),
    keys: rng.int(SWARM_DRAW.keys[0], SWARM_DRAW.keys[1]),
    durationMs: rng.int(SWARM_DRAW.durationMs[0], SWARM_DRAW.durationMs[1]),
    faults,
    buggify,
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Runs one case and judges it: a broken invariant, else the workload's checkers over the history. */
export async function judgeCase(target: SwarmTarget, c: SwarmCase): Promise<CaseVerdict> {
  const outcome = target.run(c);
  const v = outcome.violations[0];
  if (v !== undefined) return { valid: false, why: `invariant at ${(v.timeMs / 1000).toFixed(3)} s: ${v.what}`, outcome, checked: null };
  const workload = workloads[c.workload];
  if (workload === undefined) throw new UsageError(`the simulator ran workload ${JSON.stringify(c.workload)}, which faultline does not know`);
  const r = await checkHistory(workload, outcome.history as HistoryEvent[]);
  if (r.valid !== false) return { valid: r.valid, why: null, outcome, checked: r };
  const first = r.firstAnomaly;
  const named = Object.entries(r.checkers).find(([, c]) => c.valid === false);
  const at = first?.timeNs !== null && first?.timeNs !== undefined ? ` at ${(first.timeNs / 1e9).toFixed(3)} s` : '';
  const why = first !== null ? `${named?.[0] ?? 'checker'}: ${first.summary}${at}` : `${named?.[0] ?? 'checker'}: invalid`;
  return { valid: false, why, outcome, checked: r };
}

/** The smaller cases tried, in order, from `c` (each one step simpler). */
export function shrinkCandidates(c: SwarmCase, target: SwarmTarget): SwarmCase[] {
  const out: SwarmCase[] = [];
  if (c.durationMs >= 1_000) out.push({ ...c, durationMs: Math.floor(c.durationMs / 2) });
  for (const k of Object.keys(c.faults) as (keyof SwarmFaults)[]) {
    if (k === 'intervalMs') continue;
    const { [k]: _gone, ...rest } = c.faults;
    out.push({ ...c, faults: rest as SwarmFaults });
  }
  for (const k of Object.keys(c.buggify) as (keyof Buggify)[]) {
    if (k === 'slowSyncMaxMs') continue;
    const { [k]: _gone, ...rest } = c.buggify;
    if (k === 'slowSync') delete rest.slowSyncMaxMs;
    out.push({ ...c, buggify: rest });
  }
  if (c.clients > 1) out.push({ ...c, clients: c.clients - 1 });
  if (c.keys > 1) out.push({ ...c, keys: c.keys - 1 });
  const fewer = target.nodes.filter((n) => n < c.nodes);
  if (fewer.length > 0) out.push({ ...c, nodes: Math.max(...fewer) });
  if (c.durationMs >= 600) out.push({ ...c, durationMs: Math.floor((c.durationMs * 3) / 4) });
  return out;
}

/** How big a case is, for the shrink's progress line. */
export function caseSize(c: SwarmCase): string {
  const faults = Object.keys(c.faults).filter((k) => k !== 'intervalMs');
  const bugs = Object.keys(c.buggify).filter((k) => k !== 'slowSyncMaxMs');
  return `${(c.durationMs / 1000).toFixed(1)} s, ${c.nodes} nodes, ${c.clients} clients, ${c.keys} keys, faults [${faults.join(',')}]${bugs.length > 0 ? `, buggify [${bugs.join(',')}]` : ''}`;
}

/**
 * Shrinks a failing case: greedily takes the first simpler candidate that still fails, until none
 * does, `maxCandidates` were tried or the deadline passed. Deterministic: the same case shrinks
 * to the same case.
 */
export async function shrinkCase(target: SwarmTarget, failing: SwarmCase, o: { deadline: number; maxCandidates: number; log?: (line: string) => void }): Promise<{ c: SwarmCase; verdict: CaseVerdict | null; tried: number }> {
  let best = failing;
  let bestVerdict: CaseVerdict | null = null;
  let tried = 0;
  for (let improved = true; improved; ) {
    improved = false;
    for (const cand of shrinkCandidates(best, target)) {
      if (tried >= o.maxCandidates || Date.now() >= o.deadline) return { c: best, verdict: bestVerdict, tried };
      tried++;
      const v = await judgeCase(target, cand);
      if (v.valid === false) {
        best = cand;
        bestVerdict = v;
        improved = true;
        o.log?.(`shrink: still fails at ${caseSize(cand)}`);
        break;
      }
    }
  }
  return { c: best, verdict: bestVerdict, tried };
}

/** Writes a case's run folder: case.json, history.jsonl, run.json, results.json and report.html. */
export async function writeCaseFolder(dir: string, manifest: SystemManifest, c: SwarmCase, v: CaseVerdict, command: string): Promise<void> {
  makeDirs(dir);
  writeJson(join(dir, 'case.json'), c);
  writeFileSync(join(dir, 'history.jsonl'), v.outcome.history.map((e) => JSON.stringify(e)).join('\n') + (v.outcome.history.length > 0 ? '\n' : ''));
  writeJson(join(dir, 'run.json'), {
    system: manifest.name,
    variant: c.variant,
    workload: c.workload,
    nodes: c.nodes,
    seed: c.seed,
    timeLimitS: c.durationMs / 1000,
    simulated: true,
    case: c,
    startedAt: new Date().toISOString(),
    command,
    manifest: manifest.manifestPath,
  });
  const workload = workloads[c.workload]!;
  const events = v.outcome.history as HistoryEvent[];
  // The case's checkers ran already unless an invariant broke first.
  const checked = v.checked ?? (await checkHistory(workload, events));
  const results = composeResults(checked, events, [], { durationMs: c.durationMs, nemesisErrors: [] });
  if (v.outcome.violations.length > 0) {
    results.valid = false;
    results.exitCode = 1;
    results.checkers = {
      ...results.checkers,
      invariants: { valid: false, explanation: v.outcome.violations.map((x) => `at ${(x.timeMs / 1000).toFixed(3)} s: ${x.what}`).join('\n') },
    };
  }
  writeJson(join(dir, 'results.json'), results);
  writeRunReport(dir, () => {});
}

/** case.json as the hunt writes it; read back by `--case`. */
const caseSchema = z
  .object({
    seed: z.number().int(),
    variant: z.string().min(1),
    workload: z.string().min(1),
    nodes: z.number().int().min(1).max(LIMITS.nodesMax),
    clients: z.number().int().min(1).max(1_000),
    keys: z.number().int().min(1).max(100_000),
    durationMs: z.number().int().min(1).max(86_400_000),
    faults: z
      .object({
        dropRate: z.number().min(0).max(1).optional(),
        duplicateRate: z.number().min(0).max(1).optional(),
        delayMaxMs: z.number().int().min(1).max(600_000).optional(),
        reorder: z.boolean().optional(),
        partition: z.boolean().optional(),
        crash: z.boolean().optional(),
        pause: z.boolean().optional(),
        clockSkewMs: z.number().int().min(0).max(86_400_000).optional(),
        crashBeforeSyncRate: z.number().min(0).max(1).optional(),
        intervalMs: z.number().int().min(1).max(86_400_000),
      })
      .strict(),
    buggify: z
      .object({ tickJitter: z.number().min(0).max(1).optional(), slowSync: z.number().min(0).max(1).optional(), slowSyncMaxMs: z.number().int().min(1).max(600_000).optional() })
      .strict(),
  })
  .strict();

/** Reads a case file; a UsageError naming the file (and line) when it is not one. */
export function readCase(path: string): SwarmCase {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read the case (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseJsonWithSchema(text, path, caseSchema) as SwarmCase;
}

/** What a swarm hunt is asked to do. */
export interface SwarmHuntOptions {
  /** The system as the user named it, for replay lines. */
  systemArg: string;
  manifest: SystemManifest;
  variant: string;
  seed: number;
  budgetMs: number;
  shrink: boolean;
  shrinkBudgetMs: number;
  outDir: string;
  /** Replay this one case instead of drawing cases. */
  caseFile?: string;
  log(line: string): void;
}

/** What hunt.json of a swarm hunt holds. */
export interface SwarmHuntRecord {
  mode: 'simulate';
  system: string;
  variant: string;
  seed: number;
  outcome: 'found' | 'none' | 'unknown-only' | 'interrupted';
  cases: number;
  unknown: number;
  wallMs: number;
  simulatedMs: number;
  events: number;
  found?: { attempt: number; case: SwarmCase; why: string; atWallMs: number; dir: string };
  shrunk?: { case: SwarmCase; why: string; tried: number; dir: string };
}

/** The most shrink candidates one hunt tries. */
const SHRINK_CANDIDATES_MAX = 300;
/** How often the search prints its progress, ms. */
const PROGRESS_EVERY_MS = 5_000;

/** Runs the swarm hunt (or replays one case). Returns the lines to print and the record. */
export async function swarmHunt(o: SwarmHuntOptions): Promise<{ lines: string[]; record: SwarmHuntRecord; signal: NodeJS.Signals | null }> {
  const target = await loadSwarmTarget(o.manifest);
  makeDirs(o.outDir);
  const variant = o.caseFile !== undefined ? readCase(o.caseFile).variant : o.variant;
  if (!(variant in o.manifest.variants)) throw new UsageError(`${o.caseFile ?? '--variant'}: ${o.manifest.name} has no variant "${variant}" (${Object.keys(o.manifest.variants).join(', ')})`);
  const record: SwarmHuntRecord = { mode: 'simulate', system: o.manifest.name, variant, seed: o.seed, outcome: 'none', cases: 0, unknown: 0, wallMs: 0, simulatedMs: 0, events: 0 };
  const replayOf = (file: string): string => `faultline hunt --simulate --system ${shellQuote(o.systemArg)} --case ${shellQuote(file)}`;
  const lines: string[] = [];
  let signal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals): void => {
    signal = s;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const start = Date.now();
  try {
    if (o.caseFile !== undefined) {
      const c = readCase(o.caseFile);
      const v = await judgeCase(target, c);
      record.cases = 1;
      record.simulatedMs = c.durationMs;
      record.events = v.outcome.events;
      const dir = join(o.outDir, 'case');
      await writeCaseFolder(dir, o.manifest, c, v, replayOf(o.caseFile));
      record.outcome = v.valid === false ? 'found' : v.valid === 'unknown' ? 'unknown-only' : 'none';
      if (v.valid === false) record.found = { attempt: 0, case: c, why: v.why ?? '', atWallMs: Date.now() - start, dir };
      lines.push(`case ${caseSize(c)}: ${v.valid === false ? `anomaly: ${v.why ?? ''}` : v.valid === 'unknown' ? 'unknown (the checker gave up)' : 'no anomaly'}`);
      lines.push(`report: ${join(dir, 'report.html')}`);
      return { lines, record, signal };
    }
    let lastProgress = start;
    let found: { attempt: number; c: SwarmCase; v: CaseVerdict } | null = null;
    for (let attempt = 0; Date.now() - start < o.budgetMs; attempt++) {
      if (signal !== null) break;
      const c = drawCase(o.seed, attempt, target, variant);
      const v = await judgeCase(target, c);
      record.cases++;
      record.simulatedMs += c.durationMs;
      record.events += v.outcome.events;
      if (v.valid === 'unknown') record.unknown++;
      if (v.valid === false) {
        found = { attempt, c, v };
        break;
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        o.log(`${record.cases} cases, ${rate(record.cases, Date.now() - start)} cases/s, ${rate(record.simulatedMs / 1000, Date.now() - start)} simulated s per s, no anomaly yet`);
      }
      // Lets a signal in between cases (a case runs to its end without yielding).
      await new Promise((r) => setImmediate(r));
    }
    record.wallMs = Date.now() - start;
    const speed = `${record.cases} cases in ${(record.wallMs / 1000).toFixed(1)} s (${rate(record.cases, record.wallMs)} cases/s, ${rate(record.simulatedMs / 1000, record.wallMs)} simulated s per wall s, ${rate(record.events, record.wallMs)} events/s)`;
    if (found === null) {
      record.outcome = signal !== null ? 'interrupted' : record.unknown === record.cases && record.cases > 0 ? 'unknown-only' : 'none';
      lines.push(`${signal !== null ? 'interrupted' : 'no anomaly'} in ${speed}; ${record.unknown} unknown verdicts`);
      lines.push(`repeat: faultline hunt --simulate --system ${shellQuote(o.systemArg)} --variant ${shellQuote(variant)} --seed ${o.seed} --budget ${Math.round(o.budgetMs / 1000)}s`);
      return { lines, record, signal };
    }
    const foundDir = join(o.outDir, 'found');
    await writeCaseFolder(foundDir, o.manifest, found.c, found.v, replayOf(join(foundDir, 'case.json')));
    record.outcome = 'found';
    record.found = { attempt: found.attempt, case: found.c, why: found.v.why ?? '', atWallMs: record.wallMs, dir: foundDir };
    lines.push(`anomaly found at case ${found.attempt + 1} (seed ${found.c.seed}) after ${(record.wallMs / 1000).toFixed(1)} s: ${found.v.why ?? ''}`);
    lines.push(`  ${speed}`);
    lines.push(`  case: ${caseSize(found.c)}`);
    lines.push(`  replay: ${replayOf(join(foundDir, 'case.json'))}`);
    lines.push(`  report: ${join(foundDir, 'report.html')}`);
    if (o.shrink && signal === null) {
      const s = await shrinkCase(target, found.c, { deadline: Date.now() + o.shrinkBudgetMs, maxCandidates: SHRINK_CANDIDATES_MAX, log: o.log });
      if (s.verdict !== null) {
        const dir = join(o.outDir, 'shrunk');
        await writeCaseFolder(dir, o.manifest, s.c, s.verdict, replayOf(join(dir, 'case.json')));
        record.shrunk = { case: s.c, why: s.verdict.why ?? '', tried: s.tried, dir };
        lines.push(`shrunk in ${s.tried} candidates to: ${caseSize(s.c)}: ${s.verdict.why ?? ''}`);
        lines.push(`  replay: ${replayOf(join(dir, 'case.json'))}`);
        lines.push(`  report: ${join(dir, 'report.html')}`);
      } else lines.push(`shrink: none of ${s.tried} simpler candidates still fails; the found case is the smallest`);
    }
    return { lines, record, signal };
  } finally {
    record.wallMs = Date.now() - start;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    writeJson(join(o.outDir, 'hunt.json'), record);
  }
}

function rate(n: number, ms: number): string {
  return ms > 0 ? (n / (ms / 1000)).toFixed(1) : '-';
}
