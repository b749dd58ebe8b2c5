/** Node config validation: every bad field gets one clear message. */
import { describe, expect, it } from 'vitest';
import { booleanParam, ConfigError, numberParam, validateConfig } from '../../../systems/lib/config.js';

const good = { id: 'n1', variant: 'correct', clientPort: 4000, peerPort: 4001, peers: { n2: '127.0.0.1:5000' }, dataDir: '/tmp/x', params: {} };

describe('validateConfig', () => {
  it('accepts a complete config and fills defaults', () => {
    expect(validateConfig(good)).toEqual(good);
    expect(validateConfig({ id: 'n1', clientPort: 0, dataDir: '/d' })).toMatchObject({ variant: 'correct', peerPort: 0, peers: {}, params: {} });
  });

  it.each([
    [[], 'expected a JSON object'],
    [{ ...good, id: '' }, 'id:'],
    [{ ...good, clientPort: 70000 }, 'clientPort:'],
    [{ ...good, clientPort: '4000' }, 'clientPort:'],
    [{ ...good, peerPort: -1 }, 'peerPort:'],
    [{ ...good, peers: { n2: 'nohost' } }, 'peers.n2'],
    [{ ...good, peers: { n1: '127.0.0.1:1' } }, 'not its own peer'],
    [{ ...good, dataDir: '' }, 'dataDir:'],
    [{ ...good, params: [] }, 'params:'],
    [{ ...good, extra: 1 }, 'unknown field "extra"'],
  ])('rejects %j with a message naming the field', (raw, msg) => {
    expect(() => validateConfig(raw)).toThrow(msg);
  });
});

describe('typed params', () => {
  const cfg = (params: Record<string, unknown>) => validateConfig({ ...good, params });

  it('numberParam: the default when absent, the value when in range, one message naming the param otherwise', () => {
    expect(numberParam(cfg({}), 'tickMs', 20, 1, 100)).toBe(20);
    expect(numberParam(cfg({ tickMs: 5 }), 'tickMs', 20, 1, 100)).toBe(5);
    expect(() => numberParam(cfg({ tickMs: 500 }), 'tickMs', 20, 1, 100)).toThrow('params.tickMs: expected a number in [1, 100]');
    expect(() => numberParam(cfg({ tickMs: '5' }), 'tickMs', 20, 1, 100)).toThrow(ConfigError);
  });

  it('booleanParam: true or false only', () => {
    expect(booleanParam(cfg({}), 'preVote', true)).toBe(true);
    expect(booleanParam(cfg({ preVote: false }), 'preVote', true)).toBe(false);
    expect(() => booleanParam(cfg({ preVote: 'no' }), 'preVote', true)).toThrow('params.preVote: expected true or false');
    expect(() => booleanParam(cfg({ preVote: 0 }), 'preVote', true)).toThrow(ConfigError);
  });
});
