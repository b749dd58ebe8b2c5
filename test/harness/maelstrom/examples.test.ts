/**
 * Every Maelstrom workload through `faultline maelstrom test`, with real processes: our correct
 * example node passes (several under kill -9, SIGSTOP or partitions), and each broken one is
 * caught with its named anomaly. Runs are short (3 to 6 s of clients) so the file stays fast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive, requireBuild } from '../../support/cli.js';
import { allPids, maelstromTest, program } from './support.js';

beforeAll(() => requireBuild());

type Row = [workload: string, bin: string, args: string[]];
const js = (f: string) => `examples/maelstrom/js/${f}`;
const py = (f: string) => `examples/maelstrom/python/${f}`;
const short = ['--time-limit', '3', '--rate', '30'];
// Lost increments need two adds in flight at once, and pn-counter's negative deltas can cancel a
// lost one: a busier run makes the loss sure.
const busy = ['--time-limit', '4', '--rate', '100'];
const partition = ['--time-limit', '6', '--rate', '30', '--nemesis', 'partition', '--nemesis-interval', '2'];
const killPause = ['--time-limit', '5', '--rate', '30', '--nemesis', 'kill,pause', '--nemesis-interval', '1'];

const correct: Row[] = [
  ['echo', js('echo.js'), short],
  ['echo', py('echo.py'), short],
  ['unique-ids', js('unique-ids.js'), killPause],
  ['lin-kv', js('lin-kv.js'), killPause],
  ['lin-kv', py('lin_kv.py'), short],
  ['txn-list-append', js('txn.js'), killPause],
  ['txn-rw-register', js('txn.js'), short],
  ['kafka', js('kafka.js'), killPause],
  ['broadcast', js('broadcast.js'), partition],
  ['broadcast', py('broadcast.py'), partition],
  ['g-set', js('g-set.js'), partition],
  ['g-counter', js('counter.js'), partition],
  ['pn-counter', js('counter.js'), partition],
];

/** Broken nodes, with the anomaly each must be caught with (in its checker's anomalyTypes or the first anomaly). */
const broken: Array<[...Row, checker: string, anomaly: RegExp]> = [
  ['echo', js('echo-broken.js'), short, 'echo', /unexpected-echo/],
  ['unique-ids', js('unique-ids-broken.js'), short, 'unique-ids', /duplicated-id/],
  ['lin-kv', js('lin-kv-local-reads.js'), short, 'linearizable', /cannot be linearized/],
  ['lin-kv', py('lin_kv_local_reads.py'), short, 'linearizable', /cannot be linearized/],
  ['txn-list-append', js('txn-local.js'), short, 'list-append', /incompatible-order|G-single|G0|lost-update/],
  ['txn-rw-register', js('txn-local.js'), short, 'rw-register', /G-single|G-nonadjacent|G1|G0/],
  ['kafka', js('kafka-local.js'), short, 'kafka', /inconsistent-offsets/],
  ['broadcast', js('broadcast-no-retry.js'), partition, 'set-full', /lost/],
  ['broadcast', py('broadcast_no_retry.py'), partition, 'set-full', /lost/],
  ['g-set', js('g-set-no-gossip.js'), short, 'set-full', /lost/],
  ['g-counter', js('counter-lost-increments.js'), busy, 'counter', /out-of-bounds/],
  ['g-counter', py('counter_lost_increments.py'), busy, 'counter', /out-of-bounds/],
  ['pn-counter', js('counter-lost-increments.js'), busy, 'counter', /out-of-bounds/],
];

describe('Maelstrom example nodes', () => {
  it.each(correct)('%s: %s passes', async (workload, bin, args) => {
    // Arrange / Act
    const r = await maelstromTest(program(bin), ['-w', workload, ...args, '--seed', '11']);
    // Assert
    expect(r.results, r.stderr).not.toBeNull();
    expect({ exit: r.exitCode, valid: r.results!.valid, why: r.results!.unknownReason ?? null }).toEqual({ exit: 0, valid: true, why: null });
    expect(r.results!.net.ops).toBeGreaterThan(0);
    for (const pid of allPids(r.runDir)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);

  it.each(broken)('%s: %s is caught', async (workload, bin, args, checker, anomaly) => {
    // Arrange / Act
    const r = await maelstromTest(program(bin), ['-w', workload, ...args, '--seed', '11']);
    // Assert
    expect(r.exitCode, r.stderr).toBe(1);
    const c = r.results!.checkers[checker];
    expect(c.valid).toBe(false);
    expect(`${JSON.stringify(c.anomalyTypes ?? [])} ${r.results!.firstAnomaly.summary}`).toMatch(anomaly);
    for (const pid of allPids(r.runDir)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);
});
