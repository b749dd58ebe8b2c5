/**
 * Reads a JSON Lines transactional history file straight into its transaction table
 * (./txns.ts), one line at a time, without keeping the events: a million transactions held as
 * event objects take about 1 GB of heap, and every full collection during the check walks them
 * (docs/transactional.md, "Performance"). Only each transaction's micro-operations stay, in the
 * table's `ops` column, for the checker and its explanations.
 *
 *   const txns = await readTxnTableFile('history.jsonl', ['append', 'r']);
 *   const result = checkListAppendTable(txns, { consistencyModel: 'serializable' });
 *
 * JSONL only: EDN and the other formats are read whole (`readHistory`), then `buildTxnTable`.
 */
import { HistoryError } from '../history/errors.js';
import { readJsonlFile, type JsonlOptions } from '../history/jsonl.js';
import { TxnTableBuilder, type TxnTable } from './txns.js';
import { TxnHistoryError } from './types.js';

/**
 * The transaction table of the JSONL history at `path`. Bad lines are refused as `readHistory`
 * refuses them; a bad transaction as `buildTxnTable` does, as a HistoryError naming its line.
 */
export async function readTxnTableFile(path: string, allowedFs: readonly string[], options: Omit<JsonlOptions, 'onEvent'> = {}): Promise<TxnTable> {
  const builder = new TxnTableBuilder(allowedFs);
  let pos = 0;
  await readJsonlFile(path, {
    ...options,
    onEvent: (event, lineNo) => {
      try {
        builder.add(event, pos++);
      } catch (err) {
        if (err instanceof TxnHistoryError) throw new HistoryError(err.message, { file: path, line: lineNo });
        throw err;
      }
    },
  });
  return builder.finish(pos);
}
