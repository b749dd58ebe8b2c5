/**
 * `faultline toxiproxy` and `faultline serve` as processes (built JS from dist/): a non-loopback
 * --host is refused with exit 254 and one line unless --allow-remote is given.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = join(__dirname, '../../../dist/harness/cli/main.js');

/** Starts the CLI, waits until its stdout and stderr together match `ready`, then kills it by its pid. */
async function startsAndStops(args: string[], ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    return await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const check = (): void => {
        if (ready.test(out + err)) resolve(out + err);
      };
      child.stdout.on('data', (d) => {
        out += d;
        check();
      });
      child.stderr.on('data', (d) => {
        err += d;
        check();
      });
      child.on('close', (code) => reject(new Error(`exited ${code} before listening: ${out}${err}`)));
    });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('--host beyond loopback needs --allow-remote', () => {
  it('needs a build', () => {
    expect(existsSync(MAIN), `run "npm run build" first: ${MAIN} is missing`).toBe(true);
  });

  it('without it, toxiproxy and serve exit 254 with one line naming the flag', () => {
    for (const args of [
      ['toxiproxy', '--host', '0.0.0.0', '--port', '0'],
      ['toxiproxy', '--host', '::', '--port', '0'],
      ['serve', '--host', '0.0.0.0', '--port', '0'],
      ['serve', '--host', 'example.invalid', '--port', '0'],
    ]) {
      const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
      expect({ args, code: r.status }).toEqual({ args, code: 254 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/is not a loopback address.*--allow-remote/);
    }
  });

  it('bad ports are refused by the one decimal parser', () => {
    for (const [args, re] of [
      [['toxiproxy', '--port', '0x10'], /--port must be a decimal integer, got "0x10"/],
      [['serve', '--port', '1e3'], /--port must be a decimal integer, got "1e3"/],
      [['serve', '--port', '65536'], /--port must be at most 65535, got 65536/],
    ] as const) {
      const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
      expect({ args, code: r.status }).toEqual({ args, code: 254 });
      expect(r.stderr).toMatch(re);
    }
  });

  it('with it, both start; serve still warns', async () => {
    const tp = await startsAndStops(['toxiproxy', '--host', '0.0.0.0', '--port', '0', '--allow-remote'], /API on http:\/\/0\.0\.0\.0:\d+/);
    expect(tp).toContain('faultline toxiproxy: API on');
    const both = /^(?=[\s\S]*faultline serve: http)(?=[\s\S]*faultline serve: warning: bound to 0\.0\.0\.0)/;
    const serve = await startsAndStops(['serve', '--host', '0.0.0.0', '--port', '0', '--allow-remote', '--results-dir', 'results'], both);
    expect(serve).toContain('other machines can read these results');
  });
});
