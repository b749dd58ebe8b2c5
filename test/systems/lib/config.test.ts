/** Node config validation: every bad field gets one clear message. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../systems/lib/config.js';

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
