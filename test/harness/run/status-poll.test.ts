/**
 * The status poller: a real short raftkv run records who led, in which term, as `cluster-status`
 * events of the harness's process `status`; killing the leader shows as a gap and a new leader in
 * a higher term; the events end before the final reads and take no part in the checking.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairOperations } from '../../../checkers/history/pair.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { readStoredHistory } from '../../../harness/run/history.js';
import { clusterStatusValue, type ClusterStatusValue } from '../../../harness/run/status-poll.js';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';

describe('status poller', () => {
  it('names the leader with the highest term, and a node down instead of its role', () => {
    const v = clusterStatusValue([
      { node: 'n1', role: 'leader', term: 2 },
      { node: 'n2', role: 'leader', term: 5 },
      { node: 'n3', role: null, term: null, down: 'paused' },
    ]);
    expect(v).toEqual({ leader: 'n2', term: 5, nodes: { n1: { role: 'leader', term: 2 }, n2: { role: 'leader', term: 5 }, n3: { down: 'paused' } } });
    expect(clusterStatusValue([{ node: 'n1', role: 'follower', term: 1 }])).toMatchObject({ leader: null, term: null });
  });

  it('records the leader and its term over a raftkv run, and a new leader when the leader is killed', async () => {
    requireBuild();
    // Arrange: seed 3 draws a kill aimed at the leader at 2 s, undone at 4 s.
    const dir = tempDir();
    const run = join(dir, 'run');
    // Act
    const r = await runCli(['run', '--system', 'raftkv', '--nemesis', 'kill', '--nemesis-interval', '2', '--time-limit', '5', '--seed', '3', '--run-dir', run], { cwd: dir });
    // Assert
    expect(r.exitCode, r.stderr).toBe(0);
    const { events } = readStoredHistory(join(run, 'history.jsonl'));
    const status = events.filter((e) => e.process === 'status');
    expect(status.length).toBeGreaterThan(2);
    expect(status.every((e) => e.type === 'info' && e.f === 'cluster-status')).toBe(true);
    const value = (e: HistoryEvent) => e.value as ClusterStatusValue;
    // The completion holds the nodes the kill was aimed at; the status before its invoke, the leader.
    const kill = events.find((e) => e.f === 'start-kill' && e.type !== 'invoke')!;
    const killInvoke = events.find((e) => e.f === 'start-kill' && e.type === 'invoke')!;
    const killed = (kill.value as { nodes: string[] }).nodes[0]!;
    const before = status.filter((e) => e.index < killInvoke.index).at(-1)!;
    expect(value(before).leader).toBe(killed);
    const after = status.filter((e) => e.index > kill.index);
    // A poll already in flight when the kill lands finds no answer; the next ones find it dead.
    expect(['dead', 'no answer']).toContain((value(after[0]!).nodes[killed] as { down?: string }).down);
    const next = after.find((e) => value(e).leader !== null)!;
    expect(value(next).leader).not.toBe(killed);
    expect(value(next).term!).toBeGreaterThan(value(before).term!);
    // Only changes are recorded, and the last event marks the end of polling, before the final reads.
    const keys = status.slice(0, -1).map((e) => JSON.stringify(e.value));
    expect(new Set(keys).size).toBe(keys.length);
    const end = status.at(-1)!;
    expect(value(end).end).toBe(true);
    const heal = events.find((e) => e.f === 'heal')!;
    expect(end.index).toBeGreaterThan(heal.index);
    expect(events.slice(end.index + 1).every((e) => typeof e.process === 'number')).toBe(true);
    expect(events.slice(end.index + 1).some((e) => e.type === 'invoke')).toBe(true);
    // The checkers leave them out: no operation of the pairing is a status event.
    const { operations, ignored } = pairOperations(events);
    expect(operations.every((o) => typeof o.process === 'number')).toBe(true);
    expect(ignored.filter((e) => e.process === 'status')).toHaveLength(status.length);
  }, 60_000);
});
