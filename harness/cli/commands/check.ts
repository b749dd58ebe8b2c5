/**
 * `faultline check <history>`: check a stored history and exit with the verdict
 * (0 valid, 1 invalid, 2 unknown, 254 bad input).
 *
 *   faultline check history.jsonl --model kv
 *   faultline check examples/histories/cas-register-bad.jsonl --model cas-register
 *   faultline check etcd_002.log --model cas-register --json
 *   faultline check knossos.edn --model cas-register --initial 0
 *
 * `--checker` picks the checker (default `linearizable`); each checker lives in its own module
 * under harness/check/ and takes the options it needs from the ones parsed here.
 */
import { Command, Option } from 'commander';
import { HISTORY_FORMATS, type HistoryFormat } from '../../../checkers/history/index.js';
import { MODELS } from '../../../checkers/linearizable/index.js';
import { runCollectionCheck } from '../../check/collections.js';
import { runLinearizableCheck } from '../../check/linearizable.js';
import { runLockCheck } from '../../check/lock.js';
import { UsageError } from '../exit.js';
import { parseDecimalInt, parseDecimalNumber } from '../flags.js';
import { runTxnCheck } from './check-txn.js';

/** Options every checker shares, as commander parses them. */
interface CheckCliOptions {
  checker: string;
  format: string;
  json?: boolean;
  timeLimit?: string;
  memoryLimit?: string;
  model?: string;
  initial?: string;
  nilRead?: string;
  partition: boolean;
  allPartitions?: boolean;
  consistencyModel?: string;
  cycleSearchBudget?: string;
  linearizableKeys?: boolean;
  sequentialKeys?: boolean;
  method?: string;
  keyed?: boolean;
  linearizable?: boolean;
}

/** The checkers `--checker` can name, and how each runs. Returns the exit code. */
const CHECKERS: Record<string, (file: string, o: CheckCliOptions) => Promise<number>> = {
  linearizable: (file, o) =>
    runLinearizableCheck(file, {
      ...(o.model !== undefined ? { model: o.model } : {}),
      format: o.format as HistoryFormat | 'auto',
      json: o.json ?? false,
      ...(o.timeLimit !== undefined ? { timeLimitMs: parseDecimalNumber('--time-limit', o.timeLimit, { positive: true }) * 1000 } : {}),
      ...(o.memoryLimit !== undefined ? { memoryLimitBytes: parseDecimalNumber('--memory-limit', o.memoryLimit, { positive: true }) * 1024 * 1024 } : {}),
      ...(o.initial !== undefined ? { initial: parseJson(o.initial, '--initial') } : {}),
      ...(o.nilRead !== undefined ? { nilRead: o.nilRead as 'absent' | 'unknown' } : {}),
      partition: o.partition,
      allPartitions: o.allPartitions ?? false,
      ...(o.method !== undefined ? { method: checkMethod(o.method) } : {}),
    }),
  'list-append': (file, o) => runTxnCheck(file, txnOptions('list-append', o)),
  'rw-register': (file, o) => runTxnCheck(file, txnOptions('rw-register', o)),
  'set-full': (file, o) => runCollectionCheck(file, collectionOptions('set-full', o)),
  counter: (file, o) => runCollectionCheck(file, collectionOptions('counter', o)),
  sequential: (file, o) => runCollectionCheck(file, collectionOptions('sequential', o)),
  sessions: (file, o) => runCollectionCheck(file, collectionOptions('sessions', o)),
  lock: (file, o) => runLockCheck(file, lockOptions('lock', o)),
  watch: (file, o) => runLockCheck(file, lockOptions('watch', o)),
};

function collectionOptions(checker: 'set-full' | 'counter' | 'sequential' | 'sessions', o: CheckCliOptions): Parameters<typeof runCollectionCheck>[1] {
  return { checker, format: o.format as HistoryFormat | 'auto', json: o.json ?? false, keyed: o.keyed ?? false, linearizable: o.linearizable ?? false };
}

function lockOptions(checker: 'lock' | 'watch', o: CheckCliOptions): Parameters<typeof runLockCheck>[1] {
  return {
    checker,
    format: o.format as HistoryFormat | 'auto',
    json: o.json ?? false,
    ...(o.timeLimit !== undefined ? { timeLimitMs: parseDecimalNumber('--time-limit', o.timeLimit, { positive: true }) * 1000 } : {}),
  };
}

function txnOptions(checker: 'list-append' | 'rw-register', o: CheckCliOptions): Parameters<typeof runTxnCheck>[1] {
  return {
    checker,
    format: o.format as HistoryFormat | 'auto',
    json: o.json ?? false,
    ...(o.consistencyModel !== undefined ? { consistencyModel: o.consistencyModel } : {}),
    ...(o.cycleSearchBudget !== undefined ? { cycleSearchBudget: parseDecimalInt('--cycle-search-budget', o.cycleSearchBudget, { positive: true }) } : {}),
    ...(o.timeLimit !== undefined ? { timeLimitMs: parseDecimalNumber('--time-limit', o.timeLimit, { positive: true }) * 1000 } : {}),
    linearizableKeys: o.linearizableKeys ?? false,
    sequentialKeys: o.sequentialKeys ?? false,
  };
}

function checkMethod(text: string): 'auto' | 'search' {
  if (text === 'auto' || text === 'search') return text;
  throw new UsageError(`--method: "${text}" is not auto or search`);
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${flag} must be JSON (e.g. 0, null, "a", {"x":0,"y":0}), got ${text}`);
  }
}

/** Registers `faultline check`. */
export function register(program: Command): void {
  program
    .command('check')
    .description('check a stored history (exit 0 valid, 1 invalid, 2 unknown, 254 bad input)')
    .argument('<history>', 'history file: JSONL, Jepsen/Knossos EDN, or Porcupine etcd/kv logs')
    .addOption(new Option('--checker <name>', 'the checker').choices(Object.keys(CHECKERS)).default('linearizable'))
    .addOption(new Option('--format <format>', 'history format').choices(['auto', ...HISTORY_FORMATS]).default('auto'))
    .option('--json', 'print the full result as JSON')
    .option('--time-limit <s>', 'give up with verdict unknown after this many seconds (default: none)')
    .option('--memory-limit <mb>', 'linearizable: give up with verdict unknown when the search (its memo of visited states, its stack, interned states) would take more MiB; the history itself is not counted (default 1024)')
    .addOption(new Option('--model <name>', 'linearizable: the model').choices(Object.keys(MODELS)))
    .option('--initial <json>', 'linearizable: initial value of the model (registers start at null unless told)')
    .addOption(
      new Option('--nil-read <meaning>', 'linearizable: a read of null/nil saw an absent value, or an unknown one (default: unknown for EDN, as Knossos; absent otherwise)').choices(['absent', 'unknown']),
    )
    .option('--no-partition', 'linearizable: check keyed models (kv, string-kv) as one state over all keys')
    .option('--consistency-model <model>', 'list-append, rw-register: the model to check (default strict-serializable)')
    .option('--cycle-search-budget <n>', 'list-append, rw-register: edge visits per anomaly kind per cycle component (default 2000000)')
    .option('--linearizable-keys', 'rw-register: assume each key is linearizable when inferring version orders')
    .option('--sequential-keys', 'rw-register: assume each key is sequentially consistent when inferring version orders')
    .option('--method <auto|search>', 'linearizable: auto (default) decides registers, sets and queues whose values are never written, added or enqueued twice without a search; search always searches')
    .option('--keyed', 'set-full, counter: values are [key, value] and each key is checked on its own')
    .option('--linearizable', 'set-full: a read that misses an element added before it began is an anomaly (stale), not only a lost one')
    .option('--all-partitions', 'linearizable: search every partition to the end instead of stopping at the first that is not linearizable')
    .action(async (file: string, opts: CheckCliOptions) => {
      const run = CHECKERS[opts.checker];
      if (!run) throw new UsageError(`unknown checker "${opts.checker}"`);
      process.exitCode = await run(file, opts);
    });
}
