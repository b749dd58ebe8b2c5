/**
 * faultline's own toxic, ndjson_filter: whole newline-delimited JSON messages dropped, delayed,
 * duplicated or reordered by their type field, driven through toxiproxy-node-client like any toxic.
 */
import { describe, expect, it } from 'vitest';
import type { Proxy } from 'toxiproxy-node-client';
import { addNdjsonFilter } from '../../../harness/toxiproxy/connect.js';
import { connect, http, sleep, serverFixture } from './helpers.js';

const fx = serverFixture(3, false);
let n = 0;

const line = (type: string, i: number): string => `${JSON.stringify({ type, i })}\n`;
const types = (buf: Buffer): string[] =>
  buf
    .toString()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { type: string; i: number }).type + (JSON.parse(l) as { i: number }).i);
const proxy = (): Promise<Proxy> => fx.tp.createProxy({ name: `nd${n++}`, listen: '127.0.0.1:0', upstream: fx.echo.addr });

describe('ndjson_filter', () => {
  it('drops every Commit but lets Prepare through, whatever the chunking', async () => {
    const p = await proxy();
    const t = await p.addToxic({
      name: 'no-commit',
      type: 'ndjson_filter' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: { types: ['Commit'], action: 'drop' } as never,
    });
    expect(t.toJson()).toMatchObject({ type: 'ndjson_filter', attributes: { types: ['Commit'], action: 'drop', delay_ms: 0, probability: 1, field: 'type' } });
    const c = await connect(p.listen);
    const stream = line('Prepare', 1) + line('Commit', 2) + line('Prepare', 3) + 'not json\n' + line('Commit', 4) + line('Ack', 5);
    // Split in awkward places: mid-line and mid-UTF-8 are both fine.
    for (const part of [stream.slice(0, 7), stream.slice(7, 40), stream.slice(40)]) {
      c.socket.write(part);
      await sleep(20);
    }
    const expected = line('Prepare', 1) + line('Prepare', 3) + 'not json\n' + line('Ack', 5);
    await c.bytes(Buffer.byteLength(expected));
    await sleep(50);
    expect(c.received().toString()).toBe(expected);
    c.destroy();
  });

  it('delays matched messages by delay_ms while other messages pass; the end of stream waits for them', async () => {
    const p = await proxy();
    await p.addToxic({
      name: 'slow-commit',
      type: 'ndjson_filter' as never,
      stream: 'downstream',
      toxicity: 1,
      attributes: { types: ['Commit'], action: 'delay', delay_ms: 1000 } as never,
    });
    const c = await connect(p.listen);
    const t0 = performance.now();
    c.socket.write(line('Commit', 1) + line('Prepare', 2));
    await c.bytes(Buffer.byteLength(line('Prepare', 2)));
    // Prepare, written after Commit, arrives alone: it overtook the held Commit.
    expect(types(c.received())).toEqual(['Prepare2']);
    await c.bytes(Buffer.byteLength(line('Commit', 1) + line('Prepare', 2)));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(985);
    expect(types(c.received())).toEqual(['Prepare2', 'Commit1']);
    c.destroy();
  });

  it('duplicate passes each matched message at once and sends a copy delay_ms later', async () => {
    const p = await proxy();
    await addNdjsonFilter(p, { name: 'dup', stream: 'downstream', types: ['Forward'], action: 'duplicate', delayMs: 300 });
    const c = await connect(p.listen);
    const t0 = performance.now();
    c.socket.write(line('Forward', 1) + line('Append', 2));
    await c.bytes(Buffer.byteLength(line('Forward', 1) + line('Append', 2)));
    expect(performance.now() - t0).toBeLessThan(250);
    expect(types(c.received())).toEqual(['Forward1', 'Append2']);
    await c.bytes(Buffer.byteLength(line('Forward', 1) + line('Append', 2) + line('Forward', 1)), 3000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(285);
    // The copy arrives after later messages, as a retry that crossed its answer would.
    expect(types(c.received())).toEqual(['Forward1', 'Append2', 'Forward1']);
    c.destroy();
  });

  it('reorder holds each matched message a random time up to delay_ms, so they overtake each other', async () => {
    const p = await proxy();
    await addNdjsonFilter(p, { name: 'shuffle', stream: 'downstream', types: ['Forward'], action: 'reorder', delayMs: 400 });
    const c = await connect(p.listen);
    const sent = Array.from({ length: 20 }, (_, i) => line('Forward', i)).join('');
    c.socket.write(sent + line('Append', 99));
    await c.bytes(Buffer.byteLength(sent + line('Append', 99)), 3000);
    const got = types(c.received());
    // Every message arrives once; the unmatched one is not held; the matched ones are out of order.
    expect([...got].sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `Forward${i}`), 'Append99'].sort());
    expect(got.indexOf('Append99')).toBeLessThan(5);
    const order = got.filter((t) => t !== 'Append99');
    expect(order).not.toEqual(Array.from({ length: 20 }, (_, i) => `Forward${i}`));
    c.destroy();
  });

  it('a held message is still released on time when a toxic added after it restarts the filter', async () => {
    const p = await proxy();
    await addNdjsonFilter(p, { name: 'hold', stream: 'downstream', types: ['Commit'], action: 'delay', delayMs: 300 });
    const c = await connect(p.listen);
    const t0 = performance.now();
    c.socket.write(line('Commit', 1));
    await sleep(50);
    await p.addToxic({ name: 'after', type: 'noop' as never, stream: 'downstream', toxicity: 1, attributes: {} });
    await c.bytes(Buffer.byteLength(line('Commit', 1)), 3000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(285);
    c.destroy();
  });

  it('a line split across a toxicity change still arrives whole', async () => {
    const p = await proxy();
    const t = await addNdjsonFilter(p, { name: 'f', stream: 'downstream', types: ['Commit'], action: 'drop' });
    const c = await connect(p.listen);
    c.socket.write('{"type":"Pre');
    await sleep(50);
    await t.update({ toxicity: 0 } as never);
    c.socket.write('pare","i":1}\n');
    await c.bytes(Buffer.byteLength(line('Prepare', 1)));
    expect(c.received().toString()).toBe('{"type":"Prepare","i":1}\n');
    c.destroy();
  });

  it('removing the toxic releases held messages at once; an unterminated tail passes at the end', async () => {
    const p = await proxy();
    await p.addToxic({
      name: 'hold',
      type: 'ndjson_filter' as never,
      stream: 'downstream',
      toxicity: 1,
      attributes: { types: ['Commit'], action: 'delay', delay_ms: 5000 } as never,
    });
    const c = await connect(p.listen);
    c.socket.write(line('Commit', 1) + '{"type":"Commit"');
    await sleep(100);
    expect(c.received().length).toBe(0);
    const t0 = performance.now();
    await (await p.getToxic('hold')).remove();
    await c.bytes(Buffer.byteLength(line('Commit', 1) + '{"type":"Commit"'));
    // Well before the 5 s hold would have let them go.
    expect(performance.now() - t0).toBeLessThan(3500);
    c.destroy();
  });

  it('probability drops a seeded share of matching messages', async () => {
    const p = await proxy();
    await p.addToxic({
      name: 'lossy',
      type: 'ndjson_filter' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: { types: ['Msg'], action: 'drop', probability: 0.5 } as never,
    });
    const c = await connect(p.listen);
    let all = '';
    for (let i = 0; i < 200; i++) all += line('Msg', i);
    c.socket.write(all + line('End', 0));
    await c.until(() => c.received().toString().includes('"End"'), 3000, 'the End message');
    const got = types(c.received()).filter((x) => x.startsWith('Msg')).length;
    expect(got).toBeGreaterThan(50);
    expect(got).toBeLessThan(150);
    c.destroy();
  });

  it('addNdjsonFilter adds the toxic with typed options', async () => {
    const p = await proxy();
    const t = await addNdjsonFilter(p, { name: 'typed', stream: 'upstream', types: ['Commit'], action: 'drop' });
    expect(t.toJson()).toMatchObject({
      name: 'typed',
      type: 'ndjson_filter',
      stream: 'upstream',
      attributes: { types: ['Commit'], action: 'drop', delay_ms: 0, probability: 1, field: 'type' },
    });
    const c = await connect(p.listen);
    c.socket.write(line('Commit', 1) + line('Prepare', 2));
    await c.bytes(Buffer.byteLength(line('Prepare', 2)));
    await sleep(50);
    expect(types(c.received())).toEqual(['Prepare2']);
    c.destroy();
  });

  it('rejects bad attributes with 400 and keeps serving', async () => {
    const p = await proxy();
    const bad = [
      { types: 'Commit' },
      { types: [1] },
      { types: ['A'], action: 'explode' },
      { types: ['A'], action: 'delay', delay_ms: -1 },
      { types: ['A'], delay_ms: 1.5 },
      { types: ['A'], probability: 2 },
      { types: ['A'], field: '' },
    ];
    for (const attributes of bad) {
      const r = await http(fx.srv.url, 'POST', `/proxies/${p.name}/toxics`, JSON.stringify({ type: 'ndjson_filter', attributes }));
      expect({ attributes, status: r.status }).toEqual({ attributes, status: 400 });
      expect((JSON.parse(r.text) as { error: string }).error).toMatch(/^bad request body: ndjson_filter: /);
    }
    const ok = await http(fx.srv.url, 'POST', `/proxies/${p.name}/toxics`, JSON.stringify({ type: 'ndjson_filter', attributes: { types: ['A'] } }));
    expect(ok.status).toBe(200);
  });
});
