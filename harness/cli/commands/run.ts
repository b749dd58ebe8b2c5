/**
 * `faultline run`: start a system, drive clients at it under faults, check the history.
 *
 *   faultline run --system atomic-kv --workload register --nemesis kill,pause --time-limit 15
 *
 *   faultline run --schedule results/latest     (the nemesis steps of that run, replayed)
 *
 * Exit 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crash (e.g. a node died at start).
 */
import type { Command } from 'commander';
import { addRunFlags, resolveRunFlags, type RunFlags } from '../../run/config.js';
import { summaryLines } from '../../run/report.js';
import { runTest } from '../../run/run.js';
import { readSchedule, REPLAY_CAVEAT, replayFlags } from '../../nemesis/replay.js';
import { UsageError } from '../exit.js';

interface RunOptions extends RunFlags {
  json?: boolean;
  schedule?: string;
}

/** Registers `faultline run`. */
export function register(program: Command): void {
  addRunFlags(program.command('run').description('start a system, drive concurrent clients at it under faults, and check the history'))
    .option('--json', 'print results.json on stdout (and everything else on stderr)')
    .option('--schedule <run-dir|schedule.json>', `replay the nemesis steps of a run (its schedule.json) instead of planning: ${REPLAY_CAVEAT}; system, variant, workload, nodes, seed and time limit default from that run`)
    .action(async (opts: RunOptions) => {
      const note = (t: string) => process.stderr.write(`${t}\n`);
      const { json, schedule: scheduleArg, ...given } = opts;
      const replay = scheduleArg === undefined ? undefined : readSchedule(scheduleArg);
      const flags = replay ? replayFlags(given, replay.path, replay.schedule) : given;
      const resolved = resolveRunFlags(flags, note);
      if (replay && resolved.manifest.name !== replay.schedule.system) {
        throw new UsageError(`--system ${flags.system} conflicts with --schedule ${replay.path}, recorded with the system ${replay.schedule.system}`);
      }
      if (replay) {
        resolved.replay = replay;
        note(`faultline: replaying ${replay.path}: ${REPLAY_CAVEAT}`);
      }
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
