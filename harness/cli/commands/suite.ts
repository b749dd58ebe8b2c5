/**
 * `faultline suite <file>` and `faultline suite merge <dirs...>`: run a matrix of tests as CI does,
 * and merge the results of its shards. See harness/suite/ and docs/ci/README.md.
 *
 * Exit codes: 0 when every entry ran and met its expectation, 1 otherwise (an entry failed, had no
 * verdict, or did not run; a merge missing a shard), 254 for a bad suite file or flag.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { parseDecimalInt } from '../flags.js';
import { loadSuite } from '../../suite/spec.js';
import { parseShard } from '../../suite/shard.js';
import { closingLines, PARALLEL_MAX, runSuite, timeStamp } from '../../suite/run-suite.js';
import { makeFlagDir } from '../../run/folder.js';
import { mergeSuites } from '../../suite/merge.js';
import { selectShard } from '../../suite/shard.js';

interface SuiteFlags {
  shard?: string;
  parallel: string;
  out?: string;
  resultsDir: string;
  list?: boolean;
}

/** Registers `faultline suite`. */
export function register(program: Command): void {
  const suite = program
    .command('suite')
    .description('run a matrix of tests (systems x variants x workloads x nemeses x seeds) with expected verdicts, as CI does')
    .argument('<file>', 'suite file (.json, .yaml or .yml)')
    .option('--shard <i/n>', 'run only shard i of n (deterministic split, for CI matrices)')
    .option('--parallel <n>', `entries run at once (1..${PARALLEL_MAX})`, '1')
    .option('--out <dir>', 'write into exactly this folder (default: <results-dir>/suite-<time>)')
    .option('--results-dir <dir>', 'parent folder of the suite folder', 'results')
    .option('--list', 'print the entries (of the shard) and exit without running them')
    .addHelpText(
      'after',
      '\nExit codes: 0 every entry met its expectation; 1 some entry failed, had no verdict or did not run; 254 bad suite file or flag.\n' +
        'Writes summary.json, junit.xml, index.html and runs/<entry>/ (one run folder per entry).',
    )
    .action(async (file: string, flags: SuiteFlags) => {
      const shard = flags.shard !== undefined ? parseShard(flags.shard) : null;
      const parallel = parseDecimalInt('--parallel', flags.parallel, { min: 1, max: PARALLEL_MAX });
      const loaded = loadSuite(file);
      if (flags.list) {
        for (const e of selectShard(loaded.entries, shard)) process.stdout.write(`${e.id}\texpect ${e.expect}\n`);
        process.exitCode = EXIT.valid;
        return;
      }
      const stamp = `suite-${timeStamp()}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}`;
      const outDir = resolve(flags.out ?? join(flags.resultsDir, stamp));
      makeFlagDir(flags.out !== undefined ? '--out' : '--results-dir', flags.out ?? flags.resultsDir, outDir);
      const summary = await runSuite({ suite: loaded, outDir, shard, parallel, suiteFileArg: file });
      for (const l of closingLines(summary, outDir)) process.stderr.write(`${l}\n`);
      process.exitCode = summary.ok ? EXIT.valid : EXIT.invalid;
    });

  suite
    .command('merge')
    .description('merge the results folders of a suite\'s shards into one summary, JUnit file and index')
    .argument('<dirs...>', 'suite results folders (one per shard)')
    .option('--out <dir>', 'folder to write (default: results/suite-merged-<time>)')
    .action((dirs: string[], _flags: unknown, cmd: Command) => {
      // `--out` is also an option of `suite` itself, which commander may hand to the parent: read both.
      const flags = cmd.optsWithGlobals<{ out?: string }>();
      const outDir = resolve(flags.out ?? join('results', `suite-merged-${timeStamp()}`));
      // The folder is made only once every shard folder has been read: a failed merge leaves nothing.
      const merged = mergeSuites(dirs, outDir, flags.out ?? outDir);
      for (const l of closingLines(merged, outDir)) process.stderr.write(`${l}\n`);
      process.exitCode = merged.ok ? EXIT.valid : EXIT.invalid;
    });
}
