/**
 * `faultline run`: start a system, drive clients at it under faults, check the history.
 *
 *   faultline run --system atomic-kv --workload register --nemesis kill,pause --time-limit 15
 *
 * Exit 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crash (e.g. a node died at start).
 */
import type { Command } from 'commander';
import { addRunFlags, resolveRunFlags, type RunFlags } from '../../run/config.js';
import { summaryLines } from '../../run/report.js';
import { runTest } from '../../run/run.js';

interface RunOptions extends RunFlags {
  json?: boolean;
}

/** Registers `faultline run`. */
export function register(program: Command): void {
  addRunFlags(program.command('run').description('start a system, drive concurrent clients at it under faults, and check the history'))
    .option('--json', 'print results.json on stdout (and everything else on stderr)')
    .action(async (opts: RunOptions) => {
      const note = (t: string) => process.stderr.write(`${t}\n`);
      const { json, ...flags } = opts;
      const resolved = resolveRunFlags(flags, note);
      const systemArg = flags.system ?? resolved.manifest.name;
      const outcome = await runTest(resolved, systemArg, { note, progress: process.stderr.isTTY === true && !json });
      const lines = summaryLines(outcome.results, outcome.runDir, outcome.command);
      if (json) {
        process.stderr.write(`${lines.join('\n')}\n`);
        process.stdout.write(`${JSON.stringify(outcome.results, null, 2)}\n`);
      } else {
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = outcome.results.exitCode;
    });
}
