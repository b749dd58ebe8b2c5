/**
 * Toxiproxy 2.12 conformance checklist: proxy lifecycle with open connections, pass-through,
 * reset. Each test drives real TCP through the embedded server to echo upstreams on loopback.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { connect, freePort, http, isRefused, startUpstream, serverFixture } from './helpers.js';

const fx = serverFixture();

describe('proxy lifecycle with open connections', () => {
  it('14. update({enabled:false}) refuses connects, ends open connections on both sides, keeps the toxics', async () => {
    const p = await fx.tp.createProxy({ name: 'p14', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await p.addToxic({ name: 'n', type: 'noop' as never, stream: 'downstream', toxicity: 1, attributes: {} });
    const c = await connect(p.listen);
    await c.roundTrip('a');
    const upstreamSide = fx.echo.conns[fx.echo.conns.length - 1]!;
    const off = await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
    expect(off.enabled).toBe(false);
    await c.end();
    expect(c.ended).toBe('eof');
    await c.until(() => upstreamSide.ended !== 'open', 2000, 'upstream side closed');
    expect(upstreamSide.ended).toBe('eof');
    expect(await isRefused(p.listen)).toBe(true);
    const toxics = (await http(fx.srv.url, 'GET', '/proxies/p14/toxics')).json() as Array<{ name: string }>;
    expect(toxics.map((t) => t.name)).toEqual(['n']);
  });

  it('15. update({enabled:true}) accepts again and new connections get the existing toxics', async () => {
    const p = await fx.tp.createProxy({ name: 'p15', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
    await p.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 150, jitter: 0 } });
    const on = await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
    expect(on.enabled).toBe(true);
    expect(on.listen).toBe(p.listen);
    const c = await connect(p.listen);
    expect(await c.roundTrip('x')).toBeGreaterThanOrEqual(140);
    c.destroy();
  });

  it('16. update({upstream:new}) closes open connections, rebinds the same port, new connections reach the new upstream', async () => {
    const other = await startUpstream((s) => s.on('data', () => s.write('other')));
    try {
      const p = await fx.tp.createProxy({ name: 'p16', listen: '127.0.0.1:0', upstream: fx.echo.addr });
      const c = await connect(p.listen);
      await c.roundTrip('a');
      const u = await p.update({ upstream: other.addr, enabled: true, listen: p.listen });
      expect(u.listen).toBe(p.listen);
      await c.end();
      const d = await connect(p.listen);
      d.socket.write('?');
      await d.bytes(5);
      expect(d.received().toString()).toBe('other');
      d.destroy();
    } finally {
      await other.close();
    }
  });

  it('17. PATCH {"listen":"127.0.0.1:0"} moves to a new port; the old port is refused; old connections close', async () => {
    const p = await fx.tp.createProxy({ name: 'p17', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const c = await connect(p.listen);
    await c.roundTrip('a');
    const r = await http(fx.srv.url, 'PATCH', '/proxies/p17', '{"listen":"127.0.0.1:0"}');
    const moved = (r.json() as { listen: string }).listen;
    expect(moved).not.toBe(p.listen);
    await c.end();
    expect(await isRefused(p.listen)).toBe(true);
    const d = await connect(moved);
    await d.roundTrip('b');
    d.destroy();
  });

  it('18. PATCH with the same listen written as localhost:<port> is 200 and an open connection survives', async () => {
    const p = await fx.tp.createProxy({ name: 'p18', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const c = await connect(p.listen);
    await c.roundTrip('a');
    const port = p.listen.split(':')[1];
    const r = await http(fx.srv.url, 'PATCH', '/proxies/p18', JSON.stringify({ listen: `localhost:${port}` }));
    expect(r.status).toBe(200);
    expect((r.json() as { listen: string }).listen).toBe(p.listen);
    await c.roundTrip('b');
    expect(c.ended).toBe('open');
    c.destroy();
  });

  it('21. remove() is 204; the port is refused; open connections close; a second remove() is 404', async () => {
    const p = await fx.tp.createProxy({ name: 'p21', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const c = await connect(p.listen);
    await c.roundTrip('a');
    await p.remove();
    await c.end();
    expect(await isRefused(p.listen)).toBe(true);
    await expect(p.remove()).rejects.toThrow('status code 404');
  });

  it('22. upstream down: the connect succeeds and EOF follows within 100 ms', async () => {
    const dead = await freePort();
    const p = await fx.tp.createProxy({ name: 'p22', listen: '127.0.0.1:0', upstream: `127.0.0.1:${dead}` });
    const c = await connect(p.listen);
    await c.end(2000);
    expect(['eof', 'closed']).toContain(c.ended);
    expect(c.ended).not.toBe('refused');
    expect(c.endedAt - c.startedAt).toBeLessThan(1000);
  });

  it('23. pass-through is byte-exact for 11 B, 64 KiB and 1 MiB both ways; two writes arrive concatenated in order', async () => {
    const p = await fx.tp.createProxy({ name: 'p23', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    for (const size of [11, 64 * 1024, 1024 * 1024]) {
      const c = await connect(p.listen);
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
      c.socket.write(payload);
      await c.bytes(size, 10_000);
      expect(c.received().equals(payload)).toBe(true);
      const upstreamSide = fx.echo.conns[fx.echo.conns.length - 1]!;
      expect(Buffer.concat(upstreamSide.data).equals(payload)).toBe(true);
      c.destroy();
    }
    const c = await connect(p.listen);
    c.socket.write('hello ');
    c.socket.write('world');
    await c.bytes(11);
    expect(c.received().toString()).toBe('hello world');
    c.destroy();
  });
});

describe('reset', () => {
  it('37. reset() is 204: every proxy enabled, every toxic list [], nothing deleted; a slowed connection becomes fast and stays open', async () => {
    const a = await fx.tp.createProxy({ name: 'r1', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const b = await fx.tp.createProxy({ name: 'r2', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await b.update({ enabled: false, listen: b.listen, upstream: b.upstream });
    // A latency far above any stall of a loaded machine, so that "fast" below cannot be confused with it.
    await a.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1500, jitter: 0 } });
    const c = await connect(a.listen);
    expect(await c.roundTrip('slow')).toBeGreaterThanOrEqual(1490);
    const r = await http(fx.srv.url, 'POST', '/reset');
    expect(r.status).toBe(204);
    await fx.tp.reset();
    const all = (await http(fx.srv.url, 'GET', '/proxies')).json() as Record<string, { enabled: boolean; toxics: unknown[] }>;
    expect(Object.keys(all)).toEqual(['r1', 'r2']);
    for (const p of Object.values(all)) expect(p).toMatchObject({ enabled: true, toxics: [] });
    expect(await c.roundTrip('fast')).toBeLessThan(1400);
    expect(c.ended).toBe('open');
    c.destroy();
  });

  it('38. reset while a disabled proxy\'s port is taken by another process is 500 address already in use', async () => {
    const p = await fx.tp.createProxy({ name: 'r38', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
    const [host, port] = p.listen.split(':');
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(Number(port), host, r));
    try {
      const r = await http(fx.srv.url, 'POST', '/reset');
      expect(r.status).toBe(500);
      expect((r.json() as { error: string }).error).toContain('address already in use');
    } finally {
      holder.close();
    }
  });
});
