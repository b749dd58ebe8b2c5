/**
 * The `packet_loss` toxic (Toxiproxy after 2.12.0, `loss_rate` and `correlation`) on the embedded
 * server: its attributes over real HTTP, and its losses over real TCP. A slicer with
 * `average_size: 1` ahead of it makes every byte one chunk, so that the loss is counted per byte
 * and the byte values (their index modulo a prime) tell which bytes were lost.
 */
import { describe, expect, it } from 'vitest';
import { http, connect, serverFixture, startServer, startUpstream, type Upstream } from './helpers.js';

const fx = serverFixture(11);
let n = 0;
const errorOf = (text: string) => (JSON.parse(text) as { error: string }).error;
const post = (base: string, path: string, body: unknown) => http(base, 'POST', path, JSON.stringify(body));

/** Byte i of a payload is i mod this prime: a gap between two received values is the run lost. */
const MOD = 251;
const PAYLOAD = 4000;

async function proxy(base = fx.srv.url, name = `pl${n++}`, upstream = fx.echo.addr): Promise<{ name: string; listen: string }> {
  const r = await post(base, '/proxies', { name, listen: '127.0.0.1:0', upstream });
  expect(r.status).toBe(201);
  return r.json() as { name: string; listen: string };
}

/**
 * Sends PAYLOAD bytes through upstream toxics (a one-byte slicer, then `attributes` of
 * packet_loss), ends the stream, and gives what the upstream received once it saw the end.
 */
async function throughLoss(attributes: Record<string, number>, base = fx.srv.url, name?: string): Promise<Buffer> {
  const sink: Upstream = await startUpstream(() => {});
  try {
    const p = await proxy(base, name, sink.addr);
    for (const t of [
      { name: 'slice', type: 'slicer', stream: 'upstream', attributes: { average_size: 1, size_variation: 0, delay: 0 } },
      { name: 'loss', type: 'packet_loss', stream: 'upstream', attributes },
    ]) {
      expect((await post(base, `/proxies/${p.name}/toxics`, t)).status).toBe(200);
    }
    const c = await connect(p.listen);
    c.socket.end(Buffer.from(Array.from({ length: PAYLOAD }, (_, i) => i % MOD)));
    const deadline = performance.now() + 10_000;
    while (sink.conns[0]?.ended !== 'eof' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sink.conns[0]?.ended).toBe('eof');
    c.destroy();
    return Buffer.concat(sink.conns[0]!.data);
  } finally {
    await sink.close();
  }
}

/** The lengths of the runs of lost bytes, from the values received (runs are far shorter than MOD). */
function lostRuns(got: Buffer): number[] {
  const runs: number[] = [];
  let next = 0; // the index the next byte would have if none were lost
  for (const v of got) {
    const lost = (v - (next % MOD) + MOD) % MOD;
    if (lost > 0) runs.push(lost);
    next += lost + 1;
  }
  if (next < PAYLOAD) runs.push(PAYLOAD - next);
  return runs;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('packet_loss attributes', () => {
  it('defaults both probabilities to 0, echoes floats, and merges updates', async () => {
    const p = await proxy();
    const r = await post(fx.srv.url, `/proxies/${p.name}/toxics`, { type: 'packet_loss' });
    expect(r.text).toBe('{"attributes":{"loss_rate":0,"correlation":0},"name":"packet_loss_downstream","type":"packet_loss","stream":"downstream","toxicity":1}');
    const u = await post(fx.srv.url, `/proxies/${p.name}/toxics/packet_loss_downstream`, { attributes: { loss_rate: 0.25 } });
    expect(u.json()).toMatchObject({ attributes: { loss_rate: 0.25, correlation: 0 } });
    const v = await post(fx.srv.url, `/proxies/${p.name}/toxics/packet_loss_downstream`, { attributes: { correlation: 0.5 } });
    expect(v.json()).toMatchObject({ attributes: { loss_rate: 0.25, correlation: 0.5 } });
  });

  it('refuses a value that is not a number as Go decodes it, and one outside 0..1 with the reason', async () => {
    const p = await proxy();
    const add = (attributes: unknown) => post(fx.srv.url, `/proxies/${p.name}/toxics`, { type: 'packet_loss', attributes });
    const s = await add({ loss_rate: '0.5' });
    expect(s.status).toBe(400);
    expect(errorOf(s.text)).toBe('bad request body: json: cannot unmarshal string into Go struct field PacketLossToxic.attributes.loss_rate of type float64');
    for (const [attrs, msg] of [
      [{ loss_rate: 1.5 }, 'bad request body: packet_loss: loss_rate must be at most 1, got 1.5'],
      [{ loss_rate: -0.1 }, 'bad request body: packet_loss: loss_rate must be at least 0, got -0.1'],
      [{ loss_rate: 0.5, correlation: 2 }, 'bad request body: packet_loss: correlation must be at most 1, got 2'],
    ] as const) {
      const r = await add(attrs);
      expect(r.status).toBe(400);
      expect(errorOf(r.text)).toBe(msg);
    }
    // Nothing was created by the refusals; an update out of range is refused and changes nothing.
    expect((await http(fx.srv.url, 'GET', `/proxies/${p.name}/toxics`)).json()).toEqual([]);
    expect((await add({ loss_rate: 0.1 })).status).toBe(200);
    const bad = await post(fx.srv.url, `/proxies/${p.name}/toxics/packet_loss_downstream`, { attributes: { correlation: -1 } });
    expect(bad.status).toBe(400);
    expect((await http(fx.srv.url, 'GET', `/proxies/${p.name}/toxics/packet_loss_downstream`)).json()).toMatchObject({ attributes: { loss_rate: 0.1, correlation: 0 } });
  });
});

describe('packet_loss on the wire', () => {
  it('loss_rate 0 passes every byte; loss_rate 1 passes none but still the end of the stream', async () => {
    expect((await throughLoss({ loss_rate: 0 })).length).toBe(PAYLOAD);
    expect((await throughLoss({ loss_rate: 1 })).length).toBe(0);
  });

  it('loses bytes at about loss_rate, in short independent runs without correlation', async () => {
    const got = await throughLoss({ loss_rate: 0.3 });
    const lost = 1 - got.length / PAYLOAD;
    expect(lost).toBeGreaterThan(0.25);
    expect(lost).toBeLessThan(0.35);
    // Independent losses: runs are geometric with mean 1/(1 - 0.3), about 1.43.
    expect(mean(lostRuns(got))).toBeLessThan(1.7);
  });

  it('correlation makes losses bursty: runs average 1/(1 - loss_rate - correlation)', async () => {
    // 0.2 + 0.6: a run continues with 0.8, so runs average 5 bytes, and half the bytes are lost.
    const got = await throughLoss({ loss_rate: 0.2, correlation: 0.6 });
    const runs = lostRuns(got);
    expect(mean(runs)).toBeGreaterThan(3.5);
    expect(mean(runs)).toBeLessThan(7);
    const lost = 1 - got.length / PAYLOAD;
    expect(lost).toBeGreaterThan(0.4);
    expect(lost).toBeLessThan(0.6);
  });

  it('is seeded: the same seed, proxy and connection lose the same bytes', async () => {
    const other = await startServer(11);
    try {
      const a = await throughLoss({ loss_rate: 0.5, correlation: 0.2 }, fx.srv.url, 'same');
      const b = await throughLoss({ loss_rate: 0.5, correlation: 0.2 }, other.url, 'same');
      expect(a.length).toBeLessThan(PAYLOAD);
      expect(b.equals(a)).toBe(true);
      const third = await startServer(12);
      try {
        expect((await throughLoss({ loss_rate: 0.5, correlation: 0.2 }, third.url, 'same')).equals(a)).toBe(false);
      } finally {
        await third.close();
      }
    } finally {
      await other.close();
    }
  });
});
