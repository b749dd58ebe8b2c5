/**
 * Where the embedded server is stricter than toxiproxy-server on purpose: listen addresses stay on
 * loopback unless remote listeners are allowed, toxic attributes that crash or mislead the real
 * server are refused, and requests Node's HTTP layer handles itself (CONNECT, unparsable ones)
 * get an answer with a status and reason.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../harness/toxiproxy/address.js';
import { startToxiproxyServer } from '../../../harness/toxiproxy/server.js';
import { connect, http, isRefused, serverFixture } from './helpers.js';

const fx = serverFixture();

const post = (path: string, body: unknown) => http(fx.srv.url, 'POST', path, JSON.stringify(body));
const errorOf = (text: string) => JSON.parse(text) as { error: string; status: number };

/** Listen addresses that would bind beyond loopback, as clients write them. */
const REMOTE_LISTENS = ['', ':0', '0.0.0.0:0', '[::]:0', '[::ffff:10.0.0.1]:0', '10.255.0.1:0', 'example.invalid:0'];

describe('listen addresses stay on loopback unless allowed', () => {
  it('loopback hosts are localhost, 127.0.0.0/8 and ::1 in any spelling; nothing else is', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect({ h, loopback: isLoopbackHost(h) }).toEqual({ h, loopback: true });
    }
    for (const h of ['', '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'example.com', 'localhost.example.com']) {
      expect({ h, loopback: isLoopbackHost(h) }).toEqual({ h, loopback: false });
    }
  });

  it('create refuses every non-loopback listen with 500 and the reason, enabled or not, and registers nothing', async () => {
    for (const listen of REMOTE_LISTENS) {
      for (const enabled of [true, false]) {
        const body = listen === '' ? { name: 'r', upstream: fx.echo.addr, enabled } : { name: 'r', listen, upstream: fx.echo.addr, enabled };
        const r = await post('/proxies', body);
        expect({ listen, enabled, status: r.status }).toEqual({ listen, enabled, status: 500 });
        const e = errorOf(r.text);
        expect(e.status).toBe(500);
        expect(e.error).toContain(`listen tcp ${listen || '""'}: refused`);
        expect(e.error).toContain('--allow-remote');
      }
    }
    expect((await http(fx.srv.url, 'GET', '/proxies')).text).toBe('{}');
  });

  it('loopback listens in any spelling are served', async () => {
    for (const [name, listen, shown] of [
      ['l1', 'localhost:0', /^127\.0\.0\.1:\d+$/],
      ['l2', '127.0.0.2:0', /^127\.0\.0\.2:\d+$/],
      ['l3', '[::1]:0', /^\[::1\]:\d+$/],
    ] as const) {
      const r = await post('/proxies', { name, listen, upstream: fx.echo.addr });
      expect({ listen, status: r.status }).toEqual({ listen, status: 201 });
      const bound = (r.json() as { listen: string }).listen;
      expect(bound).toMatch(shown);
      const c = await connect(bound);
      await c.roundTrip('ok');
      c.destroy();
    }
  });

  it('an update to a non-loopback listen is refused and changes nothing: the proxy keeps its port and connections', async () => {
    const p = await fx.tp.createProxy({ name: 'u', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const c = await connect(p.listen);
    await c.roundTrip('before');
    for (const listen of REMOTE_LISTENS) {
      const r = await http(fx.srv.url, 'PATCH', '/proxies/u', JSON.stringify({ listen }));
      expect({ listen, status: r.status }).toEqual({ listen, status: 500 });
      expect(errorOf(r.text).error).toContain('refused');
    }
    const now = (await http(fx.srv.url, 'GET', '/proxies/u')).json() as { listen: string; enabled: boolean };
    expect(now).toMatchObject({ listen: p.listen, enabled: true });
    await c.roundTrip('after');
    expect(c.ended).toBe('open');
    c.destroy();
  });

  it('populate stops at a non-loopback item with 500, keeping the items before it (as for a bind failure)', async () => {
    const r = await post('/populate', [
      { name: 'q1', listen: '127.0.0.1:0', upstream: fx.echo.addr },
      { name: 'q2', listen: '0.0.0.0:0', upstream: fx.echo.addr },
      { name: 'q3', listen: '127.0.0.1:0', upstream: fx.echo.addr },
    ]);
    expect(r.status).toBe(500);
    const body = r.json() as { error: string; status: number; proxies: Array<{ name: string }> };
    expect(body.error).toContain('listen tcp 0.0.0.0:0: refused');
    expect(body.proxies.map((p) => p.name)).toEqual(['q1']);
    expect(Object.keys((await http(fx.srv.url, 'GET', '/proxies')).json() as object)).toEqual(['q1']);
  });

  it('the API host itself must be loopback unless allowed', async () => {
    await expect(startToxiproxyServer({ host: '0.0.0.0', port: 0, seed: 1 })).rejects.toThrow(/not a loopback address.*allowRemote/);
    const remote = await startToxiproxyServer({ host: '0.0.0.0', port: 0, seed: 1, allowRemote: true });
    try {
      expect((await http(`http://127.0.0.1:${remote.port}`, 'GET', '/version')).status).toBe(200);
      const r = await http(`http://127.0.0.1:${remote.port}`, 'POST', '/proxies', JSON.stringify({ name: 'w', listen: '0.0.0.0:0', upstream: fx.echo.addr }));
      expect(r.status).toBe(201);
    } finally {
      await remote.close();
    }
  });
});

/** One out-of-range attribute set per toxic type, and the reason the server gives. */
const BAD_ATTRIBUTES: Array<[string, Record<string, number>, string]> = [
  ['latency', { latency: -1 }, 'latency: latency must be at least 0 ms, got -1'],
  ['latency', { latency: 10, jitter: -5 }, 'latency: jitter must be at least 0 ms, got -5'],
  ['latency', { latency: 3_600_001 }, 'latency: latency must be at most 3600000 ms, got 3600001'],
  ['latency', { jitter: 2 ** 40 }, `latency: jitter must be at most 3600000 ms, got ${2 ** 40}`],
  ['bandwidth', { rate: -1 }, 'bandwidth: rate must be at least 0 KB/s, got -1'],
  ['slow_close', { delay: -1 }, 'slow_close: delay must be at least 0 ms, got -1'],
  ['slow_close', { delay: 2 ** 31 }, `slow_close: delay must be at most 3600000 ms, got ${2 ** 31}`],
  ['timeout', { timeout: -100 }, 'timeout: timeout must be at least 0 ms, got -100'],
  ['timeout', { timeout: 2 ** 31 }, `timeout: timeout must be at most 3600000 ms, got ${2 ** 31}`],
  ['reset_peer', { timeout: -1 }, 'reset_peer: timeout must be at least 0 ms, got -1'],
  ['slicer', {}, 'slicer: average_size must be at least 1 bytes, got 0'],
  ['slicer', { average_size: 0 }, 'slicer: average_size must be at least 1 bytes, got 0'],
  ['slicer', { average_size: -3 }, 'slicer: average_size must be at least 1 bytes, got -3'],
  ['slicer', { average_size: 10, size_variation: -1 }, 'slicer: size_variation must be at least 0 bytes, got -1'],
  ['slicer', { average_size: 10, size_variation: 10 }, 'slicer: size_variation must be less than average_size (10), got 10'],
  ['slicer', { average_size: 10, delay: -1 }, 'slicer: delay must be at least 0 µs, got -1'],
  ['limit_data', { bytes: -1 }, 'limit_data: bytes must be at least 0 bytes, got -1'],
];

describe('toxic attributes out of range are refused with the reason', () => {
  it('on create: 400, and nothing is added', async () => {
    await fx.tp.createProxy({ name: 'a', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    for (const [type, attributes, reason] of BAD_ATTRIBUTES) {
      const r = await post('/proxies/a/toxics', { type, attributes });
      expect({ type, attributes, status: r.status }).toEqual({ type, attributes, status: 400 });
      expect(errorOf(r.text)).toEqual({ error: `bad request body: ${reason}`, status: 400 });
    }
    expect((await http(fx.srv.url, 'GET', '/proxies/a/toxics')).text).toBe('[]');
  });

  it('on update, checked after merging: 400, and the toxic keeps its values', async () => {
    await fx.tp.createProxy({ name: 'b', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const made = await post('/proxies/b/toxics', { name: 's', type: 'slicer', attributes: { average_size: 10, size_variation: 3, delay: 5 } });
    expect(made.status).toBe(200);
    for (const attributes of [{ size_variation: 10 }, { average_size: 3 }, { average_size: 0 }, { delay: -1 }]) {
      const r = await post('/proxies/b/toxics/s', { attributes });
      expect({ attributes, status: r.status }).toEqual({ attributes, status: 400 });
    }
    const bw = await post('/proxies/b/toxics', { name: 'bw', type: 'bandwidth', attributes: { rate: 0 } });
    expect(bw.status).toBe(200); // rate 0 is Toxiproxy's "never deliver", kept
    expect((await post('/proxies/b/toxics/bw', { attributes: { rate: -1 } })).status).toBe(400);
    const now = (await http(fx.srv.url, 'GET', '/proxies/b/toxics/s')).json() as { attributes: unknown };
    expect(now.attributes).toEqual({ average_size: 10, size_variation: 3, delay: 5 });
  });

  it('the largest accepted values are served and do not fire early', async () => {
    const p = await fx.tp.createProxy({ name: 'c', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const r = await post('/proxies/c/toxics', { type: 'latency', attributes: { latency: 3_600_000, jitter: 3_600_000 } });
    expect(r.status).toBe(200);
    // latency + jitter can reach two hours: within Node's timer range, so nothing arrives at once.
    const rt = await post('/proxies/c/toxics', { type: 'timeout', stream: 'upstream', attributes: { timeout: 3_600_000 } });
    expect(rt.status).toBe(200);
    const c = await connect(p.listen);
    c.socket.write('held');
    await new Promise((res) => setTimeout(res, 300));
    expect(c.received().length).toBe(0);
    expect(c.ended).toBe('open');
    c.destroy();
  });
});

/** A raw HTTP/1.1 exchange on a fresh socket: everything the server wrote until it closed. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within 5 s; got ${JSON.stringify(out)}`));
    }, 5000);
    s.on('data', (d) => (out += d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(text);
  });
}

describe('requests outside the router get an answer', () => {
  it('CONNECT is 405 on an API path and 404 elsewhere, as any unsupported method', async () => {
    const api = await rawExchange(fx.srv.port, 'CONNECT /proxies HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(api).toMatch(/^HTTP\/1\.1 405 /);
    const tunnel = await rawExchange(fx.srv.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(tunnel).toMatch(/^HTTP\/1\.1 404 /);
    expect(tunnel.endsWith('\r\n\r\n404 page not found\n')).toBe(true);
  });

  it('unparsable requests get 400 (or 431 for huge headers) with a JSON reason', async () => {
    for (const [text, status] of [
      ['BREW /proxies HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['\x00\x01garbage\r\n\r\n', 400],
      ['POST /proxies HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
      [`GET /proxies HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ] as const) {
      const out = await rawExchange(fx.srv.port, text);
      expect(out).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as { error: string; status: number };
      expect(body.status).toBe(status);
      expect(body.error).toMatch(/^bad request: HPE_/);
    }
    expect((await http(fx.srv.url, 'GET', '/version')).status).toBe(200);
  });

  it('an absolute-form target names its path', async () => {
    const out = await rawExchange(fx.srv.port, `GET http://elsewhere/proxies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(await isRefused(`127.0.0.1:${fx.srv.port}`)).toBe(false);
  });
});
