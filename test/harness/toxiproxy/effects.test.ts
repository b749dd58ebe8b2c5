/**
 * The embedded proxy's effect counters, through the network the nemesis drives: bytes and lines
 * cut or delayed by each kind of fault on a link, connections reset by a clean cut, nothing on a
 * link no one uses, and "cannot know" from a server reached as an external one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../../harness/network/network.js';
import { openToxiproxy, type ToxiproxyHandle } from '../../../harness/toxiproxy/connect.js';
import { connect, sleep, startUpstream, type Upstream } from './helpers.js';

let echo: Upstream;
let tp: ToxiproxyHandle;
let net: Network;
let round = 0;

const line = (type: string, i: number): string => `${JSON.stringify({ type, i })}\n`;

beforeAll(async () => {
  echo = await startUpstream();
  tp = await openToxiproxy({ seed: 5 });
});
afterAll(async () => {
  await tp.close();
  await echo.close();
});

/** A fresh two-node network whose links both lead to the echo upstream. */
async function network(): Promise<Network> {
  return Network.create(tp, [{ id: 'n1', peerPort: echo.port }, { id: 'n2', peerPort: echo.port }], `fx${round++}-`);
}

describe('proxy effect counters', () => {
  beforeAll(async () => {
    net = await network();
  });

  it('count nothing on a link no one uses, whatever fault is on it', async () => {
    const before = net.effectsOn([['n2', 'n1']]);
    await net.cut([['n2', 'n1']], 'silent');
    await net.slow([['n2', 'n1']], 50, 0);
    const c = await connect(net.peersOf('n1').n2!);
    expect(await c.roundTrip(line('ping', 1))).toBeGreaterThanOrEqual(0);
    c.destroy();
    await net.healAll();
    expect(net.effectsOn([['n2', 'n1']])).toEqual(before);
    expect(before).toEqual({ bytesCut: 0, messagesCut: 0, bytesDelayed: 0, messagesDelayed: 0, connectionsCut: 0 });
  });

  it('count the bytes and lines a latency delays and a silent cut drops', async () => {
    const link: [string, string] = ['n1', 'n2'];
    const c = await connect(net.peersOf('n1').n2!);
    const before = net.effectsOn([link])!;
    await net.slow([link], 30, 0);
    const two = line('a', 1) + line('b', 2);
    await c.roundTrip(two);
    const slowed = net.effectsOn([link])!;
    expect(slowed.bytesDelayed - before.bytesDelayed).toBe(Buffer.byteLength(two));
    expect(slowed.messagesDelayed - before.messagesDelayed).toBe(2);
    await net.healSlowness();
    await net.cut([link], 'silent');
    const three = line('c', 3) + line('d', 4) + line('e', 5);
    c.socket.write(three);
    // Dropped data never shows: wait for the count instead.
    for (let i = 0; i < 100 && net.effectsOn([link])!.bytesCut === slowed.bytesCut; i++) await sleep(20);
    const cut = net.effectsOn([link])!;
    expect(cut.bytesCut - slowed.bytesCut).toBe(Buffer.byteLength(three));
    expect(cut.messagesCut - slowed.messagesCut).toBe(3);
    expect(cut.bytesDelayed).toBe(slowed.bytesDelayed);
    await net.healPartitions();
    c.destroy();
  });

  it('count only the messages a message filter matched', async () => {
    const link: [string, string] = ['n1', 'n2'];
    const c = await connect(net.peersOf('n1').n2!);
    const before = net.effectsOn([link])!;
    await net.filterMessages([link], { types: ['Commit'], action: 'drop', delayMs: 0, probability: 1 });
    const kept = line('Prepare', 1) + line('Prepare', 3);
    c.socket.write(line('Prepare', 1) + line('Commit', 2) + line('Prepare', 3));
    await c.bytes(Buffer.byteLength(kept));
    const after = net.effectsOn([link])!;
    expect(after.messagesCut - before.messagesCut).toBe(1);
    expect(after.bytesCut - before.bytesCut).toBe(Buffer.byteLength(line('Commit', 2)));
    await net.healMessages();
    c.destroy();
  });

  it('count the connections a clean cut resets', async () => {
    const link: [string, string] = ['n2', 'n1'];
    const a = await connect(net.peersOf('n2').n1!);
    const b = await connect(net.peersOf('n2').n1!);
    await a.roundTrip('x\n');
    await b.roundTrip('y\n');
    const before = net.effectsOn([link])!;
    await net.cut([link], 'clean');
    await a.end();
    const after = net.effectsOn([link])!;
    expect(after.connectionsCut - before.connectionsCut).toBe(2);
    // Summed over links: the other link adds its own (none here).
    expect(net.effectsOn([link, ['n1', 'n2']])!.connectionsCut).toBe(after.connectionsCut + net.effectsOn([['n1', 'n2']])!.connectionsCut);
    await net.healPartitions();
    a.destroy();
    b.destroy();
  });

  it('are unknown (null) on a server reached by URL, which the Toxiproxy API gives no counters for', async () => {
    const external = await openToxiproxy({ url: tp.url });
    try {
      const ext = await Network.create(external, [{ id: 'n1', peerPort: echo.port }, { id: 'n2', peerPort: echo.port }], `ext${round++}-`);
      expect(ext.effectsOn([['n1', 'n2']])).toBeNull();
      expect(ext.effectsOn([])).toEqual({ bytesCut: 0, messagesCut: 0, bytesDelayed: 0, messagesDelayed: 0, connectionsCut: 0 });
    } finally {
      await external.close();
    }
  });
});
