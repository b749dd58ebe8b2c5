/**
 * `faultline compare`: run each variant of a system with the same seeds, workload and faults, and
 * write `results/compare-<time>/compare.json` and `compare.html` (harness/compare/).
 *
 *   faultline compare --system raftkv --variants all --workload register --nemesis partition,kill --runs 5 --time-limit 30
 *
 * Exit codes: 0 when every run reached a verdict (whatever it was: finding anomalies in broken
 * variants is the point), 255 when some run crashed or timed out, 254 for a bad flag, 1 when the
 * comparison was interrupted before it finished.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit.js';
import { findSystem, locateSystem } from '../../cluster/manifest.js';
import { parseDecimalInt } from '../flags.js';
import { LIMITS, parseNemesis, parseRunArgv, parseRunNumber, resolveRunConfig, RUN_FLAGS, runArgv } from '../../run/config.js';
import type { RunTuning } from '../../suite/entry.js';
import { compareTable, runCompare, type CompareOptions } from '../../compare/compare.js';
import { PARALLEL_MAX, timeStamp } from '../../suite/run-suite.js';
import { makeFlagDir } from '../../run/folder.js';

/** The most runs per variant of one comparison. */
const RUNS_MAX = 1000;

/** The flags of `faultline compare`, as commander hands them over. */
export interface CompareFlags {
  system?: string;
  variants: string;
  workload?: string;
  nemesis: string;
  runs: string;
  timeLimit: string;
  seed?: string;
  parallel: string;
  nodes?: string;
  concurrency?: string;
  rate?: string;
  nemesisInterval?: string;
  opTimeout?: string;
  consistencyModel?: string;
  workloadOptions?: string;
  out?: string;
  resultsDir: string;
}

/** A comparison's plan from its flags: everything checked before any run starts. */
export type ComparePlan = Omit<CompareOptions, 'outDir' | 'args' | 'log'> & { systemName: string };

/** Reads and checks `faultline compare` flags; any bad one is a UsageError naming it. */
export function resolveCompareFlags(flags: CompareFlags): ComparePlan {
  if (flags.system === undefined) throw new UsageError('--system is required');
  const system = flags.system.endsWith('.json') ? resolve(flags.system) : flags.system;
  if (locateSystem(system) === null) throw new UsageError(`--system ${flags.system}: unknown system (no faultline.system.json found for it)`);
  const manifest = findSystem(system);
  const known = Object.keys(manifest.variants);
  const variants = flags.variants === 'all' ? known : flags.variants.split(',').map((v) => v.trim()).filter(Boolean);
  if (variants.length === 0) throw new UsageError(`--variants ${flags.variants}: no variants to compare`);
  for (const v of variants) {
    if (!known.includes(v)) throw new UsageError(`--variants: system ${manifest.name} has no variant ${JSON.stringify(v)} (it has: ${known.join(', ')})`);
  }
  const workload = flags.workload ?? manifest.defaultWorkload ?? manifest.workloads[0] ?? 'register';
  if (manifest.workloads.length > 0 && !manifest.workloads.includes(workload)) {
    throw new UsageError(`--workload ${workload}: system ${manifest.name} serves ${manifest.workloads.join(', ')}`);
  }
  let nemesis: string[];
  try {
    nemesis = parseNemesis(flags.nemesis);
  } catch (err) {
    throw new UsageError(`--nemesis ${JSON.stringify(flags.nemesis)}: expected "none" or a comma-separated list such as partition,kill (${(err as Error).message})`);
  }
  const runs = parseDecimalInt('--runs', flags.runs, { min: 1, max: RUNS_MAX });
  const timeLimitS = parseRunNumber('timeLimitS', flags.timeLimit);
  const parallel = parseDecimalInt('--parallel', flags.parallel, { min: 1, max: PARALLEL_MAX });
  // Every seed of the comparison, base..base+runs-1, must be a seed a run takes.
  const seedBase = flags.seed !== undefined ? parseRunNumber('seed', flags.seed, { max: LIMITS.seedMax - (runs - 1) }) : Date.now() % 1_000_000;
  const tuning: RunTuning = {};
  const setNumber = (key: keyof RunTuning, text: string | undefined) => {
    if (text !== undefined) tuning[key] = parseRunNumber(key, text);
  };
  setNumber('nodes', flags.nodes);
  setNumber('concurrency', flags.concurrency);
  setNumber('rateOpsPerSec', flags.rate);
  setNumber('nemesisIntervalS', flags.nemesisInterval);
  setNumber('opTimeoutMs', flags.opTimeout);
  // Each variant's first run resolved as `run` would resolve it, so that a value the system
  // refuses (too many nodes, a workload it does not serve) fails here, not in every child.
  const given = flags.consistencyModel !== undefined || flags.workloadOptions !== undefined;
  let workloadOptions: Record<string, unknown> | undefined;
  for (const variant of variants) {
    const runFlags = { ...parseRunArgv(runArgv({ system, variant, workload, nemesis, seed: seedBase, timeLimitS, ...tuning })), consistencyModel: flags.consistencyModel, workloadOptions: flags.workloadOptions };
    const { config } = resolveRunConfig(runFlags, manifest);
    if (given) workloadOptions = config.workloadOptions;
  }
  return { system, systemName: manifest.name, variants, workload, ...(workloadOptions !== undefined ? { workloadOptions } : {}), nemesis, runs, timeLimitS, seedBase, parallel, ...tuning };
}

/** The help line of a `faultline run` flag that compare passes on to every run. */
function runFlagHelp(flag: string): string {
  return RUN_FLAGS.find(([f]) => f.split(' ')[0] === flag)![1];
}

/** Registers `faultline compare`. */
export function register(program: Command): void {
  program
    .command('compare')
    .description('run every variant of a system with the same seeds and faults, side by side')
    .requiredOption('--system <name|path>', 'system name or path to its faultline.system.json')
    .option('--variants <all|a,b>', 'variants to compare', 'all')
    .option('--workload <name>', 'workload (default: the first the system serves)')
    .option('--nemesis <list|none>', 'faults, e.g. partition,kill', 'none')
    .option('--runs <n>', 'runs per variant (seeds base..base+n-1)', '5')
    .option('--time-limit <s>', 'seconds of each run', '30')
    .option('--seed <base>', 'first seed (default: derived from the clock, and printed)')
    .option('--parallel <n>', `runs at once (1..${PARALLEL_MAX})`, '1')
    .option('--nodes <n>', 'nodes per run')
    .option('--concurrency <n>', 'client processes per run')
    .option('--rate <ops/s>', 'operations per second per run')
    .option('--nemesis-interval <s>', 'seconds between faults')
    .option('--op-timeout <ms>', 'client operation timeout')
    .option('--consistency-model <model>', runFlagHelp('--consistency-model'))
    .option('--workload-options <json>', runFlagHelp('--workload-options'))
    .option('--out <dir>', 'write into exactly this folder (default: <results-dir>/compare-<time>)')
    .option('--results-dir <dir>', 'parent folder of the comparison folder', 'results')
    .action(async (flags: CompareFlags) => {
      const plan = resolveCompareFlags(flags);
      const outDir = resolve(flags.out ?? join(flags.resultsDir, `compare-${timeStamp()}`));
      makeFlagDir(flags.out !== undefined ? '--out' : '--results-dir', flags.out ?? flags.resultsDir, outDir);
      process.stderr.write(`faultline compare ${plan.systemName}: ${plan.variants.join(', ')} x ${plan.runs} runs, seeds ${plan.seedBase}..${plan.seedBase + plan.runs - 1}, writing ${outDir}\n`);
      const { compare, noVerdict, interrupted } = await runCompare({ ...plan, outDir });
      process.stdout.write(`${compareTable(compare)}\n`);
      for (const n of noVerdict) {
        process.stderr.write(`no verdict: ${n.variant} seed ${n.seed}: exit ${String(n.outcome.exitCode)}${n.outcome.timedOut ? ' (timed out)' : ''}; log: ${join(outDir, 'runs', `${n.variant}-seed-${n.seed}.log`)}\n`);
      }
      process.stderr.write(`compare: ${join(outDir, 'compare.json')}  page: ${join(outDir, 'compare.html')}\n`);
      process.exitCode = interrupted ? EXIT.invalid : noVerdict.length > 0 ? EXIT.crash : EXIT.valid;
    });
}
