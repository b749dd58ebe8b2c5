/**
 * `faultline hunt`: short seeded runs of one system and variant until the first anomaly or the
 * budget, then the failing schedule shrunk by replaying it (harness/hunt/, docs/hunt.md).
 *
 *   faultline hunt --system raftkv --variant no-idempotent-receiver --budget 3m
 *
 * Exit 1 an anomaly found (as `run` for invalid), 0 none found within the budget (a clear line
 * says so; it proves no more than that many valid runs), 130/143 interrupted, 254 bad flags,
 * 255 every run crashed before it had a verdict.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, FaultlineError, UsageError } from '../exit.js';
import { parseDecimalInt, parseDurationMs } from '../flags.js';
import { parseRunNumber, resolveRunFlags } from '../../run/config.js';
import { makeFlagDir } from '../../run/folder.js';
import { PARALLEL_MAX, timeStamp } from '../../suite/run-suite.js';
import { freshSeed } from '../../random.js';
import { hunt } from '../../hunt/hunt.js';
import { swarmHunt } from '../../hunt/swarm.js';

interface HuntFlags {
  system?: string;
  variant?: string;
  workload?: string;
  nodes?: string;
  budget: string;
  parallel: string;
  tries: string;
  timeLimit: string;
  seed?: string;
  shrink: boolean;
  shrinkBudget: string;
  out?: string;
  resultsDir: string;
  simulate?: boolean;
  case?: string;
}

/**
 * Runs at once by default. Measured on the 2-core machine (docs/hunt.md): two runs at a time
 * finished more runs per minute than one, and caught the same anomalies sooner.
 */
export const HUNT_PARALLEL_DEFAULT = 2;
/** The longest budget a hunt or its shrink takes (a day). */
const BUDGET_MS_MAX = 86_400_000;
/** The most tries of one shrink candidate. */
const TRIES_MAX = 20;

/** Registers `faultline hunt`. */
export function register(program: Command): void {
  program
    .command('hunt')
    .description('run short seeded runs of one system and variant, varying seed and faults, until the first anomaly or the budget; then shrink the failing schedule by replaying it')
    .option('--system <name|path>', 'system name, or path to its faultline.system.json (default: raftkv if built)')
    .option('--variant <name>', "variant of the system (default: the manifest's defaultVariant)")
    .option('--workload <name>', "workload (default: the manifest's default)")
    .option('--nodes <n>', "number of nodes (default: the manifest's default)")
    .option('--budget <duration>', 'time to search for an anomaly, e.g. 90s, 3m, 1h', '5m')
    .option('--parallel <n>', `runs at once (1..${PARALLEL_MAX})`, String(HUNT_PARALLEL_DEFAULT))
    .option('--tries <n>', `runs of each shrink candidate before it counts as passing (1..${TRIES_MAX})`, '3')
    .option('--time-limit <s>', 'seconds of each run of the search', '15')
    .option('--seed <n>', "the hunt's root seed: each run's seed and fault mix derive from it (default: a fresh one)")
    .option('--no-shrink', 'stop at the first anomaly, without shrinking its schedule')
    .option('--shrink-budget <duration>', 'time the shrink may take after the anomaly is found', '10m')
    .option('--out <dir>', 'write into exactly this folder (default: <results-dir>/hunt-<time>)')
    .option('--results-dir <dir>', 'parent folder of the hunt folder', 'results')
    .option('--simulate', "hunt in the system's deterministic simulator instead of real processes: many short cases per second, each with its own faults (swarm testing)")
    .option('--case <file>', 'with --simulate: replay exactly this case.json (written by an earlier simulated hunt) and write its report')
    .addHelpText(
      'after',
      '\nEach run is `faultline run` with a seed and fault mix drawn from the hunt\'s seed: the first run the combined default nemesis, later ones\n' +
        'the default one time in three, otherwise one to three fault kinds, overlapping. The shrink replays the failing schedule (run --schedule)\n' +
        'with fewer faults (ddmin: halves, quarters, ..., single faults) and a time limit cut to just after the last fault and the anomaly.\n' +
        'Exit codes: 1 anomaly found; 0 none found within the budget; 130/143 interrupted; 254 bad flag; 255 no run reached a verdict.\n' +
        'Writes hunt.json, attempt-NNN/ (one run folder per run, its log beside it) and candidate-NNN.json (the shrink\'s schedules).\n' +
        '\nWith --simulate (docs/hunt.md): cases of the core in the deterministic simulator, each with a seeded subset and intensity of faults and of\n' +
        'the simulator\'s fault points; invariants and the workload\'s checker judge each; the failing case is shrunk exactly (shorter, fewer faults,\n' +
        'clients, keys, nodes). Writes hunt.json, found/ and shrunk/ (run folders with case.json and report.html). --parallel and --tries do not apply.',
    )
    .action(async (flags: HuntFlags) => {
      const note = (t: string) => process.stderr.write(`${t}\n`);
      if (flags.case !== undefined && flags.simulate !== true) throw new UsageError('--case replays a simulated case: give --simulate too');
      if (flags.simulate === true) {
        await simulateAction(flags, note);
        return;
      }
      // The run flags the hunt passes on are checked as `run` checks them, before anything runs.
      const resolved = resolveRunFlags({ system: flags.system, variant: flags.variant, workload: flags.workload, nodes: flags.nodes, timeLimit: flags.timeLimit }, note);
      const budgetMs = parseDurationMs('--budget', flags.budget, { min: 1000, max: BUDGET_MS_MAX });
      const shrinkBudgetMs = parseDurationMs('--shrink-budget', flags.shrinkBudget, { min: 0, max: BUDGET_MS_MAX });
      const parallel = parseDecimalInt('--parallel', flags.parallel, { min: 1, max: PARALLEL_MAX });
      const tries = parseDecimalInt('--tries', flags.tries, { min: 1, max: TRIES_MAX });
      const seed = flags.seed !== undefined ? parseRunNumber('seed', flags.seed) : freshSeed();
      const outDir = resolve(flags.out ?? join(flags.resultsDir, `hunt-${timeStamp()}`));
      makeFlagDir(flags.out !== undefined ? '--out' : '--results-dir', flags.out ?? flags.resultsDir, outDir);
      const { config, manifest } = resolved;
      const result = await hunt({
        systemArg: flags.system ?? manifest.name,
        manifest,
        variant: config.variant,
        ...(flags.workload !== undefined ? { workload: config.workload } : {}),
        nodes: config.nodes,
        seed,
        timeLimitS: config.timeLimitS,
        budgetMs,
        parallel,
        tries,
        shrink: flags.shrink,
        shrinkBudgetMs,
        outDir,
        log: note,
      });
      process.stdout.write(`${result.lines.join('\n')}\n`);
      const r = result.record;
      if (result.signal !== null) process.exitCode = result.signal === 'SIGINT' ? 130 : 143;
      else if (r.outcome === 'found') process.exitCode = EXIT.invalid;
      else if (r.attempts.length > 0 && r.attempts.every((a) => a.verdict === 'error')) {
        throw new FaultlineError(`no run of the hunt reached a verdict: ${r.attempts[0]!.note ?? 'see the attempts in hunt.json'}`, EXIT.crash);
      } else process.exitCode = EXIT.valid;
    });
}

/** `hunt --simulate`: the swarm hunt in the system's simulator (harness/hunt/swarm.ts). */
async function simulateAction(flags: HuntFlags, note: (t: string) => void): Promise<void> {
  const resolved = resolveRunFlags({ system: flags.system, variant: flags.variant, nodes: flags.nodes }, note);
  const budgetMs = parseDurationMs('--budget', flags.budget, { min: 1000, max: BUDGET_MS_MAX });
  const shrinkBudgetMs = parseDurationMs('--shrink-budget', flags.shrinkBudget, { min: 0, max: BUDGET_MS_MAX });
  const seed = flags.seed !== undefined ? parseRunNumber('seed', flags.seed) : freshSeed();
  const outDir = resolve(flags.out ?? join(flags.resultsDir, `hunt-${timeStamp()}`));
  makeFlagDir(flags.out !== undefined ? '--out' : '--results-dir', flags.out ?? flags.resultsDir, outDir);
  const r = await swarmHunt({
    systemArg: flags.system ?? resolved.manifest.name,
    manifest: resolved.manifest,
    variant: resolved.config.variant,
    seed,
    budgetMs,
    shrink: flags.shrink,
    shrinkBudgetMs,
    outDir,
    ...(flags.case !== undefined ? { caseFile: resolve(flags.case) } : {}),
    log: note,
  });
  process.stdout.write(`${r.lines.join('\n')}\n`);
  if (r.signal !== null) process.exitCode = r.signal === 'SIGINT' ? 130 : 143;
  else if (r.record.outcome === 'found') process.exitCode = EXIT.invalid;
  else if (r.record.outcome === 'unknown-only') process.exitCode = EXIT.unknown;
  else process.exitCode = EXIT.valid;
}
