/**
 * A suite entry requires a non-vacuous verdict: `expect: "valid"` fails on a run that found no
 * anomaly but could not have shown one (unknown), naming why, and an entry may set the verdict's
 * thresholds. The vacuous run is real: atomic-kv with one client worker, which talks to n1 only,
 * under partitions of peer links that then carry nothing. Needs a build (`npm test` builds first).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../../harness/suite/spec.js';
import { readSummary } from '../../../harness/suite/summary.js';
import { runCli } from '../../support/cli.js';
import { tempDir, write } from './helpers.js';

const vacuous = { system: 'atomic-kv', nodes: 3, concurrency: 1, rateOpsPerSec: 40, timeLimitS: 4, nemesisIntervalS: 1, nemesis: 'partition', seed: 3 };

describe('a suite entry that requires a non-vacuous verdict', () => {
  it('fails on a run whose faults touched nothing, and passes when the entry turns that rule off', async () => {
    const dir = tempDir();
    const file = write(join(dir, 'vacuous.json'), JSON.stringify({ name: 'vacuous', matrix: [{ ...vacuous, expect: 'valid' }, { ...vacuous, expect: 'valid', minEffectiveFaults: 0 }] }));
    const out = join(dir, 'out');
    const r = await runCli(['suite', file, '--out', out], { cwd: dir, timeoutMs: 180_000, keepFinalNewline: true });
    expect(r.exitCode, r.stderr).toBe(1);
    const s = readSummary(out);
    expect(s.entries.map((e) => [e.status, e.valid])).toEqual([['failed', 'unknown'], ['passed', true]]);
    expect(s.entries[0]!.message).toMatch(/^unknown: none of the run's \d+ faults cut or delayed traffic/);
  }, 180_000);

  it('takes the thresholds as entry fields and refuses them in args', () => {
    const dir = tempDir();
    const ok = write(join(dir, 'ok.json'), JSON.stringify({ defaults: { minOkPerF: 2 }, matrix: [{ system: 'atomic-kv', minObservedReads: 0 }] }));
    const [entry] = loadSuite(ok).entries;
    expect(entry).toMatchObject({ minOkPerF: 2, minObservedReads: 0 });
    expect(entry!.minEffectiveFaults).toBeUndefined();
    const bad = write(join(dir, 'bad.json'), JSON.stringify({ matrix: [{ system: 'atomic-kv', args: ['--min-ok-per-f', '3'] }] }));
    expect(() => loadSuite(bad)).toThrow(/args: may not set flags the suite sets itself \(.*--min-ok-per-f/);
    const neg = write(join(dir, 'neg.json'), JSON.stringify({ matrix: [{ system: 'atomic-kv', minEffectiveFaults: -1 }] }));
    expect(() => loadSuite(neg)).toThrow(/minEffectiveFaults/);
  });
});
