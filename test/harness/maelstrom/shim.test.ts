/**
 * The shim end to end, through `faultline maelstrom test` with real processes: echo passes;
 * a node that breaks the protocol (a line that is not JSON, a missing dest, no init_ok in time)
 * gets one clear error naming the node and the line; no process is left behind, even a node that
 * ignores its stdin closing and SIGTERM, across kill -9 and restarts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { isAlive, requireBuild } from '../../support/cli.js';
import { allPids, maelstromTest, nodePids, program } from './support.js';

beforeAll(() => requireBuild());

describe('faultline maelstrom test: the shim', () => {
  it('runs the JavaScript echo example to a valid verdict, counting messages as Maelstrom does', async () => {
    // Arrange / Act
    const r = await maelstromTest(program('examples/maelstrom/js/echo.js'), ['-w', 'echo', '--time-limit', '2', '--rate', '20', '--seed', '1']);
    // Assert
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.results?.checkers.echo.valid).toBe(true);
    const ops = r.results?.net.ops as number;
    expect(ops).toBeGreaterThan(10);
    // Every op is one request and one reply; each of the 3 nodes also got init and sent init_ok.
    expect(r.results?.net.clients.sendCount).toBe(2 * ops + 2 * 3);
    expect(r.results?.net.servers.sendCount).toBe(0);
    for (const pid of allPids(r.runDir)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);

  it.each([
    ['not-json.cjs', /node n\d \(.*not-json\.cjs\) wrote line 1 on stdout, which is not JSON: "hello, I am not JSON"/],
    ['no-dest.cjs', /node n\d \(.*no-dest\.cjs\) wrote line 1 on stdout, which has no "dest": "\{\\"src\\":\\"n\d\\",\\"body\\":\{\\"type\\":\\"init_ok\\",\\"in_reply_to\\":1\}\}"/],
    ['no-init-ok.cjs', /node n\d \(.*no-init-ok\.cjs\) did not answer init with init_ok within 500 ms/],
  ])('%s: one line naming the node and what it wrote, exit 255, nothing left running', async (file, message) => {
    // Arrange / Act
    // A short init timeout only where it is the point: a busy machine may take longer to start a node.
    const timeout = file === 'no-init-ok.cjs' ? ['--init-timeout', '500'] : [];
    const r = await maelstromTest(program(`test/harness/maelstrom/nodes/${file}`), ['--time-limit', '2', ...timeout, '--seed', '2']);
    // Assert
    expect(r.exitCode).toBe(255);
    // A port taken by another program between its choice and the node's bind restarts the cluster
    // on new ports, with a notice first: the node's own failure is the first line after it.
    const first = r.stderr.split('\n').find((l) => !/found its port taken; starting the cluster again/.test(l))!;
    expect(first).toMatch(message);
    expect(first).toMatch(/^faultline: maelstrom-[\w.-]+: node n\d /);
    expect(first).not.toMatch(/last lines of its log/);
    expect(nodePids(r.runDir).length).toBeGreaterThan(0);
    for (const pid of allPids(r.runDir)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);

  it('a node that writes a bad line mid-run is a crash of that node, with the line in the verdict', async () => {
    // Arrange / Act
    const r = await maelstromTest(program('test/harness/maelstrom/nodes/bad-after-init.cjs'), ['--time-limit', '2', '--rate', '30', '--seed', '3']);
    // Assert
    expect(r.exitCode).toBe(1);
    expect(r.results?.checkers.nodes.valid).toBe(false);
    const tail = (r.results?.nodeCrashes as Array<{ logTail: string[] }>).flatMap((c) => c.logTail).join('\n');
    expect(tail).toMatch(/wrote line \d+ on stdout, which has no "dest"/);
  }, 60_000);

  it.each([
    ['FIFO without --reorder', [], true],
    ['out of order with --reorder 30', ['--reorder', '30'], false],
  ])('a link delivers %s', async (_what, extra, inOrder) => {
    // Arrange / Act: every node sends 300 numbered messages to the next one at start.
    const r = await maelstromTest(program('test/harness/maelstrom/nodes/order-probe.cjs'), ['--time-limit', '1', '--seed', '5', ...(extra as string[])]);
    // Assert
    expect(r.exitCode, r.stderr).toBe(0);
    const logs = ['n1', 'n2', 'n3'].map((n) => readFileSync(join(r.runDir, 'nodes', `${n}.log`), 'utf8'));
    for (const log of logs) {
      const order = /probe-order (.*)/.exec(log)![1]!.split(',').map(Number);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(order.every((v, i) => v === i)).toBe(inOrder);
    }
  }, 60_000);

  it('kills a node that ignores stdin and SIGTERM, across kill -9 and restarts: no process left', async () => {
    // Arrange / Act
    const r = await maelstromTest(program('test/harness/maelstrom/nodes/ignores-stdin-close.cjs'), [
      '--time-limit', '4', '--rate', '20', '--nemesis', 'kill', '--nemesis-interval', '1', '--seed', '4',
    ]);
    // Assert
    expect(r.results?.checkers.echo.valid).toBe(true);
    // Some node was started again after its kill -9, and got init again.
    expect(nodePids(r.runDir).length).toBeGreaterThan(3);
    for (const pid of allPids(r.runDir)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);
});
