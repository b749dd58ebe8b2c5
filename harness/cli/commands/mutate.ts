/**
 * `faultline mutate`: the mutation score of a system's tests (harness/mutate/, docs/mutate.md).
 *
 *   faultline mutate --system raftkv --budget 30m
 *
 * Exit 0 when every mutant run was killed or set aside as equivalent, 1 when some survived (the
 * survivors are printed: where the hunts are blind), 254 bad flags, 255 the unmutated system
 * fails the hunt itself.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { parseDecimalInt, parseDurationMs } from '../flags.js';
import { parseRunNumber, resolveRunFlags } from '../../run/config.js';
import { makeFlagDir } from '../../run/folder.js';
import { PARALLEL_MAX, timeStamp } from '../../suite/run-suite.js';
import { freshSeed } from '../../random.js';
import { defaultFiles, mutate, readEquivalent, sourceDirOf } from '../../mutate/mutate.js';

interface MutateFlags {
  system?: string;
  variant?: string;
  files?: string;
  budget: string;
  sim: string;
  real: string;
  parallel: string;
  seed?: string;
  equivalent?: string;
  out?: string;
  resultsDir: string;
}

/** The longest budget (a day). */
const BUDGET_MS_MAX = 86_400_000;

/** Registers `faultline mutate`. */
export function register(program: Command): void {
  program
    .command('mutate')
    .description("make mutants of a system's core, hunt each in the simulator (and survivors on real processes), and print the mutation score: where the tests are blind")
    .option('--system <name|path>', 'system name (a built one; default: raftkv if built)')
    .option('--variant <name>', "variant the mutants start from (default: the manifest's defaultVariant)")
    .option('--files <list>', "comma-separated source files to mutate, relative to the system's folder (default: every file in its core/)")
    .option('--budget <duration>', 'time for all mutants, e.g. 10m, 1h', '30m')
    .option('--sim <duration>', "each mutant's simulated hunt budget", '10s')
    .option('--real <duration>', 'real-process hunt budget of a mutant the simulator leaves alive (0 for none)', '0s')
    .option('--parallel <n>', `mutants at once (1..${PARALLEL_MAX})`, '2')
    .option('--seed <n>', 'seed of the mutant order and of every hunt (default: a fresh one)')
    .option('--equivalent <file>', 'ids of mutants to set aside as equivalent, one a line (# comments)')
    .option('--out <dir>', 'write into exactly this folder (default: <results-dir>/mutate-<time>)')
    .option('--results-dir <dir>', 'parent folder of the mutate folder', 'results')
    .action(async (flags: MutateFlags) => {
      const note = (t: string) => process.stderr.write(`${t}\n`);
      const { config, manifest } = resolveRunFlags({ system: flags.system, variant: flags.variant }, note);
      const budgetMs = parseDurationMs('--budget', flags.budget, { min: 1000, max: BUDGET_MS_MAX });
      const simMs = parseDurationMs('--sim', flags.sim, { min: 1000, max: BUDGET_MS_MAX });
      const realMs = parseDurationMs('--real', flags.real, { min: 0, max: BUDGET_MS_MAX });
      const parallel = parseDecimalInt('--parallel', flags.parallel, { min: 1, max: PARALLEL_MAX });
      const seed = flags.seed !== undefined ? parseRunNumber('seed', flags.seed) : freshSeed();
      const files = flags.files !== undefined ? flags.files.split(',').map((f) => f.trim()).filter((f) => f !== '') : defaultFiles(sourceDirOf(manifest));
      const outDir = resolve(flags.out ?? join(flags.resultsDir, `mutate-${timeStamp()}`));
      makeFlagDir(flags.out !== undefined ? '--out' : '--results-dir', flags.out ?? flags.resultsDir, outDir);
      const r = await mutate({
        systemArg: flags.system ?? manifest.name, manifest, variant: config.variant, files, seed, budgetMs, simMs, realMs, parallel,
        equivalent: flags.equivalent !== undefined ? readEquivalent(flags.equivalent) : new Set(), outDir, log: note,
      });
      process.stdout.write(`${r.lines.join('\n')}\n`);
      process.exitCode = r.record.results.some((x) => x.fate === 'survived') ? EXIT.invalid : EXIT.valid;
    });
}
