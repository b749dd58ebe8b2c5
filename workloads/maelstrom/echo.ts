/**
 * Maelstrom's `echo` workload: clients send `{"type":"echo","echo":"Please echo 12"}` and expect
 * `{"type":"echo_ok","echo":"Please echo 12"}`; the checker requires every ok reply to carry
 * exactly what was sent (anomaly `unexpected-echo`).
 *
 *   faultline maelstrom test -w echo --bin examples/maelstrom/js/echo.js --time-limit 5
 */
import { isHarnessEvent, type HistoryEvent } from '../../checkers/history/types.js';
import { pairOperations } from '../../checkers/history/pair.js';
import { each } from '../generator.js';
import type { Completion, Workload } from '../types.js';
import { onAnyFree } from './gen.js';
import { withMaelstromOptions } from './options.js';
import { outcomeOf, type Finding } from './verdict.js';

export const echo: Workload = {
  name: 'echo',
  description: "Maelstrom's echo: every ok reply echoes exactly what was sent",
  options: withMaelstromOptions(null),
  generator: (opts) => onAnyFree(opts.rng, (n, rng) => [{ f: 'echo', value: `Please echo ${n + 1}` }, rng]),
  client: {
    request: (op) => ({ type: 'echo', echo: op.value }),
    complete(_op, reply): Completion {
      if (reply.type !== 'echo_ok') throw new Error(`expected echo_ok, got ${String(reply.type)}`);
      return { type: 'ok', value: reply.echo === undefined ? null : reply.echo };
    },
    readOnly: () => true,
  },
  finalGenerator: () => each([]),
  observedWrites: (history: readonly HistoryEvent[]) => history.filter((e) => !isHarnessEvent(e) && e.type === 'ok').length,
  async checker(history) {
    const findings: Finding[] = [];
    let ok = 0;
    for (const op of pairOperations(history).operations) {
      if (op.status !== 'ok') continue;
      ok++;
      if (JSON.stringify(op.output) !== JSON.stringify(op.input)) {
        findings.push({ anomaly: 'unexpected-echo', event: op.complete!, text: `process ${op.process} sent ${JSON.stringify(op.input)} and got ${JSON.stringify(op.output)} back` });
      }
    }
    return outcomeOf('echo', findings, { okCount: ok }, `all ${ok} ok echoes carried what was sent`);
  },
};
