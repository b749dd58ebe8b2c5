/**
 * Honest verdicts: a run that could not have shown an anomaly is `unknown` (exit 2) with its
 * reason, never valid. The per-function rule and the rule of observed writes on histories; the
 * rule of faults on a real run whose partitions cut links no client traffic uses (atomic-kv with
 * one client worker, which talks to n1 directly, so peer links carry nothing), with each fault's
 * effect recorded in the history and in results.json; and the same run with the rule turned off.
 * Needs a build (`npm test` builds first).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { composeResults, verdictRules } from '../../../harness/run/run.js';
import { register } from '../../../workloads/register.js';
import { listAppend } from '../../../workloads/list-append.js';
import { runCli } from '../../support/cli.js';

const checked = { valid: true as const, checkers: { linearizable: { valid: true } }, firstAnomaly: null };
const rest = { durationMs: 1000, nemesisErrors: [] };

/** A history of ops, one after another: [f, invoke value, completion type, completion value]. */
function history(ops: Array<[string, unknown, 'ok' | 'fail' | 'info', unknown, string?]>, nemesis: HistoryEvent[] = []): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  ops.forEach(([f, value, type, done, error], i) => {
    out.push({ index: 0, time: i * 1e6 + 1, type: 'invoke', process: i, f, value });
    out.push({ index: 0, time: i * 1e6 + 5e5, type, process: i, f, value: done, ...(error !== undefined ? { error } : {}) });
  });
  const all = [...out, ...nemesis].sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  return all.map((e, index) => ({ ...e, index }));
}

const writesAndReads = history([
  ['write', ['k', 1], 'ok', ['k', 1]],
  ['read', ['k', null], 'ok', ['k', 1]],
  ['cas', ['k', [1, 2]], 'ok', ['k', [1, 2]]],
]);

describe('vacuity rules', () => {
  it('is unknown when a function was invoked and never ok nor refused on its merits, as Jepsen stats does', () => {
    const h = history([
      ['write', ['k', 1], 'ok', ['k', 1]],
      ['read', ['k', null], 'ok', ['k', 1]],
      ['cas', ['k', [3, 4]], 'fail', ['k', [3, 4]], 'temporarily-unavailable: no leader'],
      ['cas', ['k', [0, 4]], 'info', ['k', [0, 4]]],
    ]);
    const r = composeResults(checked, h, [], rest, verdictRules({ nemesis: [] }, register));
    expect(r.valid).toBe('unknown');
    expect(r.exitCode).toBe(2);
    expect(r.unknownReason).toMatch(/^too few operations succeeded \(cas 0 ok of 2; at least 1 ok or refused needed per function, --min-ok-per-f\)/);
    expect(r.functions).toEqual({ write: { ok: 1, fail: 0, info: 0, refused: 0 }, read: { ok: 1, fail: 0, info: 0, refused: 0 }, cas: { ok: 0, fail: 1, info: 1, refused: 0 } });
    // A cas that found another value is the store at work (the answered rule's refusal), not unavailability.
    const refused = history([
      ['write', ['k', 1], 'ok', ['k', 1]],
      ['read', ['k', null], 'ok', ['k', 1]],
      ['cas', ['k', [3, 4]], 'fail', ['k', [3, 4]], 'precondition-failed: expected 3, found 1'],
    ]);
    expect(composeResults(checked, refused, [], rest, verdictRules({ nemesis: [] }, register)).valid).toBe(true);
    // The threshold is the run's: 0 turns the rule off, 2 asks more of the other functions too.
    expect(composeResults(checked, h, [], rest, verdictRules({ nemesis: [], minOkPerF: 0 }, register)).valid).toBe(true);
    expect(composeResults(checked, writesAndReads, [], rest, verdictRules({ nemesis: [], minOkPerF: 2 }, register)).unknownReason).toMatch(/write 1 ok of 1, read 1 ok of 1, cas 1 ok of 1; at least 2 ok or refused/);
  });

  it('is unknown when no read observed a write of the run: reads of null only, as a read-only run with --nemesis none', () => {
    const h = history([
      ['read', ['k', null], 'ok', ['k', null]],
      ['read', ['j', null], 'ok', ['j', null]],
    ]);
    const r = composeResults(checked, h, [], rest, verdictRules({ nemesis: [] }, register));
    expect(r.valid).toBe('unknown');
    expect(r.unknownReason).toMatch(/^no ok read observed a value written in the run \(at least 1 needed, --min-observed-reads\)/);
    expect(composeResults(checked, writesAndReads, [], rest, verdictRules({ nemesis: [] }, register)).valid).toBe(true);
    // A value read that no one wrote is not an observed write either (another key's value).
    const other = history([
      ['write', ['k', 1], 'ok', ['k', 1]],
      ['read', ['j', null], 'ok', ['j', 1]],
    ]);
    expect(register.observedWrites(other)).toBe(0);
  });

  it('counts list reads that hold an appended element as observed writes', () => {
    const h = history([
      ['txn', [['append', 1, 7]], 'ok', [['append', 1, 7]]],
      ['txn', [['r', 1, null]], 'ok', [['r', 1, []]]],
      ['txn', [['r', 1, null], ['r', 2, null]], 'ok', [['r', 1, [7]], ['r', 2, null]]],
    ]);
    expect(listAppend.observedWrites(h)).toBe(1);
  });

  it('judges faults only when the run asked for them and some started, by what they did while clients ran', () => {
    const nem = (time: number, f: string, value: unknown): HistoryEvent => ({ index: 0, time, type: 'info', process: 'nemesis', f, value });
    const untouched = { links: 2, traffic: { bytesCut: 0, messagesCut: 0, bytesDelayed: 0, messagesDelayed: 0, connectionsCut: 0 }, processes: [], clocks: [] };
    const spec = { fault: 'partition', links: [['n2', 'n3'], ['n3', 'n2']], description: 'partition n2 | n3' };
    const h = history(
      [
        ['write', ['k', 1], 'ok', ['k', 1]],
        ['read', ['k', null], 'ok', ['k', 1]],
      ],
      [nem(0, 'start-partition', spec), nem(3e6, 'stop-partition', { ...spec, effect: untouched }), nem(4e6, 'heal', {})],
    );
    const r = composeResults(checked, h, [], rest, verdictRules({ nemesis: ['partition'] }, register));
    expect(r.valid).toBe('unknown');
    expect(r.unknownReason).toMatch(/^none of the run's 1 faults cut or delayed traffic, stopped a process or set a clock while clients ran/);
    expect(r.faults).toEqual([
      { fault: 'partition', description: 'partition n2 | n3', startNs: 0, endNs: 3e6, targets: { links: ['n2->n3', 'n3->n2'] }, effect: untouched, ops: { active: 2, invoked: 2, failed: 0, info: 0 } },
    ]);
    // --nemesis none is a fault-free run by choice: not judged by this rule.
    expect(composeResults(checked, h, [], rest, verdictRules({ nemesis: [] }, register)).valid).toBe(true);
    // Traffic cut, or a process stopped, is an effect.
    const cut = history(
      [['write', ['k', 1], 'ok', ['k', 1]], ['read', ['k', null], 'ok', ['k', 1]]],
      [nem(0, 'start-kill', { fault: 'kill', nodes: ['n1'] }), nem(4e6, 'heal', { effects: [{ fault: 'kill', effect: { ...untouched, links: 0, processes: ['n1'] } }] })],
    );
    const k = composeResults(checked, cut, [], rest, verdictRules({ nemesis: ['kill'] }, register));
    expect(k.valid).toBe(true);
    expect(k.faults[0]).toMatchObject({ fault: 'kill', endNs: 4e6, targets: { nodes: ['n1'] }, effect: { processes: ['n1'] } });
    // Proxies that cannot count (an external server) leave the fault's effect unknown: not vacuous.
    const external = history(
      [['write', ['k', 1], 'ok', ['k', 1]], ['read', ['k', null], 'ok', ['k', 1]]],
      [nem(0, 'start-partition', spec), nem(3e6, 'stop-partition', { ...spec, effect: { ...untouched, traffic: null } })],
    );
    expect(composeResults(checked, external, [], rest, verdictRules({ nemesis: ['partition'] }, register)).valid).toBe(true);
  });
});

async function run(args: string[]): Promise<{ code: number | null; out: string; results: Record<string, any>; history: HistoryEvent[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-vacuity-'));
  const runDir = join(dir, 'run');
  const r = await runCli(['run', ...args, '--run-dir', runDir], { cwd: dir, timeoutMs: 120_000, keepFinalNewline: true });
  const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryEvent);
  return { code: r.exitCode, out: r.stdout + r.stderr, results: JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')), history };
}

describe('a run whose faults touch nothing', () => {
  // One worker: every op goes to n1, which holds the data, so no peer link carries a byte.
  const args = ['--system', 'atomic-kv', '--nodes', '3', '--concurrency', '1', '--rate', '50', '--nemesis', 'partition', '--nemesis-interval', '1', '--time-limit', '4', '--seed', '3'];

  it('is unknown (exit 2), says why, and records what each fault did', async () => {
    const r = await run(args);
    expect(r.out).not.toMatch(/internal error/);
    expect(r.code).toBe(2);
    expect(r.results.valid).toBe('unknown');
    expect(r.results.checkers.linearizable.valid).toBe(true);
    expect(r.results.unknownReason).toMatch(/^none of the run's \d+ faults cut or delayed traffic/);
    expect(r.out).toMatch(/unknown: none of the run's \d+ faults/);
    expect(r.results.faults.length).toBeGreaterThan(0);
    for (const f of r.results.faults) {
      expect(f.fault).toBe('partition');
      expect(f.targets.links.length).toBeGreaterThan(0);
      expect(f.effect).toEqual({ links: f.targets.links.length, traffic: { bytesCut: 0, messagesCut: 0, bytesDelayed: 0, messagesDelayed: 0, connectionsCut: 0 }, processes: [], clocks: [] });
    }
    // The effect is in the history too: on each stop, or in the heal for a fault it ended.
    const ends = r.history.filter((e) => e.process === 'nemesis' && (e.f === 'stop-partition' || e.f === 'heal'));
    const recorded = ends.flatMap((e) => {
      const v = e.value as { effect?: unknown; effects?: Array<{ effect: unknown }> };
      return v.effect !== undefined ? [v.effect] : (v.effects ?? []).map((x) => x.effect);
    });
    expect(recorded.length).toBe(r.results.faults.length);
  }, 120_000);

  it('is valid when the run turns the rule off (--min-effective-faults 0), and the repro line keeps it', async () => {
    const r = await run([...args, '--min-effective-faults', '0']);
    expect(r.code).toBe(0);
    expect(r.results.valid).toBe(true);
    expect(r.out).toMatch(/repro: .*--min-effective-faults 0/);
  }, 120_000);
});
