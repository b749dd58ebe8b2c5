/**
 * The per-link proxy network against the embedded Toxiproxy server and real TCP peers: a cut
 * link refuses or holds traffic, the reverse link keeps working, healing restores the same
 * address, latency delays messages, a message fault drops or delays messages of one type only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../../harness/network/network.js';
import { openToxiproxy, type ToxiproxyHandle } from '../../../harness/toxiproxy/connect.js';

let handle: ToxiproxyHandle;
const servers: Server[] = [];
const sockets: Socket[] = [];
let net: Network;

async function echoServer(): Promise<number> {
  const s = createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    sock.pipe(sock);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
}

/** Sends one line through `address` and resolves with what comes back, or an error/timeout word. */
function roundTrip(address: string, timeoutMs: number, line = 'ping'): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const s = connect(Number(port), host);
    sockets.push(s);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      resolve(String(d).trim());
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? 'error');
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

beforeAll(async () => {
  handle = await openToxiproxy({ seed: 1 });
  const [p1, p2] = [await echoServer(), await echoServer()];
  net = await Network.create(handle, [
    { id: 'n1', peerPort: p1 },
    { id: 'n2', peerPort: p2 },
  ], 'nettest-');
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await handle.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('network', () => {
  it('gives each node the proxy address of every other node, one proxy per direction', () => {
    expect(net.links.sort()).toEqual(['n1->n2', 'n2->n1']);
    const a = net.peersOf('n1').n2;
    const b = net.peersOf('n2').n1;
    expect(a).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(b).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(a).not.toBe(b);
  });

  it('carries traffic, and a clean cut refuses it on that link only until healed', async () => {
    const n1ToN2 = net.peersOf('n1').n2 as string;
    const n2ToN1 = net.peersOf('n2').n1 as string;
    expect(await roundTrip(n1ToN2, 2000)).toBe('ping');
    await net.cut([['n1', 'n2']], 'clean');
    expect(await roundTrip(n1ToN2, 2000)).toBe('ECONNREFUSED');
    expect(await roundTrip(n2ToN1, 2000)).toBe('ping');
    await net.healPartitions();
    expect(await roundTrip(n1ToN2, 2000)).toBe('ping');
  });

  it('a silent cut accepts connections and passes no data', async () => {
    const n1ToN2 = net.peersOf('n1').n2 as string;
    await net.cut([['n1', 'n2']], 'silent');
    expect(await roundTrip(n1ToN2, 300)).toBe('timeout');
    await net.healAll();
    expect(await roundTrip(n1ToN2, 2000)).toBe('ping');
  });

  it('a message fault drops or delays the named types only, until healed', async () => {
    const n1ToN2 = net.peersOf('n1').n2 as string;
    const n2ToN1 = net.peersOf('n2').n1 as string;
    const forward = JSON.stringify({ type: 'Forward', cmds: [] });
    const vote = JSON.stringify({ type: 'RequestVote', term: 2 });
    await net.filterMessages([['n1', 'n2']], { types: ['Forward'], action: 'drop', delayMs: 0, probability: 1 });
    expect(await roundTrip(n1ToN2, 2000, vote)).toBe(vote);
    expect(await roundTrip(n1ToN2, 400, forward)).toBe('timeout');
    expect(await roundTrip(n2ToN1, 2000, forward)).toBe(forward);
    await net.filterMessages([['n1', 'n2']], { types: ['Forward'], action: 'delay', delayMs: 300, probability: 1 });
    const t0 = performance.now();
    expect(await roundTrip(n1ToN2, 5000, forward)).toBe(forward);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    await net.healMessages();
    const t1 = performance.now();
    expect(await roundTrip(n1ToN2, 2000, forward)).toBe(forward);
    expect(performance.now() - t1).toBeLessThan(290);
    await net.filterMessages([['n1', 'n2']], { types: ['Forward'], action: 'drop', delayMs: 0, probability: 1 });
    await net.healAll();
    expect(await roundTrip(n1ToN2, 2000, forward)).toBe(forward);
  });

  it('latency delays the messages of the link', async () => {
    const n1ToN2 = net.peersOf('n1').n2 as string;
    await net.slow([['n1', 'n2']], 200, 0);
    const t0 = performance.now();
    expect(await roundTrip(n1ToN2, 5000)).toBe('ping');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    await net.healSlowness();
    await net.throttle([['n1', 'n2']], 16);
    expect(await roundTrip(n1ToN2, 5000)).toBe('ping');
    await net.healAll();
  });
});
