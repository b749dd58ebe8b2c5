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
import { findManifest } from '../../suite/manifest.js';
import { compareTable, runCompare } from '../../compare/compare.js';
import { PARALLEL_MAX, timeStamp } from '../../suite/run-suite.js';
import { makeFlagDir } from '../../run/folder.js';

interface CompareFlags {
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
  out?: string;
  resultsDir: string;
}

function num(flag: string, text: string | undefined, opts: { int?: boolean; min: number; max: number }): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || n < opts.min || n > opts.max) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected ${opts.int ? 'a whole number' : 'a number'} ${opts.min}..${opts.max}`);
  }
  return n;
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
    .option('--out <dir>', 'write into exactly this folder (default: <results-dir>/compare-<time>)')
    .option('--results-dir <dir>', 'parent folder of the comparison folder', 'results')
    .action(async (flags: CompareFlags) => {
      const system = flags.system!.endsWith('.json') ? resolve(flags.system!) : flags.system!;
      const manifest = findManifest(system);
      if (!manifest) throw new UsageError(`--system ${flags.system}: unknown system (no faultline.system.json found for it)`);
      const known = Object.keys(manifest.variants);
      const variants = flags.variants === 'all' ? known : flags.variants.split(',').map((v) => v.trim()).filter(Boolean);
      if (variants.length === 0) throw new UsageError(`--variants ${flags.variants}: no variants to compare`);
      for (const v of variants) {
        if (!known.includes(v)) throw new UsageError(`--variants: system ${manifest.name} has no variant ${JSON.stringify(v)} (it has: ${known.join(', ')})`);
      }
      const workload = flags.workload ?? manifest.workloads[0] ?? 'register';
      if (manifest.workloads.length > 0 && !manifest.workloads.includes(workload)) {
        throw new UsageError(`--workload ${workload}: system ${manifest.name} serves ${manifest.workloads.join(', ')}`);
      }
      if (!/^(none|[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*)$/.test(flags.nemesis)) {
        throw new UsageError(`--nemesis ${JSON.stringify(flags.nemesis)}: expected "none" or a comma-separated list such as partition,kill`);
      }
      const runs = num('--runs', flags.runs, { int: true, min: 1, max: 1000 })!;
      const timeLimitS = num('--time-limit', flags.timeLimit, { min: 0.1, max: 24 * 3600 })!;
      const parallel = num('--parallel', flags.parallel, { int: true, min: 1, max: PARALLEL_MAX })!;
      const seedBase = num('--seed', flags.seed, { int: true, min: 0, max: Number.MAX_SAFE_INTEGER - 1000 }) ?? Date.now() % 1_000_000;
      const outDir = resolve(flags.out ?? join(flags.resultsDir, `compare-${timeStamp()}`));
      makeFlagDir(flags.out !== undefined ? '--out' : '--results-dir', flags.out ?? flags.resultsDir, outDir);
      process.stderr.write(`faultline compare ${manifest.name}: ${variants.join(', ')} x ${runs} runs, seeds ${seedBase}..${seedBase + runs - 1}, writing ${outDir}\n`);
      const opt = <T>(v: T | undefined) => (v === undefined ? {} : v);
      const { compare, noVerdict, interrupted } = await runCompare({
        system,
        systemName: manifest.name,
        variants,
        workload,
        nemesis: flags.nemesis === 'none' ? [] : flags.nemesis.split(','),
        runs,
        timeLimitS,
        seedBase,
        parallel,
        outDir,
        ...opt(flags.nodes !== undefined ? { nodes: num('--nodes', flags.nodes, { int: true, min: 1, max: 99 })! } : undefined),
        ...opt(flags.concurrency !== undefined ? { concurrency: num('--concurrency', flags.concurrency, { int: true, min: 1, max: 10_000 })! } : undefined),
        ...opt(flags.rate !== undefined ? { rateOpsPerSec: num('--rate', flags.rate, { min: 0.001, max: 1_000_000 })! } : undefined),
        ...opt(flags.nemesisInterval !== undefined ? { nemesisIntervalS: num('--nemesis-interval', flags.nemesisInterval, { min: 0.001, max: 3600 })! } : undefined),
        ...opt(flags.opTimeout !== undefined ? { opTimeoutMs: num('--op-timeout', flags.opTimeout, { int: true, min: 1, max: 600_000 })! } : undefined),
      });
      process.stdout.write(`${compareTable(compare)}\n`);
      for (const n of noVerdict) {
        process.stderr.write(`no verdict: ${n.variant} seed ${n.seed}: exit ${String(n.outcome.exitCode)}${n.outcome.timedOut ? ' (timed out)' : ''}; log: ${join(outDir, 'runs', `${n.variant}-seed-${n.seed}.log`)}\n`);
      }
      process.stderr.write(`compare: ${join(outDir, 'compare.json')}  page: ${join(outDir, 'compare.html')}\n`);
      process.exitCode = interrupted ? EXIT.invalid : noVerdict.length > 0 ? EXIT.crash : EXIT.valid;
    });
}
