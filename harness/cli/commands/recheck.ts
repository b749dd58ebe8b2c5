/**
 * `faultline recheck <run dir>`: run the checkers again on a stored history, complete or partial
 * (a run whose harness was killed keeps everything it recorded; ops left open count as crashed).
 * Writes results.json again, keeping the run's duration and nemesis errors when it had them.
 *
 *   faultline recheck results/latest
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { nodeIds } from '../../cluster/cluster.js';
import { readRunRecord, writeJson } from '../../run/folder.js';
import { readStoredHistory } from '../../run/history.js';
import { summaryLines } from '../../run/report.js';
import { judgeByFaults, recordedManifest } from '../../nemesis/faults/index.js';
import { checkHistory, composeResults, verdictRules } from '../../run/run.js';
import { nodeCrashesSchema, type RunResults } from '../../run/results.js';
import { workloadNames, workloads } from '../../../workloads/index.js';
import type { Workload } from '../../../workloads/types.js';
import { validateWorkloadOptions } from '../../run/config.js';
import { writeRunReport } from '../../report/index.js';

/** Registers `faultline recheck`. */
export function register(program: Command): void {
  program
    .command('recheck')
    .description("re-run the checkers on a run folder's stored history (complete or partial)")
    .argument('<run-dir>', 'the run folder (e.g. results/latest)')
    .option('--json', 'print results.json on stdout')
    .action(async (dirArg: string, opts: { json?: boolean }) => {
      const runDir = resolve(dirArg);
      if (!existsSync(runDir)) throw new UsageError(`${dirArg}: no such run folder`);
      const record = readRunRecord(runDir);
      const name = record.workload ?? 'register';
      const workload = Object.hasOwn(workloads, name) ? workloads[name] : undefined;
      if (!workload) throw new UsageError(`${join(runDir, 'run.json')}: unknown workload "${name}" (known: ${workloadNames().join(', ')})`);
      const historyPath = join(runDir, 'history.jsonl');
      const { events, tornTail } = readStoredHistory(historyPath);
      if (tornTail) process.stderr.write(`faultline: ${historyPath}: the last line was cut short (the run was interrupted); left out\n`);
      let previous: Record<string, unknown> = {};
      try {
        previous = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as Record<string, unknown>;
      } catch {
        /* a partial run has no results.json yet */
      }
      // The workload's options the run was checked with (run.json), so that a recheck judges alike.
      const outcome = await checkHistory(workload, events, recordedWorkloadOptions(record as Record<string, unknown>, name, workload, join(runDir, 'run.json')));
      // What the run saw of its nodes is not in the history: it is kept from the run's results.
      const crashes = nodeCrashesSchema.safeParse(previous.nodeCrashes);
      const composed = composeResults(outcome, events, crashes.success ? crashes.data : [], {
        durationMs: typeof previous.durationMs === 'number' ? previous.durationMs : null,
        nemesisErrors: Array.isArray(previous.nemesisErrors) ? (previous.nemesisErrors as string[]) : [],
      }, verdictRules(record, workload));
      const results: RunResults = {
        ...judgeByFaults(composed, events, recordedManifest(previous), nodeIds(typeof record.nodes === 'number' ? record.nodes : 0)),
        rechecked: { at: new Date().toISOString(), events: events.length, partial: tornTail || previous.stats === undefined },
        // A Maelstrom run's message counts were taken by its shims, not from the history: kept too.
        ...(previous.net !== undefined ? { net: previous.net as RunResults['net'] } : {}),
      };
      writeJson(join(runDir, 'results.json'), results);
      writeRunReport(runDir, (t) => process.stderr.write(`faultline: ${t}\n`));
      const lines = summaryLines(results, runDir, typeof record.command === 'string' ? record.command : null);
      if (opts.json) {
        process.stderr.write(`${lines.join('\n')}\n`);
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      } else process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = results.exitCode;
    });
}

/**
 * The workload options of a run's run.json, checked by the workload: `workloadOptions`, or, in
 * run folders written before it existed, their one option `consistencyModel`.
 */
function recordedWorkloadOptions(record: Record<string, unknown>, name: string, workload: Workload, file: string): Record<string, unknown> {
  const given = record.workloadOptions ?? (typeof record.consistencyModel === 'string' ? { consistencyModel: record.consistencyModel } : {});
  if (!given || typeof given !== 'object' || Array.isArray(given)) throw new UsageError(`${file}: workloadOptions: must be an object`);
  return validateWorkloadOptions(name, workload, given as Record<string, unknown>, (option) => `${file}: workloadOptions.${option}`);
}
