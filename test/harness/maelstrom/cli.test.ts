/**
 * `faultline maelstrom test`'s command line: Maelstrom's flags as `faultline run` flags, and bad
 * input refused with one line and exit 254 before anything starts; the topologies broadcast gets.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConcurrency, runFlagsOf } from '../../../harness/cli/commands/maelstrom.js';
import { UsageError } from '../../../harness/cli/exit.js';
import { topology, setupMessages } from '../../../harness/maelstrom/params.js';
import { MAELSTROM_OPTION_DEFAULTS } from '../../../workloads/maelstrom/options.js';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';
import { program } from './support.js';

beforeAll(() => requireBuild());

describe('Maelstrom flags', () => {
  it('translates the flags Maelstrom and faultline share, and defaults to no faults as Maelstrom does', () => {
    const f = runFlagsOf({ bin: './n', workload: 'broadcast', nodeCount: '5', timeLimit: '20', rate: '10', concurrency: '2n', topology: 'tree3', seed: '9' });
    expect(f).toMatchObject({ system: 'maelstrom:./n', workload: 'broadcast', nodes: '5', concurrency: '10', rate: '10', timeLimit: '20', nemesis: 'none', seed: '9' });
    expect(JSON.parse(f.workloadOptions!)).toEqual({ topology: 'tree3' });
    expect(runFlagsOf({ bin: './n', nemesis: 'kill,pause,message', logNetSend: true })).toMatchObject({ nemesis: 'kill,pause,message', logMessages: true, concurrency: '3' });
    expect(parseConcurrency('3', 5)).toBe(3);
    expect(parseConcurrency('1n', 4)).toBe(4);
  });

  it.each([
    [{}, /--bin <program> is required/],
    [{ bin: './n', latency: '10' }, /--latency: links are real loopback TCP/],
    [{ bin: './n', workload: 'register' }, /-w register: not a Maelstrom workload/],
    [{ bin: './n', topology: 'star' }, /--topology star: known topologies are grid/],
    [{ bin: './n', nodeCount: '0' }, /--node-count must be at least 1/],
    [{ bin: './n', concurrency: 'xn' }, /--concurrency must be a decimal integer/],
    [{ bin: './n', consistencyModels: 'serializable,snapshot-isolation' }, /--consistency-models: give one model/],
  ])('refuses %j', (flags, message) => {
    expect(() => runFlagsOf(flags)).toThrow(UsageError);
    expect(() => runFlagsOf(flags)).toThrow(message);
  });

  it('a missing or non-executable program is exit 254 with one line', async () => {
    const dir = tempDir();
    const script = join(dir, 'node.js');
    writeFileSync(script, '#!/usr/bin/env node\n');
    chmodSync(script, 0o644);
    const missing = await runCli(['maelstrom', 'test', '--bin', join(dir, 'nope')]);
    expect(missing.exitCode).toBe(254);
    expect(missing.stderr.trim()).toMatch(/^faultline: --bin .*nope: no such file$/);
    const plain = await runCli(['maelstrom', 'test', '--bin', script]);
    expect(plain.exitCode).toBe(254);
    expect(plain.stderr.trim()).toMatch(/not executable \(chmod \+x it; a script needs a #! line\)$/);
  });

  it('an unknown workload option is refused by name', async () => {
    const r = await runCli(['run', '--system', `maelstrom:${program('examples/maelstrom/js/echo.js')}`, '--workload', 'echo', '--workload-options', '{"keyCount":3}']);
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/keyCount.*kafka/);
  });
});

describe('topologies', () => {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  it('grid: a square of side ceil(sqrt(n)), neighbours right and below, both ways', () => {
    expect(topology('grid', ids)).toEqual({ n1: ['n2', 'n4'], n2: ['n1', 'n3', 'n5'], n3: ['n2'], n4: ['n1', 'n5'], n5: ['n2', 'n4'] });
  });
  it('line, total and tree2', () => {
    expect(topology('line', ids).n3).toEqual(['n2', 'n4']);
    expect(topology('total', ids).n1).toEqual(['n2', 'n3', 'n4', 'n5']);
    expect(topology('tree2', ids)).toEqual({ n1: ['n2', 'n3'], n2: ['n1', 'n4', 'n5'], n3: ['n1'], n4: ['n2'], n5: ['n2'] });
  });
  it('only broadcast gets a topology message, the whole map to every node', () => {
    expect(setupMessages('g-set', MAELSTROM_OPTION_DEFAULTS, ids)).toEqual({});
    const s = setupMessages('broadcast', MAELSTROM_OPTION_DEFAULTS, ids);
    expect(s.n4).toEqual([{ type: 'topology', topology: topology('grid', ids) }]);
  });
});
