/**
 * Fuzz surface `verdicts`: random histories, their nemesis events carrying any value (effects of
 * every shape, `__proto__` keys, huge and negative numbers), through the fault records, the
 * vacuity rules and the report's effect text. A failure is an exception; a record whose end is
 * before its start or whose failed ops outnumber its ops; results that results.json's own schema
 * refuses; or a verdict of valid that a vacuity rule should have made unknown. Bounded: at most 60
 * events per case.
 *
 *   npm run bench:fuzz -- 10000 1 verdicts
 */
import fc from 'fast-check';
import { faultRecords, touched } from '../../checkers/history/effects.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { effectText } from '../../harness/report/data.js';
import { runResultsSchema } from '../../harness/run/results.js';
import { composeResults, verdictRules } from '../../harness/run/run.js';
import { register } from '../../workloads/register.js';
import type { FuzzReport } from './types.js';

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, 1e300, Number.MAX_SAFE_INTEGER, 0.5, '__proto__', null),
);
const count = fc.oneof({ arbitrary: fc.nat(1000), weight: 1 }, { arbitrary: fc.constantFrom(-5, 0.5, 1e300, Number.NaN, '3' as unknown as number), weight: 2 });
const effect = fc.record(
  {
    links: count,
    traffic: fc.oneof(fc.constant(null), fc.record({ bytesCut: count, messagesCut: count, bytesDelayed: count, messagesDelayed: count, connectionsCut: count }, { requiredKeys: [] })),
    processes: fc.oneof(fc.array(fc.constantFrom('n1', 'n2', '__proto__')), anyValue),
    clocks: fc.array(fc.constantFrom('n1', 'n3')),
  },
  { requiredKeys: [] },
);
const faultName = fc.constantFrom('partition', 'kill', 'pause', 'latency', '__proto__', 'x');
const nemesisValue = fc.oneof(
  anyValue,
  fc.record({
    fault: faultName,
    description: fc.oneof(fc.string({ maxLength: 8 }), anyValue),
    links: fc.oneof(fc.array(fc.tuple(fc.constantFrom('n1', 'n2'), fc.constantFrom('n2', 'n3')), { maxLength: 3 }), anyValue),
    nodes: fc.oneof(fc.array(fc.constantFrom('n1', 'n2')), anyValue),
    effect: fc.oneof(effect, anyValue),
    effects: fc.oneof(fc.array(fc.record({ fault: faultName, description: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(undefined)), effect: fc.oneof(effect, anyValue) }), { maxLength: 3 }), anyValue),
  }, { requiredKeys: [] }),
);
const step = fc.oneof(
  fc.record({ kind: fc.constant('op' as const), f: fc.constantFrom('read', 'write', 'cas', '__proto__'), key: fc.constantFrom('k', 'j'), v: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(null)), end: fc.constantFrom('ok', 'fail', 'info', 'open') }),
  fc.record({ kind: fc.constant('nemesis' as const), f: fc.oneof(faultName.map((n) => `start-${n}`), faultName.map((n) => `stop-${n}`), fc.constantFrom('heal', 'start-', 'stop-', 'junk')), type: fc.constantFrom('info', 'invoke', 'ok'), value: nemesisValue }),
);
const caseArb = fc.record({
  steps: fc.array(fc.tuple(step, fc.integer({ min: 0, max: 3e9 })), { maxLength: 30 }),
  nemesis: fc.constantFrom([], ['partition'], ['kill', 'pause']),
  minOkPerF: fc.integer({ min: 0, max: 3 }),
  minObservedReads: fc.integer({ min: 0, max: 3 }),
  minEffectiveFaults: fc.integer({ min: 0, max: 3 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** A history from the steps: times that only grow, each op invoked and (unless open) completed. */
function historyOf(steps: Case['steps']): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  let time = 0;
  let process = 0;
  for (const [s, gap] of steps) {
    time += gap;
    if (s.kind === 'nemesis') {
      out.push({ index: out.length, time, type: s.type, process: 'nemesis', f: s.f, value: s.value });
      continue;
    }
    const p = process++;
    const value = s.f === 'cas' ? [s.key, [s.v, 1]] : s.f === 'read' ? [s.key, null] : [s.key, s.v];
    out.push({ index: out.length, time, type: 'invoke', process: p, f: s.f, value });
    if (s.end === 'open') continue;
    time += 1;
    const done = s.f === 'read' ? [s.key, s.v] : value;
    out.push({ index: out.length, time, type: s.end, process: p, f: s.f, value: done, ...(s.end === 'fail' ? { error: 'precondition-failed: x' } : {}) });
  }
  return out;
}

export async function fuzzVerdicts(cases: number, seed: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const samples = fc.sample(caseArb, { numRuns: cases, seed });
  const checked = { valid: true as const, checkers: { linearizable: { valid: true } }, firstAnomaly: null };
  samples.forEach((c, i) => {
    const label = `case ${i} (seed ${seed})`;
    try {
      const events = historyOf(c.steps);
      for (const r of faultRecords(events)) {
        if (r.endNs !== null && r.endNs < r.startNs) failures.push(`${label}: a fault ends before it starts: ${JSON.stringify(r)}`);
        if (r.ops.failed + r.ops.info > r.ops.invoked) failures.push(`${label}: more failed ops than ops: ${JSON.stringify(r.ops)}`);
        touched(r);
        effectText(r);
      }
      const rules = verdictRules({ nemesis: c.nemesis, minOkPerF: c.minOkPerF, minObservedReads: c.minObservedReads, minEffectiveFaults: c.minEffectiveFaults }, register);
      const results = composeResults(checked, events, [], { durationMs: 1, nemesisErrors: [] }, rules);
      const back = runResultsSchema.safeParse(JSON.parse(JSON.stringify(results)));
      if (!back.success) failures.push(`${label}: results.json refused by its schema: ${back.error.issues[0]?.path.join('.')}: ${back.error.issues[0]?.message}`);
      if (results.valid === 'unknown' && typeof results.unknownReason !== 'string') failures.push(`${label}: unknown without a reason`);
      if (results.valid === true) {
        const short = Object.entries(results.functions).find(([, f]) => f.ok + f.refused < c.minOkPerF);
        if (short) failures.push(`${label}: valid although ${short[0]} had too few ops ok`);
        if (register.observedWrites(events) < c.minObservedReads) failures.push(`${label}: valid although too few reads observed a write`);
      }
    } catch (err) {
      failures.push(`${label}: ${(err as Error).stack ?? String(err)}`);
    }
  });
  return { surface: 'verdicts', tried: samples.length, failures };
}
