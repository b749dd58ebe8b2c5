/**
 * `faultline check <history> --checker lock|watch`: the lock service checkers on a stored history
 * (checkers/lock: `mutex`, `fenced-register`, `lease-safety`, `watch-streams` for `lock`;
 * `watch-streams` for `watch`), the same verdicts a `run` of the `lock` or `watch` workload gives.
 * Exit 0 valid, 1 invalid, 2 unknown; a history with no lock turns (or watch polls) is bad input.
 *
 *   faultline check results/latest/history.jsonl --checker lock
 */
import type { HistoryFormat } from '../../checkers/history/index.js';
import { isHarnessEvent } from '../../checkers/history/types.js';
import { workloads } from '../../workloads/index.js';
import { readHistoryForCheck, requireCheckedOperations } from './read.js';

export interface LockCheckOptions {
  checker: 'lock' | 'watch';
  format: HistoryFormat | 'auto';
  json: boolean;
  timeLimitMs?: number;
}

/** Runs the checkers and prints one line per checker (or the JSON); returns the exit code. */
export async function runLockCheck(file: string, o: LockCheckOptions): Promise<number> {
  const history = await readHistoryForCheck(file, o.format);
  const f = o.checker === 'lock' ? 'lock' : 'watch';
  const checked = history.events.filter((e) => !isHarnessEvent(e) && e.f === f && e.type !== 'invoke').length;
  requireCheckedOperations(file, history, checked, o.checker === 'lock' ? 'lock turns' : 'watch polls');
  const out = await workloads[o.checker]!.checker(history.events, { timeLimitMs: o.timeLimitMs ?? 60_000 });
  const verdicts = Object.values(out.checkers).map((c) => c.valid);
  const valid = verdicts.includes(false) ? false : verdicts.includes('unknown') ? 'unknown' : true;
  if (o.json) process.stdout.write(`${JSON.stringify({ valid, ...out })}\n`);
  else {
    for (const [name, c] of Object.entries(out.checkers)) process.stdout.write(`${name}: ${c.valid === true ? 'valid' : c.valid === false ? 'INVALID' : 'unknown'}: ${c.explanation ?? ''}\n`);
  }
  return valid === true ? 0 : valid === false ? 1 : 2;
}
