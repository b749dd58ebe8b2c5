/**
 * Toxiproxy 2.12 conformance checklist, API items: driven through toxiproxy-node-client (C)
 * and plain HTTP (H) against the embedded server. Test names carry the item numbers.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from '../../../harness/toxiproxy/server.js';
import { connect, freePort, http, isRefused, serverFixture } from './helpers.js';

const fx = serverFixture();

const post = (path: string, body: unknown) => http(fx.srv.url, 'POST', path, typeof body === 'string' ? body : JSON.stringify(body));
const errorOf = (text: string) => JSON.parse(text) as { error: string; status: number };

describe('API basics', () => {
  it('1. GET /version: 200, application/json;charset=utf-8, {"version": "<v>"}\\n; getVersion() returns that text', async () => {
    const r = await http(fx.srv.url, 'GET', '/version');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(r.text).toMatch(/^\{"version": "[^"]+"\}\n$/);
    expect(await fx.tp.getVersion()).toBe(r.text);
  });

  it('2. GET /proxies with no proxies is {} (an object); getAll() is {}', async () => {
    const r = await http(fx.srv.url, 'GET', '/proxies');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(await fx.tp.getAll()).toEqual({});
  });

  it('3. User-Agent Mozilla/ is refused with 403; User-Agent node is served', async () => {
    const r = await http(fx.srv.url, 'GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' });
    expect(r.status).toBe(403);
    expect(r.text).toBe('User agent not allowed\n');
    expect((await http(fx.srv.url, 'GET', '/proxies', undefined, { 'User-Agent': 'node' })).status).toBe(200);
  });

  it('4. unknown path is 404 "404 page not found"; PUT /proxies/x and GET /reset are 405', async () => {
    for (const path of ['/nope', '/proxies/', '/metrics']) {
      const r = await http(fx.srv.url, 'GET', path);
      expect(r.status).toBe(404);
      expect(r.text).toBe('404 page not found\n');
    }
    const put = await http(fx.srv.url, 'PUT', '/proxies/x', '{}');
    expect(put.status).toBe(405);
    expect(put.text).toBe('');
    expect((await http(fx.srv.url, 'GET', '/reset')).status).toBe(405);
    expect((await http(fx.srv.url, 'POST', '/version')).status).toBe(405);
  });

  it('5. API errors are {"error","status"} with a matching status, text/plain and a trailing newline', async () => {
    const r = await http(fx.srv.url, 'GET', '/proxies/missing');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.text).toBe('{"error":"proxy not found","status":404}\n');
  });

  it('6. responses of matched routes carry X-Toxiproxy-Request-Id (20 characters)', async () => {
    const a = await http(fx.srv.url, 'GET', '/proxies');
    const b = await http(fx.srv.url, 'GET', '/version');
    expect(a.headers.get('x-toxiproxy-request-id')).toMatch(/^[0-9a-v]{20}$/);
    expect(b.headers.get('x-toxiproxy-request-id')).not.toBe(a.headers.get('x-toxiproxy-request-id'));
  });
});

describe('Proxies', () => {
  it('7. createProxy on localhost:0 is 201 with listen 127.0.0.1:<port>, enabled, toxics [] and accepts TCP', async () => {
    const r = await post('/proxies', { name: 'p7', listen: 'localhost:0', upstream: fx.echo.addr });
    expect(r.status).toBe(201);
    expect(r.text).toContain('"toxics":[]');
    const body = r.json() as { listen: string; enabled: boolean };
    expect(body.listen).toMatch(/^127\.0\.0\.1:[1-9][0-9]*$/);
    expect(body.enabled).toBe(true);
    const viaClient = await fx.tp.createProxy({ name: 'p7c', listen: 'localhost:0', upstream: fx.echo.addr });
    expect(viaClient.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    const c = await connect(body.listen);
    expect(await c.roundTrip('ping')).toBeGreaterThanOrEqual(0);
    c.destroy();
  });

  it('8. with remote listeners allowed, create without listen, or with 0.0.0.0:0, reports [::]:<port>', async () => {
    // Every interface is faultline's opt-in (see README differences); with it, the real server's reporting holds.
    const remote = await startToxiproxyServer({ port: 0, seed: 1, allowRemote: true });
    try {
      const a = await http(remote.url, 'POST', '/proxies', JSON.stringify({ name: 'p8a', upstream: fx.echo.addr }));
      expect(a.status).toBe(201);
      expect((a.json() as { listen: string }).listen).toMatch(/^\[::\]:\d+$/);
      const b = await http(remote.url, 'POST', '/proxies', JSON.stringify({ name: 'p8b', listen: '0.0.0.0:0', upstream: fx.echo.addr }));
      expect((b.json() as { listen: string }).listen).toMatch(/^\[::\]:\d+$/);
    } finally {
      await remote.close();
    }
  });

  it('8b. [::1]:0 reports [::1]:<port>; an upstream given as localhost:<port> is dialled', async () => {
    const r = await post('/proxies', { name: 'p8c', listen: '[::1]:0', upstream: `localhost:${fx.echo.port}` });
    expect(r.status).toBe(201);
    const listen = (r.json() as { listen: string }).listen;
    expect(listen).toMatch(/^\[::1\]:\d+$/);
    const c = await connect(listen);
    await c.roundTrip('v6');
    c.destroy();
  });

  it('9. missing name/upstream, malformed and empty bodies are 400 with the real messages', async () => {
    expect(errorOf((await post('/proxies', { upstream: fx.echo.addr })).text)).toEqual({ error: 'missing required field: name', status: 400 });
    expect(errorOf((await post('/proxies', { name: '', upstream: fx.echo.addr })).text).error).toBe('missing required field: name');
    expect(errorOf((await post('/proxies', { name: 'x' })).text)).toEqual({ error: 'missing required field: upstream', status: 400 });
    const bad = await post('/proxies', '{bad');
    expect(bad.status).toBe(400);
    expect(errorOf(bad.text).error).toMatch(/^bad request body: /);
    const empty = await post('/proxies', '');
    expect(errorOf(empty.text)).toEqual({ error: 'bad request body: EOF', status: 400 });
    const wrongType = await post('/proxies', { name: 'x', upstream: fx.echo.addr, enabled: 'yes' });
    expect(errorOf(wrongType.text).error).toBe(
      'bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled of type bool',
    );
    // Only the first JSON value is read; trailing bytes are ignored, as Go's decoder does.
    const trailing = await post('/proxies', `${JSON.stringify({ name: 'p9', listen: '127.0.0.1:0', upstream: fx.echo.addr })} trailing`);
    expect(trailing.status).toBe(201);
  });

  it('10. a duplicate name is 409 through the client, and the original is unaffected', async () => {
    const first = await fx.tp.createProxy({ name: 'p10', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await expect(fx.tp.createProxy({ name: 'p10', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' })).rejects.toThrow(
      'Request failed with status code 409',
    );
    const again = await fx.tp.get('p10');
    expect(again.upstream).toBe(fx.echo.addr);
    expect(again.listen).toBe(first.listen);
  });

  it('11. a port already bound is 500 "address already in use"; not listed; works after the other is deleted', async () => {
    const a = await fx.tp.createProxy({ name: 'p11a', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const r = await post('/proxies', { name: 'p11b', listen: a.listen, upstream: fx.echo.addr });
    expect(r.status).toBe(500);
    expect(errorOf(r.text)).toEqual({ error: `listen tcp ${a.listen}: bind: address already in use`, status: 500 });
    expect(Object.keys(await fx.tp.getAll())).toEqual(['p11a']);
    await a.remove();
    expect((await post('/proxies', { name: 'p11b', listen: a.listen, upstream: fx.echo.addr })).status).toBe(201);
  });

  it('12. create disabled keeps listen verbatim and refuses connects', async () => {
    const port = await freePort();
    const r = await post('/proxies', { name: 'p12', listen: `localhost:${port}`, upstream: fx.echo.addr, enabled: false });
    expect(r.status).toBe(201);
    expect(r.json()).toMatchObject({ enabled: false, listen: `localhost:${port}` });
    expect(await isRefused(`127.0.0.1:${port}`)).toBe(true);
  });

  it('13. get(name) returns the same fields; get("nope") is 404', async () => {
    const created = await fx.tp.createProxy({ name: 'p13', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const got = await fx.tp.get('p13');
    expect(got.toJson()).toEqual(created.toJson());
    await expect(fx.tp.get('nope')).rejects.toThrow('Request failed with status code 404');
  });

  it('19. PATCH {"name":"other"} keeps the name; an empty body is 400; PATCH /proxies/nope is 404', async () => {
    await fx.tp.createProxy({ name: 'p19', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const r = await http(fx.srv.url, 'PATCH', '/proxies/p19', '{"name":"other"}');
    expect(r.status).toBe(200);
    expect((r.json() as { name: string }).name).toBe('p19');
    expect((await http(fx.srv.url, 'PATCH', '/proxies/p19', '')).status).toBe(400);
    expect((await http(fx.srv.url, 'PATCH', '/proxies/nope', '{}')).status).toBe(404);
    // A missing proxy with a bad body is still 404: the proxy is looked up first.
    expect((await http(fx.srv.url, 'POST', '/proxies/nope', '{bad')).status).toBe(404);
  });

  it('20. PATCH to a listen held by another proxy is 500 and leaves the proxy disabled with the new listen', async () => {
    const a = await fx.tp.createProxy({ name: 'p20a', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await fx.tp.createProxy({ name: 'p20b', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const r = await http(fx.srv.url, 'PATCH', '/proxies/p20b', JSON.stringify({ listen: a.listen }));
    expect(r.status).toBe(500);
    expect(errorOf(r.text).error).toContain('address already in use');
    const after = await fx.tp.get('p20b');
    expect(after.enabled).toBe(false);
    expect(after.listen).toBe(a.listen);
  });
});

describe('Toxic CRUD', () => {
  const proxy = () => fx.tp.createProxy({ name: 'tx', listen: '127.0.0.1:0', upstream: fx.echo.addr });

  it('24. addToxic latency is 200 with name latency_downstream, stream downstream, toxicity 1, attributes echoed', async () => {
    const p = await proxy();
    const r = await post('/proxies/tx/toxics', { type: 'latency', attributes: { latency: 1000, jitter: 100 } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"attributes":{"latency":1000,"jitter":100},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
    const t = await p.getToxic('latency_downstream');
    expect(t.toJson()).toEqual({ name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1000, jitter: 100 } });
  });

  it('25. {"type":"latency","stream":"upstream"} is named latency_upstream with all attributes at 0', async () => {
    await proxy();
    const r = await post('/proxies/tx/toxics', { type: 'latency', stream: 'upstream' });
    expect(r.json()).toEqual({ attributes: { latency: 0, jitter: 0 }, name: 'latency_upstream', type: 'latency', stream: 'upstream', toxicity: 1 });
  });

  it('26. stream is case-insensitive and echoed (UpStream); "sideways" is 400 invalid stream', async () => {
    await proxy();
    const r = await post('/proxies/tx/toxics', { type: 'latency', stream: 'UpStream' });
    expect(r.json()).toMatchObject({ name: 'latency_UpStream', stream: 'UpStream' });
    const bad = await post('/proxies/tx/toxics', { type: 'latency', stream: 'sideways' });
    expect(errorOf(bad.text)).toEqual({ error: 'stream was invalid, can be either upstream or downstream', status: 400 });
  });

  it('27. type bogus and down are 400 invalid toxic type; noop is 200 with attributes {}', async () => {
    const p = await proxy();
    expect(errorOf((await post('/proxies/tx/toxics', { type: 'bogus' })).text)).toEqual({ error: 'invalid toxic type', status: 400 });
    await expect(p.addToxic({ type: 'down', attributes: {} } as never)).rejects.toThrow('status code 400');
    const noop = await post('/proxies/tx/toxics', { type: 'noop' });
    expect(noop.status).toBe(200);
    expect(noop.json()).toMatchObject({ attributes: {}, name: 'noop_downstream' });
  });

  it('28. the same default name twice is 409; a name reused across streams is 409', async () => {
    const p = await proxy();
    await p.addToxic({ type: 'latency', attributes: { latency: 1, jitter: 0 } } as never);
    await expect(p.addToxic({ type: 'latency', attributes: { latency: 1, jitter: 0 } } as never)).rejects.toThrow('status code 409');
    expect((await post('/proxies/tx/toxics', { name: 'foo', type: 'noop', stream: 'upstream' })).status).toBe(200);
    expect((await post('/proxies/tx/toxics', { name: 'foo', type: 'noop', stream: 'downstream' })).status).toBe(409);
    // A bad type with a duplicate name is 400: the type is checked before the name.
    expect((await post('/proxies/tx/toxics', { name: 'foo', type: 'bogus' })).status).toBe(400);
  });

  it('29. attribute type errors ("100", 1.5) are 400; unknown attribute keys are ignored', async () => {
    await proxy();
    const s = await post('/proxies/tx/toxics', { type: 'latency', attributes: { latency: '100' } });
    expect(s.status).toBe(400);
    const f = await post('/proxies/tx/toxics', { type: 'latency', attributes: { latency: 1.5 } });
    expect(errorOf(f.text).error).toContain('cannot unmarshal number 1.5 into Go struct field LatencyToxic.attributes.latency of type int64');
    const u = await post('/proxies/tx/toxics', { type: 'latency', attributes: { latency: 5, whatever: 'x' } });
    expect(u.status).toBe(200);
    expect((u.json() as { attributes: unknown }).attributes).toEqual({ latency: 5, jitter: 0 });
    // A failed add leaves nothing behind.
    expect((await http(fx.srv.url, 'GET', '/proxies/tx/toxics')).json()).toHaveLength(1);
  });

  it('30. toxicity 0, -1 and 5 are accepted and echoed; toxicity null is 1', async () => {
    await proxy();
    for (const [i, tox] of [0, -1, 5].entries()) {
      const r = await post('/proxies/tx/toxics', { name: `t${i}`, type: 'noop', toxicity: tox });
      expect((r.json() as { toxicity: number }).toxicity).toBe(tox);
    }
    const n = await post('/proxies/tx/toxics', { name: 'tn', type: 'noop', toxicity: null });
    expect((n.json() as { toxicity: number }).toxicity).toBe(1);
    const f = await post('/proxies/tx/toxics', { name: 'tf', type: 'noop', toxicity: 0.2 });
    expect(f.text).toContain('"toxicity":0.2');
    // Stored as a float32, as the real server does.
    const third = await post('/proxies/tx/toxics', { name: 't3', type: 'noop', toxicity: 1 / 3 });
    expect(third.text).toContain('"toxicity":0.33333334');
  });

  it('31. GET toxics lists upstream then downstream, each in insertion order; the same array is in GET /proxies[/p]', async () => {
    await proxy();
    await post('/proxies/tx/toxics', { name: 'd1', type: 'noop' });
    await post('/proxies/tx/toxics', { name: 'u1', type: 'noop', stream: 'upstream' });
    await post('/proxies/tx/toxics', { name: 'd2', type: 'noop' });
    await post('/proxies/tx/toxics', { name: 'u2', type: 'noop', stream: 'upstream' });
    const list = (await http(fx.srv.url, 'GET', '/proxies/tx/toxics')).json() as Array<{ name: string }>;
    expect(list.map((t) => t.name)).toEqual(['u1', 'u2', 'd1', 'd2']);
    expect((await http(fx.srv.url, 'GET', '/proxies/tx')).json()).toMatchObject({ toxics: list });
    expect((await http(fx.srv.url, 'GET', '/proxies')).json()).toMatchObject({ tx: { toxics: list } });
  });

  it('32. getToxic returns the same fields; a missing toxic is 404; a missing proxy is 404 proxy not found', async () => {
    const p = await proxy();
    const added = await p.addToxic({ name: 'bw', type: 'bandwidth', stream: 'upstream', toxicity: 1, attributes: { rate: 7 } });
    expect((await p.getToxic('bw')).toJson()).toEqual(added.toJson());
    await expect(p.getToxic('none')).rejects.toThrow('status code 404');
    expect(errorOf((await http(fx.srv.url, 'GET', '/proxies/none/toxics/bw')).text)).toEqual({ error: 'proxy not found', status: 404 });
    expect(errorOf((await http(fx.srv.url, 'GET', '/proxies/tx/toxics/none')).text)).toEqual({ error: 'toxic not found', status: 404 });
  });

  it('33. toxic.update changes attributes, keeps toxicity; partial attributes merge; name/type/stream are ignored', async () => {
    const p = await proxy();
    const t = await p.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 0.5, attributes: { latency: 1, jitter: 2 } });
    const u = await t.update({ attributes: { latency: 12345, jitter: 42 } } as never);
    expect(u.toJson()).toMatchObject({ attributes: { latency: 12345, jitter: 42 }, toxicity: 0.5 });
    const m = await post('/proxies/tx/toxics/lat', { attributes: { jitter: 5 } });
    expect((m.json() as { attributes: unknown }).attributes).toEqual({ latency: 12345, jitter: 5 });
    const tox = await http(fx.srv.url, 'PATCH', '/proxies/tx/toxics/lat', '{"toxicity":0.25}');
    expect(tox.json()).toMatchObject({ toxicity: 0.25, attributes: { latency: 12345, jitter: 5 } });
    const ign = await post('/proxies/tx/toxics/lat', { name: 'x', type: 'timeout', stream: 'upstream' });
    expect(ign.json()).toMatchObject({ name: 'lat', type: 'latency', stream: 'downstream' });
    expect((await post('/proxies/tx/toxics/lat', {})).status).toBe(200);
  });

  it('34. update of a missing toxic is 404 even with a bad body; an empty body is 400', async () => {
    await proxy();
    await post('/proxies/tx/toxics', { name: 'n', type: 'noop' });
    expect((await post('/proxies/tx/toxics/missing', '{bad')).status).toBe(404);
    expect(errorOf((await post('/proxies/tx/toxics/n', '')).text)).toEqual({ error: 'bad request body: EOF', status: 400 });
  });

  it('35. toxic.remove is 204; get afterwards is 404; a second remove is 404', async () => {
    const p = await proxy();
    // `noop` is a real toxic type the client's type list does not name.
    const t = await p.addToxic({ name: 'r', type: 'noop' as unknown as 'latency', stream: 'downstream', toxicity: 1, attributes: {} as never });
    const del = await http(fx.srv.url, 'DELETE', '/proxies/tx/toxics/r');
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    await expect(p.getToxic('r')).rejects.toThrow('status code 404');
    await expect(t.remove()).rejects.toThrow('status code 404');
  });

  it('36. one toxic of each of the 7 types echoes all its attributes', async () => {
    const p = await proxy();
    const cases: Array<[string, Record<string, number>]> = [
      ['latency', { latency: 1000, jitter: 10 }],
      ['bandwidth', { rate: 1000 }],
      ['slow_close', { delay: 1000 }],
      ['timeout', { timeout: 1000 }],
      ['reset_peer', { timeout: 1000 }],
      ['slicer', { average_size: 64, size_variation: 32, delay: 10 }],
      ['limit_data', { bytes: 1000 }],
    ];
    for (const [type, attributes] of cases) {
      const t = await p.addToxic({ name: `${type}_t`, type: type as never, stream: 'downstream', toxicity: 1, attributes });
      expect(t.attributes).toEqual(attributes);
      expect(t.type).toBe(type);
    }
  });
});

describe('Populate', () => {
  it('39. populate([a,b]) is 201 and both listen; the raw body is {"proxies":[...]} in input order', async () => {
    const r = await post('/populate', [
      { name: 'pb', listen: '127.0.0.1:0', upstream: fx.echo.addr },
      { name: 'pa', listen: '127.0.0.1:0', upstream: fx.echo.addr },
    ]);
    expect(r.status).toBe(201);
    const body = r.json() as { proxies: Array<{ name: string; listen: string }> };
    expect(body.proxies.map((p) => p.name)).toEqual(['pb', 'pa']);
    for (const p of body.proxies) {
      const c = await connect(p.listen);
      await c.roundTrip('x');
      c.destroy();
    }
    const viaClient = await fx.tp.populate([{ name: 'pc', listen: '127.0.0.1:0', upstream: fx.echo.addr }]);
    expect(Object.keys(viaClient)).toEqual(['pc']);
  });

  it('40. a populate item without enabled is enabled; enabled:false is not listening', async () => {
    const port = await freePort();
    const r = await post('/populate', [
      { name: 'on', listen: '127.0.0.1:0', upstream: fx.echo.addr },
      { name: 'off', listen: `127.0.0.1:${port}`, upstream: fx.echo.addr, enabled: false },
    ]);
    const [on, off] = (r.json() as { proxies: Array<{ enabled: boolean }> }).proxies;
    expect(on!.enabled).toBe(true);
    expect(off!.enabled).toBe(false);
    expect(await isRefused(`127.0.0.1:${port}`)).toBe(true);
  });

  it('41. populate of an unchanged proxy (listen as localhost:P) keeps it, its toxics, its connections and its enabled', async () => {
    const p = await fx.tp.createProxy({ name: 'keep', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await p.addToxic({ name: 'n', type: 'noop' as never, stream: 'downstream', toxicity: 1, attributes: {} });
    const c = await connect(p.listen);
    await c.roundTrip('a');
    const port = p.listen.split(':')[1];
    const r = await post('/populate', [{ name: 'keep', listen: `localhost:${port}`, upstream: fx.echo.addr }]);
    expect(r.status).toBe(201);
    expect((r.json() as { proxies: Array<{ toxics: unknown[]; listen: string }> }).proxies[0]).toMatchObject({ listen: p.listen, toxics: [{ name: 'n' }] });
    await c.roundTrip('b');
    expect(c.ended).toBe('open');
    c.destroy();
    // A disabled, unchanged proxy stays disabled even if the item says enabled.
    await http(fx.srv.url, 'POST', '/proxies/keep', '{"enabled":false}');
    const again = await post('/populate', [{ name: 'keep', listen: p.listen, upstream: fx.echo.addr, enabled: true }]);
    expect((again.json() as { proxies: Array<{ enabled: boolean }> }).proxies[0]!.enabled).toBe(false);
  });

  it('42. populate of an existing proxy with another upstream replaces it: toxics [] and the item\'s enabled', async () => {
    const p = await fx.tp.createProxy({ name: 'repl', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    await p.addToxic({ name: 'n', type: 'noop' as never, stream: 'downstream', toxicity: 1, attributes: {} });
    const c = await connect(p.listen);
    await c.roundTrip('a');
    const r = await post('/populate', [{ name: 'repl', listen: p.listen, upstream: '127.0.0.1:1' }]);
    expect((r.json() as { proxies: unknown[] }).proxies[0]).toMatchObject({ upstream: '127.0.0.1:1', toxics: [], enabled: true });
    await c.end();
  });

  it('43. populate with a missing name at item 2 is 400 "missing required field: name at proxy 2" and creates nothing', async () => {
    const r = await post('/populate', [{ name: 'ok1', listen: '127.0.0.1:0', upstream: fx.echo.addr }, { upstream: fx.echo.addr }]);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json()).toEqual({ error: 'missing required field: name at proxy 2', status: 400, proxies: null });
    expect(await fx.tp.getAll()).toEqual({});
  });

  it('44. populate where item 2 fails to bind is 500 {"error","status","proxies":[item1]}; item 1 stays, item 3 is not made', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      const r = await post('/populate', [
        { name: 'i1', listen: '127.0.0.1:0', upstream: fx.echo.addr },
        { name: 'i2', listen: `127.0.0.1:${taken}`, upstream: fx.echo.addr },
        { name: 'i3', listen: '127.0.0.1:0', upstream: fx.echo.addr },
      ]);
      expect(r.status).toBe(500);
      const body = r.json() as { error: string; status: number; proxies: Array<{ name: string }> };
      expect(body.error).toContain('address already in use');
      expect(body.status).toBe(500);
      expect(body.proxies.map((p) => p.name)).toEqual(['i1']);
      expect(Object.keys(await fx.tp.getAll())).toEqual(['i1']);
    } finally {
      holder.close();
    }
  });

  it('45. populate([]) is 201 {"proxies":[]} (the real server answers null; see README differences)', async () => {
    const r = await post('/populate', []);
    expect(r.status).toBe(201);
    expect(r.text).toBe('{"proxies":[]}');
    expect(await fx.tp.populate([])).toEqual({});
  });
});

describe('bad input keeps the server serving', () => {
  it('malformed JSON, unknown toxic types, non-integer attributes, duplicates and ports in use get the real status', async () => {
    const p = await fx.tp.createProxy({ name: 'bad', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const cases: Array<[string, string, string, number]> = [
      ['POST', '/proxies', '{"name":', 400],
      ['POST', '/proxies', '[1,2]', 400],
      ['POST', '/proxies/bad/toxics', '{"type":"latency","attributes":{"latency":"a"}}', 400],
      ['POST', '/proxies/bad/toxics', '{"type":"latency","attributes":{"jitter":2.5}}', 400],
      ['POST', '/proxies/bad/toxics', '{"type":"latency","attributes":[1]}', 400],
      ['POST', '/proxies/bad/toxics', '{"type":"nope"}', 400],
      ['POST', '/proxies/bad/toxics', '{"type":"latency","toxicity":"high"}', 400],
      ['POST', '/proxies/bad/toxics', '{"type":"latency","toxicity":1e300}', 400],
      ['POST', '/proxies/bad/toxics', 'null', 400], // type '' is not a toxic type
      ['POST', '/proxies', JSON.stringify({ name: 'bad', upstream: fx.echo.addr }), 409],
      ['POST', '/proxies', JSON.stringify({ name: 'b2', listen: p.listen, upstream: fx.echo.addr }), 500],
      ['POST', '/proxies', JSON.stringify({ name: 'b3', listen: 'nohostport', upstream: fx.echo.addr }), 500],
      ['POST', '/populate', '{"name":"x"}', 400],
      ['POST', '/populate', '[{"name":"x","upstream":"a:1","enabled":1}]', 400],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await http(fx.srv.url, method, path, body);
      expect({ path, body, status: r.status }).toEqual({ path, body, status });
      const e = JSON.parse(r.text) as { error: string; status: number };
      expect(e.status).toBe(status);
      expect(typeof e.error).toBe('string');
    }
    const noPort = await post('/proxies', { name: 'b3', listen: 'nohostport', upstream: fx.echo.addr });
    expect(errorOf(noPort.text).error).toBe('listen tcp: address nohostport: missing port in address');
    // Still serving, and the proxy still passes traffic.
    expect((await http(fx.srv.url, 'GET', '/version')).status).toBe(200);
    const c = await connect(p.listen);
    await c.roundTrip('still alive');
    c.destroy();
    expect(Object.keys(await fx.tp.getAll())).toEqual(['bad']);
  });

  it('attribute values that crash the real server are refused (400) and the data plane keeps passing bytes', async () => {
    const p = await fx.tp.createProxy({ name: 'extreme', listen: '127.0.0.1:0', upstream: fx.echo.addr });
    const s = await post('/proxies/extreme/toxics', { name: 's', type: 'slicer', attributes: { average_size: 0, size_variation: 100 } });
    expect(s.status).toBe(400);
    expect(errorOf(s.text).error).toBe('bad request body: slicer: average_size must be at least 1 bytes, got 0');
    const s2 = await post('/proxies/extreme/toxics', { name: 's2', type: 'slicer', attributes: { average_size: 3, size_variation: 50 } });
    expect(errorOf(s2.text).error).toBe('bad request body: slicer: size_variation must be less than average_size (3), got 50');
    const c = await connect(p.listen);
    const payload = 'x'.repeat(1000);
    await c.roundTrip(payload);
    expect(c.received().toString()).toBe(payload);
    const neg = await post('/proxies/extreme/toxics', { name: 'bw', type: 'bandwidth', attributes: { rate: -5 } });
    expect(neg.status).toBe(400);
    expect(errorOf(neg.text).error).toBe('bad request body: bandwidth: rate must be at least 0 KB/s, got -5');
    expect((await http(fx.srv.url, 'GET', '/proxies/extreme/toxics')).text).toBe('[]');
    c.destroy();
  });
});

describe('/metrics', () => {
  it('with proxy metrics on, counts the bytes of finished links per proxy and direction', async () => {
    const m = await startToxiproxyServer({ port: 0, seed: 1, proxyMetrics: true });
    try {
      expect((await http(m.url, 'GET', '/metrics')).text).toBe('');
      const client = new Toxiproxy(m.url);
      const p = await client.createProxy({ name: 'm', listen: '127.0.0.1:0', upstream: fx.echo.addr });
      const c = await connect(p.listen);
      await c.roundTrip('hello');
      c.destroy();
      let text = '';
      for (let i = 0; i < 50 && !text.includes('sent_bytes_total'); i++) {
        text = (await http(m.url, 'GET', '/metrics')).text;
        await new Promise((r) => setTimeout(r, 20));
      }
      const labels = `direction="upstream",listener="${p.listen}",proxy="m",upstream="${fx.echo.addr}"`;
      expect(text).toContain(`toxiproxy_proxy_received_bytes_total{${labels}} 5\n`);
      expect(text).toContain(`toxiproxy_proxy_sent_bytes_total{${labels}} 5\n`);
      expect(text).toContain('toxiproxy_proxy_sent_bytes_total{direction="downstream"');
      const head = await http(m.url, 'POST', '/metrics');
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    } finally {
      await m.close();
    }
  });
});
