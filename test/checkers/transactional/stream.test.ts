/**
 * A JSONL history streamed into the transaction table (readTxnTableFile) is checked exactly as
 * the same history read as events: same verdict, anomalies, explanations and statistics, on
 * simulated histories at several isolation levels and on Elle's corpus when it is present; a bad
 * transaction is refused with its file:line.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readHistory, type HistoryEvent } from '../../../checkers/history/index.js';
import { formatEvent } from '../../../checkers/history/jsonl.js';
import { checkListAppend, checkListAppendTable } from '../../../checkers/transactional/list-append.js';
import { readTxnTableFile } from '../../../checkers/transactional/stream.js';
import type { ConsistencyModel, TxnCheckResult } from '../../../checkers/transactional/types.js';
import { corpusDir } from '../../support/corpus.js';
import { simulate, type SimIsolation } from '../../support/txn-sim.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-txn-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJsonl(name: string, events: readonly HistoryEvent[]): string {
  const file = join(dir, name);
  writeFileSync(file, events.map((e) => formatEvent(e) + '\n').join(''));
  return file;
}

/** The result without its timing. */
function untimed(r: TxnCheckResult): unknown {
  return { ...r, stats: { ...r.stats, timeMs: 0 } };
}

async function expectSame(file: string, model: ConsistencyModel): Promise<TxnCheckResult> {
  const objects = checkListAppend((await readHistory(file)).events, { consistencyModel: model });
  const streamed = checkListAppendTable(await readTxnTableFile(file, ['append', 'r']), { consistencyModel: model });
  expect(untimed(streamed)).toEqual(untimed(objects));
  return streamed;
}

describe('readTxnTableFile', () => {
  test('simulated histories: the streamed check equals the check of the events, valid or not', async () => {
    const verdicts: Array<boolean | 'unknown'> = [];
    for (const isolation of ['serializable', 'snapshot-isolation', 'read-committed', 'lost-commit'] as SimIsolation[]) {
      // Arrange
      const events = simulate({ seed: 7, workload: 'list-append', isolation, txns: 400, concurrency: 8, gen: { activeKeys: 5 } });
      const file = writeJsonl(`${isolation}.jsonl`, events);
      // Act, Assert
      for (const model of ['serializable', 'strict-serializable', 'read-committed'] as ConsistencyModel[]) verdicts.push((await expectSame(file, model)).valid);
    }
    expect(verdicts).toContain(false);
    expect(verdicts).toContain(true);
  });

  test("Elle's corpus histories (skipped without the corpus)", async (ctx) => {
    const root = corpusDir();
    const names = ['huge-scc.edn', 'si-without-g-single.edn'].filter((n) => root && existsSync(join(root, 'elle', 'histories', n)));
    if (names.length === 0) return ctx.skip('corpus absent');
    for (const name of names) {
      const file = writeJsonl(`${name}.jsonl`, (await readHistory(join(root!, 'elle', 'histories', name))).events);
      for (const model of ['strict-serializable', 'repeatable-read', 'snapshot-isolation'] as ConsistencyModel[]) await expectSame(file, model);
    }
  });

  test('a bad transaction is refused with its file and line', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      [
        { index: 0, type: 'invoke', process: 0, f: 'txn', value: [['append', 1, 1]] },
        { index: 1, type: 'invoke', process: 1, f: 'txn', value: [['frob', 1, 2]] },
      ]
        .map((e) => JSON.stringify(e) + '\n')
        .join(''),
    );
    await expect(readTxnTableFile(file, ['append', 'r'])).rejects.toThrow(`${file}:2: `);
  });
});
