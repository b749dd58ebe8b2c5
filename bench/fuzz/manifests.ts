/**
 * Fuzz surface `manifests`: random and mutated `faultline.system.json` contents through the
 * manifest reader. A failure is an error other than a UsageError (exit 254), or an accepted
 * manifest whose invariants do not hold (nodes.min <= default <= max <= the run limit, the default
 * variant one of the variants as an own key, at least one workload).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { UsageError } from '../../harness/cli/exit.js';
import { readManifest } from '../../harness/cluster/manifest.js';
import { LIMITS } from '../../harness/run/limits.js';
import type { FuzzReport } from './types.js';

const small = fc.oneof(fc.integer({ min: -2, max: 70 }), fc.double(), fc.constant(null), fc.string({ maxLength: 3 }));
const name = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'correct', 'broken', ''), fc.string({ maxLength: 5 }));
const manifest = fc.record(
  {
    name: fc.oneof(name, small),
    variants: fc.oneof(fc.dictionary(name, fc.string({ maxLength: 3 }), { maxKeys: 3 }), small),
    defaultVariant: fc.oneof(name, small),
    workloads: fc.oneof(fc.array(name, { maxLength: 3 }), small),
    nodes: fc.oneof(fc.record({ default: small, min: small, max: small }, { requiredKeys: [] }), small),
    start: fc.oneof(fc.record({ command: fc.oneof(name, small), args: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }) }, { requiredKeys: ['command'] }), small),
    messageTypes: fc.array(name, { maxLength: 3 }),
    extra: small,
  },
  { requiredKeys: [] },
);

/** Text of a manifest: JSON, maybe with a byte-order mark, maybe cut or with a byte changed. */
const text = fc.tuple(manifest, fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 2 })).map(([m, bom, at, mode, junk]) => {
  const t = JSON.stringify(m, null, 2);
  const i = t.length === 0 ? 0 : at % t.length;
  const body = mode === 1 ? t.slice(0, i) : mode === 2 ? t.slice(0, i) + junk + t.slice(i + 1) : t;
  return (bom ? '\uFEFF' : '') + body;
});

export async function fuzzManifests(cases: number, seed: number): Promise<FuzzReport> {
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'faultline-fuzz-manifests-'));
  const file = join(dir, 'faultline.system.json');
  const samples = fc.sample(text, { numRuns: cases, seed });
  try {
    for (const t of samples) {
      writeFileSync(file, t);
      try {
        const m = readManifest(file);
        const n = m.nodes;
        const ok = n.min <= n.default && n.default <= n.max && n.max <= LIMITS.nodesMax && n.min >= 1
          && Object.keys(m.variants).length > 0 && m.workloads.length > 0
          && (m.defaultVariant === undefined || Object.hasOwn(m.variants, m.defaultVariant));
        if (!ok) failures.push(`accepted a manifest breaking its invariants: ${JSON.stringify(t)}`);
      } catch (err) {
        if (!(err instanceof UsageError)) failures.push(`${JSON.stringify(t)}: ${(err as Error).stack ?? String(err)}`);
        else if (!err.message.startsWith(file)) failures.push(`message does not name the file: ${err.message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { surface: 'manifests', tried: samples.length, failures };
}
