/**
 * Run folders: `makeDirs` makes missing parents one level at a time and reports the first level
 * that cannot be made; a folder a flag names that cannot be made is a UsageError naming the flag.
 * Pure file system work; needs no build.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/cli/exit.js';
import { makeDirs, makeFlagDir } from '../../../harness/run/folder.js';
import { tempDir } from '../../support/cli.js';

describe('run folders', () => {
  it('makes every missing level, and is a no-op for a folder that exists', () => {
    const base = tempDir();
    const deep = join(base, 'a', 'b', 'c');
    makeDirs(deep);
    expect(existsSync(deep)).toBe(true);
    makeDirs(deep);
    expect(existsSync(deep)).toBe(true);
  });

  it('names the flag and the error when a file is in the way', () => {
    const base = tempDir();
    writeFileSync(join(base, 'file'), 'x');
    const err = (() => {
      try {
        makeFlagDir('--results-dir', join(base, 'file', 'runs'));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err?.message).toMatch(/^--results-dir .*file\/runs: cannot create the folder \(ENOTDIR\)$/);
  });

  it.runIf(existsSync('/proc/self'))('returns with ENOENT under /proc, where a recursive mkdir never returns', () => {
    expect(() => makeFlagDir('--out', '/proc/faultline-no/such')).toThrow('--out /proc/faultline-no/such: cannot create the folder (ENOENT)');
  });
});
