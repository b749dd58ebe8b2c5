/**
 * openToxiproxy: the embedded server in-process, or an external server by URL; close() leaves
 * nothing behind (embedded: server stopped; external: only the proxies it created are deleted).
 */
import { describe, expect, it } from 'vitest';
import { openToxiproxy, startToxiproxyServer } from '../../../harness/toxiproxy/connect.js';
import { FaultlineError } from '../../../harness/cli/exit.js';
import { connect, freePort, http, isRefused, startUpstream } from './helpers.js';

describe('openToxiproxy', () => {
  it('starts the embedded server on a free loopback port and stops it on close()', async () => {
    const echo = await startUpstream();
    const tp = await openToxiproxy({ seed: 5 });
    try {
      expect(tp.embedded).toBe(true);
      expect(tp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const p = await tp.createProxy({ name: 'n1', listen: '127.0.0.1:0', upstream: echo.addr });
      const c = await connect(p.listen);
      await c.roundTrip('hi');
      await tp.close();
      await c.end();
      expect(await isRefused(p.listen)).toBe(true);
      await expect(fetch(`${tp.url}/version`)).rejects.toThrow();
      await expect(tp.createProxy({ name: 'n2', listen: '127.0.0.1:0', upstream: echo.addr })).rejects.toThrow('closed');
    } finally {
      await tp.close();
      await echo.close();
    }
  });

  it('talks to an external server by URL and deletes only the proxies it created', async () => {
    const external = await startToxiproxyServer({ port: 0, seed: 1 });
    const echo = await startUpstream();
    try {
      await http(external.url, 'POST', '/proxies', JSON.stringify({ name: 'theirs', listen: '127.0.0.1:0', upstream: echo.addr }));
      const tp = await openToxiproxy({ url: `${external.url}/` });
      expect(tp.embedded).toBe(false);
      expect(tp.url).toBe(external.url);
      await tp.createProxy({ name: 'mine', listen: '127.0.0.1:0', upstream: echo.addr });
      expect(Object.keys(await tp.client.getAll()).sort()).toEqual(['mine', 'theirs']);
      await tp.close();
      expect(Object.keys((await http(external.url, 'GET', '/proxies')).json() as object)).toEqual(['theirs']);
    } finally {
      await external.close();
      await echo.close();
    }
  });

  it('refuses a bad URL, an unreachable server and unsafe proxy names with a usage error (exit 254)', async () => {
    await expect(openToxiproxy({ url: 'not a url' })).rejects.toThrow(/not a URL/);
    await expect(openToxiproxy({ url: 'https://127.0.0.1:1' })).rejects.toThrow(/http:\/\//);
    const port = await freePort();
    const err = await openToxiproxy({ url: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaultlineError);
    expect((err as FaultlineError).exitCode).toBe(254);
    expect((err as Error).message).toContain('no Toxiproxy API answers');
    const tp = await openToxiproxy({});
    try {
      await expect(tp.createProxy({ name: 'a/b', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' })).rejects.toThrow(/must match/);
    } finally {
      await tp.close();
    }
  });
});
