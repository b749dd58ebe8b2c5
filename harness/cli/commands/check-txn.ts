/**
 * `faultline check <file> --checker list-append|rw-register`: read a transactional history (our
 * JSONL or Jepsen EDN, `[:append k v]`, `[:r k [..]]`, `[:w k v]`), check it against a consistency
 * model, print the verdict with every anomaly explained (or the whole result as JSON), and return
 * the exit code (0 valid, 1 invalid, 2 unknown). A history the checker cannot read is bad input
 * (254) with one message.
 *
 *   faultline check history.jsonl --checker list-append
 *   faultline check elle.edn --checker list-append --consistency-model snapshot-isolation --json
 *   faultline check regs.jsonl --checker rw-register --linearizable-keys
 */
import type { HistoryFormat } from '../../../checkers/history/index.js';
import { readHistoryForCheck, requireCheckedOperations } from '../../check/read.js';
import { checkListAppend } from '../../../checkers/transactional/list-append.js';
import { isConsistencyModel } from '../../../checkers/transactional/models.js';
import { checkRwRegister } from '../../../checkers/transactional/rw-register.js';
import type { TxnCheckResult } from '../../../checkers/transactional/types.js';
import { CONSISTENCY_MODELS, TxnHistoryError } from '../../../checkers/transactional/types.js';
import { exitCodeForVerdict, UsageError } from '../exit.js';

/** Options of a transactional check, as the CLI parsed them. */
export interface TxnCheckCliOptions {
  checker: 'list-append' | 'rw-register';
  format: HistoryFormat | 'auto';
  json: boolean;
  consistencyModel?: string;
  /** Edge visits per anomaly kind per component before a search gives up. */
  cycleSearchBudget?: number;
  /** Wall-clock limit for the cycle searches. */
  timeLimitMs?: number;
  linearizableKeys?: boolean;
  sequentialKeys?: boolean;
}

/** How many examples of each anomaly type the text output shows. */
const TEXT_EXAMPLES_MAX = 3;

/** Checks one history file; returns the exit code. Writes the verdict to `out`. */
export async function runTxnCheck(
  file: string,
  options: TxnCheckCliOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const model = options.consistencyModel ?? 'strict-serializable';
  if (!isConsistencyModel(model)) {
    throw new UsageError(`unknown consistency model "${model}" (one of: ${CONSISTENCY_MODELS.join(', ')})`);
  }
  if (options.cycleSearchBudget !== undefined && !(Number.isInteger(options.cycleSearchBudget) && options.cycleSearchBudget > 0)) {
    throw new UsageError(`--cycle-search-budget must be a positive integer, got ${options.cycleSearchBudget}`);
  }
  const history = await readHistoryForCheck(file, options.format);
  let result: TxnCheckResult;
  try {
    const common = {
      consistencyModel: model,
      ...(options.cycleSearchBudget !== undefined ? { cycleSearchBudget: options.cycleSearchBudget } : {}),
      ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
    };
    result =
      options.checker === 'list-append'
        ? checkListAppend(history.events, common)
        : checkRwRegister(history.events, {
            ...common,
            linearizableKeys: options.linearizableKeys ?? false,
            sequentialKeys: options.sequentialKeys ?? false,
          });
  } catch (err) {
    if (err instanceof TxnHistoryError) {
      const line = err.position >= 0 ? history.lines[err.position] : undefined;
      throw new UsageError(line ? `${file}:${line}: ${err.message}` : `${file}: ${err.message}`);
    }
    throw err;
  }
  requireCheckedOperations(file, history, result.stats.txns, 'transactions (operations with f "txn")');
  out(options.json ? JSON.stringify(result, null, 2) + '\n' : formatTxnResult(result));
  return exitCodeForVerdict(result.valid);
}

/** The verdict as text: the summary, then a few explained examples of each anomaly type. */
export function formatTxnResult(r: TxnCheckResult): string {
  const lines: string[] = [r.explanation];
  for (const type of r.anomalyTypes) {
    const list = r.anomalies[type] ?? [];
    lines.push('', `${type} (${list.length}${list.length >= 8 ? '+' : ''} found):`);
    for (const a of list.slice(0, TEXT_EXAMPLES_MAX)) lines.push(indent(a.text));
  }
  if (r.not.length) lines.push('', `Not ${r.not.join(', ')}; also not ${r.alsoNot.join(', ') || '-'}.`);
  const s = r.stats;
  lines.push('', `${s.txns} transactions (${s.ok} ok, ${s.info} info, ${s.fail} fail), ${s.keys} keys, ${s.edges} edges, ${s.sccs} groups of transactions in dependency cycles (largest ${s.largestScc}), ${s.timeMs} ms.`);
  return lines.join('\n') + '\n';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
