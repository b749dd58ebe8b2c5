/**
 * `faultline toxiproxy` as a process (built JS from dist/): starts, loads --config, serves the
 * API, exits 0 on SIGTERM; bad flags and bad config files exit 254 with one line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(__dirname, '../../../../dist/harness/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'faultline-toxiproxy-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('faultline toxiproxy', () => {
  it('needs a build', () => {
    expect(existsSync(MAIN), `run "npm run build" first: ${MAIN} is missing`).toBe(true);
  });

  it('serves the API with the --config proxies and exits 0 on SIGTERM', async () => {
    const cfg = join(dir, 'proxies.json');
    writeFileSync(cfg, JSON.stringify([{ name: 'n1', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }]));
    const child = spawn(process.execPath, [MAIN, 'toxiproxy', '--port', '0', '--seed', '5', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('close', (code) => reject(new Error(`exited ${code} before listening`)));
      });
      const proxies = (await (await fetch(`${url}/proxies`)).json()) as Record<string, { enabled: boolean }>;
      expect(Object.keys(proxies)).toEqual(['n1']);
      expect(proxies['n1']!.enabled).toBe(true);
      const code = await new Promise<number | null>((resolve) => {
        child.on('close', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 254 with one line for bad flags and bad config files', async () => {
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '[\n  {"name": "a",\n');
    const missing = join(dir, 'missing-upstream.json');
    writeFileSync(missing, '[{"name":"a","listen":"127.0.0.1:0"}]');
    const cases: Array<[string[], RegExp]> = [
      [['toxiproxy', '--port', 'abc'], /--port must be a decimal integer/],
      [['toxiproxy', '--port', '70000'], /--port must be at most 65535/],
      [['toxiproxy', '--seed', 'x', '--port', '0'], /--seed must be a decimal integer/],
      [['toxiproxy', '--port', '0', '--config', join(dir, 'nope.json')], /cannot read: ENOENT/],
      [['toxiproxy', '--port', '0', '--config', badJson], /bad\.json:\d+: not valid JSON/],
      [['toxiproxy', '--port', '0', '--config', missing], /missing required field: upstream at proxy 1/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 254 });
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
