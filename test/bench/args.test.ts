import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchFlags } from '../../bench/support/args.js';

const detect = join(__dirname, '..', '..', 'dist', 'bench', 'detect.js');

describe('bench flags', () => {
  it('reads valued and boolean flags, with defaults for those not given', () => {
    const f = benchFlags('t', 'usage', ['--runs', '--only'], ['--keep'], ['--runs', '3', '--keep']);
    expect(f.arg('--runs', '5')).toBe('3');
    expect(f.arg('--only', 'all')).toBe('all');
    expect(f.has('--keep')).toBe(true);
  });

  it('bench:detect prints its usage on --help and refuses an unknown flag with 254, starting no run', () => {
    const help = execFileSync(process.execPath, [detect, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help).toMatch(/^usage: node dist\/bench\/detect\.js/);
    const bad = spawnSync(process.execPath, [detect, '--broken-run', '3'], { encoding: 'utf8', timeout: 20_000 });
    expect(bad.status).toBe(254);
    expect(bad.stderr).toMatch(/detect: Unknown option '--broken-run'/);
    expect(bad.stdout).toBe('');
  });
});
