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
import { readRunRecord, writeJson } from '../../run/folder.js';
import { readStoredHistory } from '../../run/history.js';
import { summaryLines } from '../../run/report.js';
import { checkHistory, composeResults, verdictRules } from '../../run/run.js';
import { nodeCrashesSchema, type RunResults } from '../../run/results.js';
import { isConsistencyModel } from '../../../checkers/transactional/index.js';
import { workloadNames, workloads } from '../../../workloads/index.js';
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
      // The model the run was checked against (run.json), so that a recheck judges alike.
      const model = typeof record.consistencyModel === 'string' && isConsistencyModel(record.consistencyModel) ? record.consistencyModel : null;
      const outcome = await checkHistory(workload, events, model);
      // What the run saw of its nodes is not in the history: it is kept from the run's results.
      const crashes = nodeCrashesSchema.safeParse(previous.nodeCrashes);
      const results: RunResults = {
        ...composeResults(outcome, events, crashes.success ? crashes.data : [], {
          durationMs: typeof previous.durationMs === 'number' ? previous.durationMs : null,
          nemesisErrors: Array.isArray(previous.nemesisErrors) ? (previous.nemesisErrors as string[]) : [],
        }, verdictRules(record, workload)),
        rechecked: { at: new Date().toISOString(), events: events.length, partial: tornTail || previous.stats === undefined },
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
