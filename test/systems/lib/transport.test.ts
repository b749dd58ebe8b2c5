/**
 * Single-Socket Channel transport: delivery in order, one direction per connection, and
 * reconnection with backoff after the peer goes away and comes back on the same port.
 */
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../../systems/lib/clock.js';
import { Logger } from '../../../systems/lib/log.js';
import { Rng } from '../../../systems/lib/rng.js';
import { Transport, type PeerMessage } from '../../../systems/lib/transport.js';
import { freePort } from '../../support/systems.js';

const logger = new Logger('test', new Clock());
const open: Transport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function start(id: string, peerPort: number, peers: Record<string, string>, inbox: PeerMessage[]): Promise<Transport> {
  const t = await Transport.start({ id, peerPort, peers, logger, onMessage: (m) => inbox.push(m), rng: new Rng(1), backoffMinMs: 10, backoffMaxMs: 50 });
  open.push(t);
  return t;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Transport', () => {
  it('delivers one-way messages in send order, stamped with from and to', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const inA: PeerMessage[] = [];
    const inB: PeerMessage[] = [];
    const a = await start('a', pa, { b: `127.0.0.1:${pb}` }, inA);
    const b = await start('b', pb, { a: `127.0.0.1:${pa}` }, inB);
    for (let i = 0; i < 200; i++) a.send('b', { type: 'Ping', n: i });
    b.send('a', { type: 'Pong' });
    await until(() => inB.length === 200 && inA.length === 1);
    expect(inB.map((m) => m.n)).toEqual([...Array(200).keys()]);
    expect(inB[0]).toMatchObject({ type: 'Ping', from: 'a', to: 'b' });
    expect(inA[0]).toMatchObject({ type: 'Pong', from: 'b', to: 'a' });
  });

  it('never writes on a connection it accepted (each connection carries one direction)', async () => {
    // A raw server plays peer "b": it must receive a's messages and never get bytes from a's side
    // on the connection b opens to a.
    const pa = await freePort();
    const received: string[] = [];
    const fakeSockets: Socket[] = [];
    const fakeB = createServer((s: Socket) => {
      fakeSockets.push(s);
      s.on('data', (d) => received.push(d.toString()));
    });
    await new Promise<void>((r) => fakeB.listen(0, '127.0.0.1', r));
    const pbFake = (fakeB.address() as { port: number }).port;
    const a = await start('a', pa, { b: `127.0.0.1:${pbFake}` }, []);
    const { connect } = await import('node:net');
    const toA = connect({ host: '127.0.0.1', port: pa });
    const backFromA: Buffer[] = [];
    toA.on('data', (d) => backFromA.push(d));
    await new Promise((r) => toA.on('connect', r));
    toA.write(JSON.stringify({ type: 'Hello', from: 'b' }) + '\n');
    a.send('b', { type: 'Reply' });
    await until(() => received.join('').includes('Reply'));
    await new Promise((r) => setTimeout(r, 100));
    expect(backFromA).toHaveLength(0);
    toA.destroy();
    await a.close();
    open.splice(open.indexOf(a), 1);
    for (const s of fakeSockets) s.destroy();
    await new Promise<void>((r) => fakeB.close(() => r()));
  });

  it('reconnects with backoff when the peer restarts, and delivers what was queued meanwhile', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const inB: PeerMessage[] = [];
    const a = await start('a', pa, { b: `127.0.0.1:${pb}` }, []);
    let b = await start('b', pb, { a: `127.0.0.1:${pa}` }, inB);
    a.send('b', { type: 'M', n: 1 });
    await until(() => inB.length === 1);
    // The peer goes away; messages sent now are queued or lost, never delivered out of order.
    await b.close();
    open.splice(open.indexOf(b), 1);
    await new Promise((r) => setTimeout(r, 100));
    for (let n = 2; n <= 5; n++) a.send('b', { type: 'M', n });
    const inB2: PeerMessage[] = [];
    b = await start('b', pb, { a: `127.0.0.1:${pa}` }, inB2);
    a.send('b', { type: 'M', n: 6 });
    await until(() => inB2.some((m) => m.n === 6));
    const ns = inB2.map((m) => m.n as number);
    expect(ns).toEqual([...ns].sort((x, y) => x - y)); // in order
    expect(ns).toContain(6);
    expect(a.stats.connects).toBeGreaterThanOrEqual(2);
  });

  it('bounds the queue for an unreachable peer, dropping the oldest', async () => {
    const [pa, pdead] = [await freePort(), await freePort()];
    const a = await Transport.start({ id: 'a', peerPort: pa, peers: { z: `127.0.0.1:${pdead}` }, logger, onMessage: () => {}, rng: new Rng(2), maxQueuedMessages: 10 });
    open.push(a);
    for (let i = 0; i < 25; i++) a.send('z', { type: 'X' });
    expect(a.stats.dropped).toBe(15);
  });
});
