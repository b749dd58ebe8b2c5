import { describe, expect, it } from 'vitest';
import { parseDecimalInt, parseDecimalNumber } from '../../../harness/cli/flags.js';
import { UsageError } from '../../../harness/cli/exit.js';

describe('numeric flags are decimal only', () => {
  it('accepts plain decimal integers within bounds', () => {
    expect(parseDecimalInt('--nodes', '3', { min: 1, max: 64 })).toBe(3);
    expect(parseDecimalInt('--seed', '0', { min: 0 })).toBe(0);
    expect(parseDecimalInt('--x', '-2')).toBe(-2);
  });

  it.each(['0x3', '0b11', '0o7', '1e1', '1_000', ' 3', '3 ', '', '+3', '03', '3.0', 'NaN', 'Infinity', '99999999999999999999'])(
    'refuses %j as an integer with exit 254',
    (text) => {
      expect(() => parseDecimalInt('--nodes', text, { min: 1, max: 64 })).toThrow(UsageError);
    },
  );

  it('names the flag and the bound', () => {
    expect(() => parseDecimalInt('--nodes', '80', { min: 1, max: 64 })).toThrow('--nodes must be at most 64, got 80');
    expect(() => parseDecimalInt('--nodes', '0x3')).toThrow('--nodes must be a decimal integer, got "0x3"');
  });

  it('accepts decimal fractions and refuses exponents and other bases', () => {
    expect(parseDecimalNumber('--rate', '12.5', { positive: true })).toBe(12.5);
    expect(parseDecimalNumber('--rate', '.5', { positive: true })).toBe(0.5);
    for (const bad of ['1e308', '0x10', '5.', '', 'Infinity', '1,5']) {
      expect(() => parseDecimalNumber('--rate', bad)).toThrow(UsageError);
    }
    expect(() => parseDecimalNumber('--rate', '0', { positive: true })).toThrow('--rate must be greater than 0, got 0');
  });
});
