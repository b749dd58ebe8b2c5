/**
 * `faultline maelstrom test`: a program written for Maelstrom, unchanged, as real processes under
 * real faults, with Maelstrom's flag names for the flags the two share (docs/maelstrom.md).
 *
 *   faultline maelstrom test -w broadcast --bin ./my-node --node-count 5 --time-limit 20 --rate 10 --nemesis partition
 *   faultline maelstrom test -w lin-kv --bin ./my-node --nemesis kill,pause,message --seed 7
 *
 * It is `faultline run --system maelstrom:<bin>` with the flags translated, so the run folder,
 * exit codes, report, recheck, compare and suites are those of every run (the repro line is the
 * `faultline run` form). Exit 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crash (a node
 * that broke the protocol at start, named with its line).
 */
import type { Command } from 'commander';
import { FAULT_KINDS } from '../../nemesis/faults/index.js';
import { summaryLines } from '../../run/report.js';
import { resolveRunFlags, type RunFlags } from '../../run/config.js';
import { runTest } from '../../run/run.js';
import { MAELSTROM_PREFIX } from '../../maelstrom/params.js';
import { MAELSTROM_WORKLOADS, TOPOLOGIES } from '../../../workloads/maelstrom/options.js';
import { parseDecimalInt } from '../flags.js';
import { UsageError } from '../exit.js';

interface MaelstromFlags {
  bin?: string;
  workload?: string;
  nodeCount?: string;
  timeLimit?: string;
  rate?: string;
  concurrency?: string;
  nemesis?: string;
  nemesisInterval?: string;
  nemesisOverlap?: boolean;
  seed?: string;
  topology?: string;
  consistencyModels?: string;
  latency?: string;
  logStderr?: boolean;
  logNetSend?: boolean;
  logNetRecv?: boolean;
  reorder?: string;
  initTimeout?: string;
  opTimeout?: string;
  resultsDir?: string;
  runDir?: string;
  json?: boolean;
}

/**
 * `--concurrency` as Maelstrom takes it: a number, or a multiple of the node count (`2n`).
 */
export function parseConcurrency(text: string, nodes: number): number {
  const m = /^([0-9]+)n$/.exec(text);
  if (m) return parseDecimalInt('--concurrency', m[1]!, { min: 1 }) * nodes;
  return parseDecimalInt('--concurrency', text, { min: 1 });
}

/** The flags of `faultline run` that a `maelstrom test` command line means. */
export function runFlagsOf(f: MaelstromFlags): RunFlags {
  if (f.bin === undefined) throw new UsageError('maelstrom test: --bin <program> is required (the Maelstrom node to test)');
  if (f.latency !== undefined) {
    throw new UsageError('--latency: links are real loopback TCP here, with no simulated latency; use --nemesis latency for latency faults (docs/maelstrom.md)');
  }
  const workload = f.workload ?? 'echo';
  if (!(MAELSTROM_WORKLOADS as readonly string[]).includes(workload)) {
    throw new UsageError(`-w ${workload}: not a Maelstrom workload (known: ${MAELSTROM_WORKLOADS.join(', ')})`);
  }
  const nodes = f.nodeCount === undefined ? 3 : parseDecimalInt('--node-count', f.nodeCount, { min: 1, max: 9 });
  const options: Record<string, unknown> = {};
  if (f.topology !== undefined) {
    if (!(TOPOLOGIES as readonly string[]).includes(f.topology)) throw new UsageError(`--topology ${f.topology}: known topologies are ${TOPOLOGIES.join(', ')}`);
    options.topology = f.topology;
  }
  if (f.reorder !== undefined) options.reorderMs = parseDecimalInt('--reorder', f.reorder, { min: 0, max: 10_000 });
  if (f.initTimeout !== undefined) options.initTimeoutMs = parseDecimalInt('--init-timeout', f.initTimeout, { min: 100, max: 120_000 });
  if (f.consistencyModels !== undefined) {
    if (f.consistencyModels.includes(',')) throw new UsageError('--consistency-models: give one model; each run checks against one');
    options.consistencyModel = f.consistencyModels;
  }
  return {
    system: `${MAELSTROM_PREFIX}${f.bin}`,
    workload,
    nodes: String(nodes),
    concurrency: String(f.concurrency === undefined ? nodes : parseConcurrency(f.concurrency, nodes)),
    rate: f.rate ?? '10',
    timeLimit: f.timeLimit ?? '10',
    // Maelstrom injects no fault unless asked.
    nemesis: f.nemesis ?? 'none',
    ...(f.nemesisInterval !== undefined ? { nemesisInterval: f.nemesisInterval } : {}),
    ...(f.nemesisOverlap ? { nemesisOverlap: true } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.opTimeout !== undefined ? { opTimeout: f.opTimeout } : {}),
    ...(f.resultsDir !== undefined ? { resultsDir: f.resultsDir } : {}),
    ...(f.runDir !== undefined ? { runDir: f.runDir } : {}),
    ...(f.logNetSend || f.logNetRecv ? { logMessages: true } : {}),
    ...(Object.keys(options).length > 0 ? { workloadOptions: JSON.stringify(options) } : {}),
  };
}

/** Registers `faultline maelstrom test`. */
export function register(program: Command): void {
  const m = program.command('maelstrom').description('test a program written for Maelstrom, unchanged, as real processes under real faults');
  m.command('test')
    .description('run a Maelstrom workload against a Maelstrom node program (Maelstrom\'s flags)')
    .option('--bin <program>', 'the node program (executable; a script needs a #! line)')
    .option('-w, --workload <name>', `workload: ${MAELSTROM_WORKLOADS.join(', ')} (default: echo)`)
    .option('--node-count <n>', 'number of nodes, n1..nN (default: 3)')
    .option('--time-limit <s>', 'seconds of the main phase (default: 10)')
    .option('--rate <ops/s>', 'client ops per second over all clients (default: 10)')
    .option('--concurrency <n>', 'clients: a number, or a multiple of the node count such as 2n (default: 1n)')
    .option('--nemesis <list>', `faults: ${FAULT_KINDS.filter((k) => k !== 'clock').join(',')} (clock is left out: a Maelstrom node reads the machine's clock), or default, or none (the default, as in Maelstrom)`)
    .option('--nemesis-interval <s>', 'seconds between fault changes (default: 5)')
    .option('--nemesis-overlap', 'each fault kind on its own schedule, so faults overlap')
    .option('--seed <n>', 'root seed (default: a fresh one, printed in the repro line)')
    .option('--topology <name>', `broadcast: the topology sent to every node (${TOPOLOGIES.join(', ')}; default: grid)`)
    .option('--consistency-models <model>', 'txn-list-append, txn-rw-register: the model checked (default: strict-serializable)')
    .option('--latency <ms>', 'refused: links are real loopback TCP (use --nemesis latency)')
    .option('--log-stderr', "accepted: nodes' stderr is always kept in <run>/nodes/<id>.log")
    .option('--log-net-send', 'log every message for the report\'s message diagram')
    .option('--log-net-recv', 'the same as --log-net-send')
    .option('--reorder <ms>', 'hold each peer message a random 0..ms so that links deliver out of order, as Maelstrom\'s network does (default: 0, FIFO as TCP)')
    .option('--init-timeout <ms>', 'how long a node may take to answer init (default: 10000)')
    .option('--op-timeout <ms>', 'time an op may take before it is recorded info (default: 1000)')
    .option('--results-dir <dir>', 'folder of run folders (default: results)')
    .option('--run-dir <dir>', 'use exactly this folder for the run')
    .option('--json', 'print results.json on stdout')
    .action(async (f: MaelstromFlags) => {
      const note = (t: string) => process.stderr.write(`${t}\n`);
      const flags = runFlagsOf(f);
      const resolved = resolveRunFlags(flags, note);
      const outcome = await runTest(resolved, flags.system as string, { note, progress: process.stderr.isTTY === true && !f.json });
      const lines = summaryLines(outcome.results, outcome.runDir, outcome.command);
      lines.splice(lines.length - 1, 0, 'note: Maelstrom nodes keep no state on disk unless they write it themselves; a node killed with kill -9 starts again empty and gets init again');
      if (f.json) {
        process.stderr.write(`${lines.join('\n')}\n`);
        process.stdout.write(`${JSON.stringify(outcome.results, null, 2)}\n`);
      } else {
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = outcome.results.exitCode;
    });
}
