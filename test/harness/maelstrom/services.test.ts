/**
 * Maelstrom's services in the harness, over real TCP as a shim talks to them: lin-kv's read,
 * write and cas (with create_if_not_exists) and Maelstrom's error codes; seq-kv never goes back
 * on what a node saw and writes act on the newest state; lww-kv converges; lin-tso increases.
 * Every request is recorded with its reply.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MaelstromServices } from '../../../harness/maelstrom/services.js';
import { lineSplitter, type MaelstromMessage } from '../../../harness/maelstrom/protocol.js';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/** A shim's side of the control connection: rpc(dest, body) resolves with the reply body. */
async function shim(services: MaelstromServices, node: string) {
  const s: Socket = connect(services.port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  open.push({ close: () => s.destroy() });
  s.write(`${JSON.stringify({ hello: { node, incarnation: '1' } })}\n`);
  const waiting = new Map<number, (b: MaelstromMessage['body']) => void>();
  s.setEncoding('utf8');
  const split = lineSplitter((l) => {
    const m = JSON.parse(l) as MaelstromMessage;
    waiting.get(m.body.in_reply_to!)?.(m.body);
  });
  s.on('data', (c: string) => split(c));
  let id = 1;
  return (dest: string, body: Record<string, unknown>) =>
    new Promise<MaelstromMessage['body']>((resolve) => {
      const msgId = id++;
      waiting.set(msgId, resolve);
      s.write(`${JSON.stringify({ src: node, dest, body: { ...body, msg_id: msgId } })}\n`);
    });
}

async function start(seed = 1) {
  const recorded: unknown[] = [];
  const services = await MaelstromServices.start(seed, (v) => recorded.push(v));
  open.push(services);
  return { services, recorded };
}

describe('lin-kv', () => {
  it('reads, writes and cas as one linearizable map, with Maelstrom error codes', async () => {
    // Arrange
    const { services, recorded } = await start();
    const rpc = await shim(services, 'n1');
    // Act / Assert
    expect(await rpc('lin-kv', { type: 'read', key: 'x' })).toMatchObject({ type: 'error', code: 20 });
    expect(await rpc('lin-kv', { type: 'cas', key: 'x', from: 1, to: 2 })).toMatchObject({ type: 'error', code: 20 });
    expect(await rpc('lin-kv', { type: 'cas', key: 'x', from: 1, to: 2, create_if_not_exists: true })).toMatchObject({ type: 'cas_ok' });
    expect(await rpc('lin-kv', { type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 2 });
    expect(await rpc('lin-kv', { type: 'cas', key: 'x', from: 1, to: 3 })).toMatchObject({ type: 'error', code: 22 });
    expect(await rpc('lin-kv', { type: 'write', key: 'x', value: [1, { a: 2 }] })).toMatchObject({ type: 'write_ok' });
    expect(await rpc('lin-kv', { type: 'cas', key: 'x', from: [1, { a: 2 }], to: 4 })).toMatchObject({ type: 'cas_ok' });
    // 1 and "1" are different keys.
    expect(await rpc('lin-kv', { type: 'write', key: 1, value: 'one' })).toMatchObject({ type: 'write_ok' });
    expect(await rpc('lin-kv', { type: 'read', key: '1' })).toMatchObject({ type: 'error', code: 20 });
    expect(await rpc('lin-kv', { type: 'txn' })).toMatchObject({ type: 'error', code: 10 });
    expect(recorded).toHaveLength(10);
    expect(recorded[0]).toMatchObject({ service: 'lin-kv', node: 'n1', request: { type: 'read', key: 'x' }, reply: { code: 20 } });
  });
});

describe('seq-kv', () => {
  it('never shows a node a state older than one it saw, and its own write at once', async () => {
    // Arrange
    const { services } = await start(7);
    const a = await shim(services, 'n1');
    const b = await shim(services, 'n2');
    // Act: n1 writes 1..30; n2 reads after each write.
    const seenByB: number[] = [];
    let staleSeen = false;
    for (let v = 1; v <= 30; v++) {
      await a('seq-kv', { type: 'write', key: 'k', value: v });
      // A node reads its own write at once.
      expect(await a('seq-kv', { type: 'read', key: 'k' })).toMatchObject({ value: v });
      const r = await b('seq-kv', { type: 'read', key: 'k' });
      const got = r.type === 'read_ok' ? (r.value as number) : 0;
      if (got < v) staleSeen = true;
      seenByB.push(got);
    }
    // Assert: n2's reads never go back, and some were stale (not linearizable, as Maelstrom's).
    for (let i = 1; i < seenByB.length; i++) expect(seenByB[i]!).toBeGreaterThanOrEqual(seenByB[i - 1]!);
    expect(staleSeen).toBe(true);
  });

  it('a cas acts on the newest state', async () => {
    const { services } = await start(3);
    const a = await shim(services, 'n1');
    const b = await shim(services, 'n2');
    await a('seq-kv', { type: 'write', key: 'k', value: 1 });
    await a('seq-kv', { type: 'write', key: 'k', value: 2 });
    expect(await b('seq-kv', { type: 'cas', key: 'k', from: 2, to: 3 })).toMatchObject({ type: 'cas_ok' });
    expect(await b('seq-kv', { type: 'read', key: 'k' })).toMatchObject({ value: 3 });
  });
});

describe('lww-kv and lin-tso', () => {
  it('lww-kv replicas converge on the last write', async () => {
    const { services } = await start(5);
    const a = await shim(services, 'n1');
    for (let v = 1; v <= 5; v++) await a('lww-kv', { type: 'write', key: 'k', value: v });
    // Replicas merge every 100 ms: after a while every read sees the last write.
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 10; i++) expect(await a('lww-kv', { type: 'read', key: 'k' })).toMatchObject({ value: 5 });
  });

  it('lin-tso gives increasing timestamps to every node', async () => {
    const { services } = await start();
    const a = await shim(services, 'n1');
    const b = await shim(services, 'n2');
    const ts: number[] = [];
    for (let i = 0; i < 10; i++) ts.push(((await (i % 2 ? a : b)('lin-tso', { type: 'ts' })) as unknown as { ts: number }).ts);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
  });
});
