/**
 * Fuzz surface `flags`: random values and argv for `run` and `compare`, through their parsing and
 * resolving functions in-process (no cluster starts). A failure is an exception other than a
 * FaultlineError, or a numeric value accepted that is not a decimal number within its limits.
 */
import fc from 'fast-check';
import { FaultlineError } from '../../harness/cli/exit.js';
import { parseRunArgv, resolveRunFlags, RUN_NUMBERS, type RunFlags, type RunNumber } from '../../harness/run/config.js';
import { resolveCompareFlags } from '../../harness/cli/commands/compare.js';
import type { FuzzReport } from './types.js';

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$|^-?\.[0-9]+$/;
const FLAG_KEYS: Record<RunNumber, keyof RunFlags> = {
  nodes: 'nodes', concurrency: 'concurrency', rateOpsPerSec: 'rate', timeLimitS: 'timeLimit',
  nemesisIntervalS: 'nemesisInterval', opTimeoutMs: 'opTimeout', seed: 'seed',
  minOkPerF: 'minOkPerF', minObservedReads: 'minObservedReads', minEffectiveFaults: 'minEffectiveFaults',
};

const numberText = fc.oneof(
  fc.integer({ min: -100, max: 100_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('0x3', '0b11', '1e3', '1_000', ' 3', '3 ', '', '+3', '03', '3.0', 'NaN', 'Infinity', '.5', '5.', '4294967295', '4294967296', '99999999999999999999', '-0'),
  fc.string({ maxLength: 8 }),
);
const nameText = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'correct', 'register', 'list-append', ''), fc.string({ maxLength: 6 }));

function acceptedRight(key: RunNumber, text: string, value: number): boolean {
  const spec: { int: boolean; min?: number; max?: number; positive?: boolean } = RUN_NUMBERS[key];
  if (!DECIMAL.test(text) || Number(text) !== value) return false;
  if (spec.int && !Number.isInteger(value)) return false;
  if (spec.positive && !(value > 0)) return false;
  if (spec.min !== undefined && value < spec.min) return false;
  return spec.max === undefined || value <= spec.max;
}

export async function fuzzFlags(cases: number, seed: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const keys = Object.keys(RUN_NUMBERS) as RunNumber[];
  const arb = fc.record({
    key: fc.constantFrom(...keys),
    text: numberText,
    variant: fc.option(nameText, { nil: undefined }),
    workload: fc.option(nameText, { nil: undefined }),
    argv: fc.array(fc.oneof(fc.constantFrom('--nodes', '--seed', '--rate', '--nemesis', '--colour', '--log-messages', '-x', '--'), numberText), { maxLength: 6 }),
    command: fc.constantFrom('run', 'compare', 'argv'),
  });
  const samples = fc.sample(arb, { numRuns: cases, seed });
  for (const c of samples) {
    const label = JSON.stringify(c);
    try {
      if (c.command === 'argv') {
        parseRunArgv(c.argv);
      } else if (c.command === 'run') {
        const flags: RunFlags = { system: 'atomic-kv', nemesis: 'none', [FLAG_KEYS[c.key]]: c.text };
        if (c.variant !== undefined) flags.variant = c.variant;
        if (c.workload !== undefined) flags.workload = c.workload;
        const { config } = resolveRunFlags(flags);
        if (!acceptedRight(c.key, c.text, config[c.key])) failures.push(`run accepted ${label} as ${config[c.key]}`);
      } else {
        const compareKey = c.key === 'seed' || c.key === 'timeLimitS' ? c.key : 'nodes';
        const flag = compareKey === 'seed' ? 'seed' : compareKey === 'timeLimitS' ? 'timeLimit' : 'nodes';
        const plan = resolveCompareFlags({ system: 'atomic-kv', variants: c.variant ?? 'all', nemesis: 'none', runs: '1', timeLimit: '1', parallel: '1', resultsDir: 'results', [flag]: c.text });
        const got = compareKey === 'seed' ? plan.seedBase : compareKey === 'timeLimitS' ? plan.timeLimitS : plan.nodes!;
        if (!acceptedRight(compareKey, c.text, got)) failures.push(`compare accepted ${label} as ${got}`);
      }
    } catch (err) {
      if (!(err instanceof FaultlineError)) failures.push(`${label}: ${(err as Error).stack ?? String(err)}`);
    }
  }
  return { surface: 'flags', tried: samples.length, failures };
}
