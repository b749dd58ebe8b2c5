/**
 * `faultline run`: start a system, drive clients at it under faults, check the history.
 *
 *   faultline run --system atomic-kv --workload register --nemesis kill,pause --time-limit 15
 *
 * Exit 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crash (e.g. a node died at start).
 */
import type { Command } from 'commander';
import { FAULT_KINDS } from '../../nemesis/schedule.js';
import { resolveRunFlags, type RunFlags } from '../../run/config.js';
import { summaryLines } from '../../run/report.js';
import { runTest } from '../../run/run.js';

interface RunOptions extends RunFlags {
  json?: boolean;
}

/** Registers `faultline run`. */
export function register(program: Command): void {
  program
    .command('run')
    .description('start a system, drive concurrent clients at it under faults, and check the history')
    .option('--system <name|path>', 'system name, or path to its faultline.system.json (default: raftkv if built)')
    .option('--variant <name>', "variant of the system (default: the manifest's defaultVariant)")
    .option('--workload <name>', 'workload (default: register)')
    .option('--nodes <n>', "number of nodes (default: the manifest's default)")
    .option('--concurrency <n>', 'client workers (default: 2 x nodes)')
    .option('--rate <ops/s>', 'ops per second over all workers (default: 100)')
    .option('--time-limit <s>', 'seconds of the main phase (default: 20)')
    .option('--nemesis <list>', `faults: any of ${FAULT_KINDS.join(',')}, or none (default: partition,kill)`)
    .option('--nemesis-interval <s>', 'seconds between fault changes (default: 5)')
    .option('--nemesis-overlap', 'each fault kind on its own schedule, so faults of different kinds overlap')
    .option('--seed <n>', 'root seed (default: a fresh one, printed in the repro command)')
    .option('--toxiproxy <url>', 'use an external toxiproxy-server instead of the embedded one')
    .option('--op-timeout <ms>', 'time an op may take before it is recorded info (default: 1000)')
    .option('--consistency-model <model>', 'list-append, rw-register: the model to check the transactions against (default: strict-serializable)')
    .option('--results-dir <dir>', 'folder of run folders (default: results)')
    .option('--run-dir <dir>', 'use exactly this folder for the run')
    .option('--log-messages', "nodes log their peer messages, drawn as a message diagram in the report")
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
