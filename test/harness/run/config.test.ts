import { describe, expect, it } from 'vitest';
import { parseRunArgv, reproCommand, resolveRunFlags, runArgv, type RunFlags } from '../../../harness/run/config.js';
import { UsageError } from '../../../harness/cli/exit.js';
import { requireBuild } from '../../support/cli.js';

/** The flags of a repro command line, as commander would hand them over. */
function flagsOf(command: string): RunFlags {
  const words = command.replace(/^faultline run /, '').split(' ');
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < words.length; i++) {
    const name = (words[i] as string).replace(/^--/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const next = words[i + 1];
    // A flag followed by another flag (or nothing) is a switch.
    if (next === undefined || next.startsWith('--')) flags[name] = true;
    else flags[name] = words[++i] as string;
  }
  return flags as RunFlags;
}

describe('run config', () => {
  it('fills defaults from the manifest and reproduces itself from its repro command', () => {
    requireBuild();
    const { config } = resolveRunFlags({ system: 'stale-kv', nemesis: 'kill,pause', seed: '12', rate: '2.5' });
    expect(config).toMatchObject({ system: 'stale-kv', variant: 'correct', workload: 'register', nodes: 3, concurrency: 6, rateOpsPerSec: 2.5, nemesis: ['kill', 'pause'], seed: 12 });
    const again = resolveRunFlags(flagsOf(reproCommand(config, 'stale-kv'))).config;
    expect(again).toEqual(config);
  });

  it('keeps --log-messages in the repro command', () => {
    requireBuild();
    const { config } = resolveRunFlags({ system: 'atomic-kv', seed: '3', logMessages: true });
    expect(config.logMessages).toBe(true);
    const command = reproCommand(config, 'atomic-kv');
    expect(command).toMatch(/ --log-messages$/);
    expect(resolveRunFlags(flagsOf(command)).config).toEqual(config);
    expect(resolveRunFlags({ system: 'atomic-kv', seed: '3' }).config.logMessages).toBe(false);
  });

  it('keeps --nemesis-overlap in the repro command', () => {
    requireBuild();
    const { config } = resolveRunFlags({ system: 'atomic-kv', seed: '4', nemesis: 'kill,clock', nemesisOverlap: true });
    expect(config.nemesisOverlap).toBe(true);
    const command = reproCommand(config, 'atomic-kv');
    expect(command).toContain(' --nemesis-overlap');
    expect(resolveRunFlags(flagsOf(command)).config).toEqual(config);
    expect(resolveRunFlags({ system: 'atomic-kv', seed: '4' }).config.nemesisOverlap).toBe(false);
  });

  it('takes the combined default nemesis without --nemesis, and the old one with any nemesis flag', () => {
    requireBuild();
    const { config } = resolveRunFlags({ system: 'raftkv', seed: '3' });
    // Every kind raftkv's manifest can take: it names message types and claims disk.
    expect(config).toMatchObject({ nemesisDefault: true, nemesis: ['partition', 'kill', 'pause', 'latency', 'clock', 'message', 'disk'] });
    const command = reproCommand(config, 'raftkv');
    expect(command).toContain(' --nemesis default ');
    expect(command).not.toContain('--nemesis-interval');
    expect(resolveRunFlags(flagsOf(command)).config).toEqual(config);
    // A system without message types or a disk claim: those kinds are left out.
    expect(resolveRunFlags({ system: 'atomic-kv', seed: '3' }).config.nemesis).toEqual(['partition', 'kill', 'pause', 'latency', 'clock']);
    for (const flags of [{ nemesisInterval: '2' }, { nemesisOverlap: true }, { nemesis: 'partition,kill' }]) {
      const old = resolveRunFlags({ system: 'raftkv', seed: '3', ...flags }).config;
      expect(old.nemesisDefault).toBe(false);
      expect(old.nemesis).toEqual(['partition', 'kill']);
    }
  });

  it("takes the manifest's defaultWorkload when no --workload is given", () => {
    requireBuild();
    expect(resolveRunFlags({ system: 'txn-kv', seed: '1' }).config.workload).toBe('list-append');
    expect(resolveRunFlags({ system: 'txn-kv', seed: '1', workload: 'register' }).config.workload).toBe('register');
    expect(resolveRunFlags({ system: 'raftkv', seed: '1' }).config.workload).toBe('register');
  });

  it('keeps --consistency-model in the repro command, for transactional workloads only', () => {
    requireBuild();
    const { config } = resolveRunFlags({ system: 'txn-kv', workload: 'list-append', seed: '5', consistencyModel: 'snapshot-isolation' });
    expect(config.workloadOptions).toEqual({ consistencyModel: 'snapshot-isolation' });
    const command = reproCommand(config, 'txn-kv');
    expect(command).toContain(' --consistency-model snapshot-isolation');
    expect(resolveRunFlags(flagsOf(command)).config).toEqual(config);
    expect(resolveRunFlags({ system: 'txn-kv', workload: 'list-append', seed: '5' }).config.workloadOptions).toEqual({});
    expect(() => resolveRunFlags({ system: 'txn-kv', workload: 'list-append', consistencyModel: 'eventual' })).toThrow(
      /--consistency-model: unknown model "eventual" \(known: .*snapshot-isolation/,
    );
    expect(() => resolveRunFlags({ system: 'atomic-kv', consistencyModel: 'serializable' })).toThrow(
      '--consistency-model applies to the transactional workloads (list-append, rw-register, txn-list-append, txn-rw-register), not to register',
    );
  });

  it('carries workload options as one object the workload checks, by --consistency-model or --workload-options, through the repro command', () => {
    requireBuild();
    // Given as JSON, the repro command writes it by its own flag, and that reads back the same.
    const given = resolveRunFlags({ system: 'txn-kv', workload: 'rw-register', seed: '6', workloadOptions: '{"consistencyModel":"serializable"}' }).config;
    expect(resolveRunFlags(flagsOf(reproCommand(given, 'txn-kv'))).config).toEqual({ ...given, workloadOptions: { consistencyModel: 'serializable' } });
    expect(reproCommand(given, 'txn-kv')).toMatch(/ --consistency-model serializable( |$)/);
    // An option without a flag of its own goes as JSON.
    const argv = runArgv({ system: 'txn-kv', nemesis: [], workloadOptions: { consistencyModel: 'serializable', depth: 3 } });
    expect(argv.slice(-4)).toEqual(['--consistency-model', 'serializable', '--workload-options', '{"depth":3}']);
    expect(parseRunArgv(argv)).toMatchObject({ consistencyModel: 'serializable', workloadOptions: '{"depth":3}' });
    const bad: Array<[RunFlags, string | RegExp]> = [
      [{ workloadOptions: '{"consistencyModel":' }, /^--workload-options: not valid JSON/],
      [{ workloadOptions: '["serializable"]' }, /^--workload-options: must be a JSON object/],
      [{ workloadOptions: '{"consistencyModel":3}' }, /^--workload-options: consistencyModel: unknown model 3 \(known: /],
      [{ workloadOptions: '{"model":"serializable"}' }, '--workload-options: model: no workload takes this option (the list-append workload takes: consistencyModel)'],
      [{ workloadOptions: '{"__proto__":{"consistencyModel":"serializable"}}' }, '--workload-options: __proto__: no workload takes this option'],
      [{ workloadOptions: '{"consistencyModel":"serializable"}', consistencyModel: 'serializable' }, '--consistency-model: consistencyModel is given by --workload-options too'],
    ];
    for (const [flags, message] of bad) {
      const call = () => resolveRunFlags({ system: 'txn-kv', workload: 'list-append', ...flags });
      expect(call, JSON.stringify(flags)).toThrow(UsageError);
      expect(call, JSON.stringify(flags)).toThrow(message);
    }
  });

  it('rejects each bad value with a UsageError naming the flag', () => {
    requireBuild();
    const bad: Array<[RunFlags, RegExp]> = [
      [{ system: 'atomic-kv', seed: '-1' }, /--seed must be at least 0/],
      [{ system: 'atomic-kv', seed: '1.5' }, /--seed must be an integer/],
      [{ system: 'atomic-kv', opTimeout: '0' }, /--op-timeout must be greater than 0/],
      [{ system: 'atomic-kv', nemesisInterval: '-2' }, /--nemesis-interval must be greater than 0/],
      [{ system: 'atomic-kv', rate: '1000000000' }, /--rate must be at most 100000/],
      [{ system: 'atomic-kv', rate: '1e9' }, /--rate must be a number in decimal notation, got "1e9"/],
      [{ system: 'atomic-kv', nodes: '0x3' }, /--nodes must be a decimal integer, got "0x3"/],
      [{ system: 'atomic-kv', nemesis: 'kill,,pause' }, /unknown fault ""/],
    ];
    for (const [flags, message] of bad) {
      expect(() => resolveRunFlags(flags)).toThrow(UsageError);
      expect(() => resolveRunFlags(flags)).toThrow(message);
    }
    expect(resolveRunFlags({ system: 'atomic-kv', nemesis: 'none' }).config.nemesis).toEqual([]);
  });
});
