/**
 * Maelstrom's `unique-ids` workload: clients send `{"type":"generate"}` and expect
 * `{"type":"generate_ok","id":...}`; the checker requires every acknowledged id to be distinct
 * from every other (anomaly `duplicated-id`), whatever the faults (Maelstrom's `totally
 * available` claim: every node answers on its own).
 *
 *   faultline maelstrom test -w unique-ids --bin examples/maelstrom/js/unique-ids.js --nemesis partition
 */
import { isHarnessEvent, type HistoryEvent } from '../../checkers/history/types.js';
import { pairOperations } from '../../checkers/history/pair.js';
import { each } from '../generator.js';
import type { Completion, Workload } from '../types.js';
import { onAnyFree } from './gen.js';
import { withMaelstromOptions } from './options.js';
import { outcomeOf, type Finding } from './verdict.js';

export const uniqueIds: Workload = {
  name: 'unique-ids',
  description: "Maelstrom's unique-ids: every generated id is distinct",
  options: withMaelstromOptions(null),
  generator: (opts) => onAnyFree(opts.rng, (_n, rng) => [{ f: 'generate', value: null }, rng]),
  client: {
    request: () => ({ type: 'generate' }),
    complete(_op, reply): Completion {
      if (reply.type !== 'generate_ok') throw new Error(`expected generate_ok, got ${String(reply.type)}`);
      if (reply.id === undefined || reply.id === null) throw new Error('generate_ok without an id');
      return { type: 'ok', value: reply.id };
    },
    // A generate that timed out took no id anyone could see: nothing to keep unique.
    readOnly: () => true,
  },
  finalGenerator: () => each([]),
  observedWrites: (history: readonly HistoryEvent[]) => history.filter((e) => !isHarnessEvent(e) && e.type === 'ok').length,
  async checker(history) {
    const firstSeen = new Map<string, { process: number; index: number }>();
    const findings: Finding[] = [];
    let attempted = 0;
    let acknowledged = 0;
    for (const op of pairOperations(history).operations) {
      attempted++;
      if (op.status !== 'ok') continue;
      acknowledged++;
      const id = JSON.stringify(op.output);
      const seen = firstSeen.get(id);
      if (seen) {
        findings.push({ anomaly: 'duplicated-id', event: op.complete!, text: `id ${id} was given to process ${op.process} (event ${op.complete!.index}) and before to process ${seen.process} (event ${seen.index})` });
      } else {
        firstSeen.set(id, { process: op.process, index: op.complete!.index });
      }
    }
    return outcomeOf('unique-ids', findings, { attemptedCount: attempted, acknowledgedCount: acknowledged, duplicatedCount: findings.length }, `all ${acknowledged} acknowledged ids are distinct`);
  },
};
