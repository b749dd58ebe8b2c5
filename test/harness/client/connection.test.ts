import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NdjsonConnection } from '../../../harness/client/connection.js';
import { completionOf } from '../../../harness/client/complete.js';
import { registerClient } from '../../../workloads/register.js';

let server: Server | null = null;
const sockets: Socket[] = [];

/** A TCP server on a free loopback port whose handler decides what to answer. */
async function serve(handle: (msg: Record<string, unknown>, s: Socket) => void): Promise<number> {
  server = createServer((s) => {
    sockets.push(s);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        handle(JSON.parse(line) as Record<string, unknown>, s);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

describe('NDJSON connection', () => {
  it('matches pipelined replies that come back in reverse order', async () => {
    // Arrange: hold the first two requests and answer them last-first.
    const held: Array<[Record<string, unknown>, Socket]> = [];
    const port = await serve((m, s) => {
      held.push([m, s]);
      if (held.length === 3) {
        for (const [msg, sock] of held.reverse()) sock.write(`${JSON.stringify({ type: 'read_ok', value: msg.key, in_reply_to: msg.msg_id })}\n`);
      }
    });
    const conn = await NdjsonConnection.connect('127.0.0.1', port, 1000);
    // Act
    const outs = await Promise.all(['a', 'b', 'c'].map((key) => conn.request({ type: 'read', key }, 2000)));
    // Assert
    expect(outs.map((o) => (o.kind === 'reply' ? o.body.value : o.kind))).toEqual(['a', 'b', 'c']);
    conn.close();
  });

  it('gives timeout when no reply comes, and lost when the connection breaks', async () => {
    const port = await serve((m, s) => {
      if (m.type === 'die') s.destroy();
    });
    const conn = await NdjsonConnection.connect('127.0.0.1', port, 1000);
    expect(await conn.request({ type: 'read', key: 1 }, 100)).toEqual({ kind: 'timeout' });
    const inFlight = conn.request({ type: 'read', key: 2 }, 5000);
    const killer = conn.request({ type: 'die' }, 5000);
    expect((await inFlight).kind).toBe('lost');
    expect((await killer).kind).toBe('lost');
    expect((await conn.request({ type: 'read', key: 3 }, 100)).kind).toBe('unsent');
  });

  it('rejects a connection to a port nobody listens on', async () => {
    const port = await serve(() => {});
    await new Promise<void>((r) => server?.close(() => r()));
    server = null;
    await expect(NdjsonConnection.connect('127.0.0.1', port, 1000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('completions (Jepsen rules)', () => {
  const write = { f: 'write', value: [1, 3] };
  const read = { f: 'read', value: [1, null] };
  const cas = { f: 'cas', value: [1, [3, 4]] };
  const err = (code: number) => ({ kind: 'reply' as const, body: { type: 'error', code, text: 'x' } });

  it('ok replies complete ok, reads with the value read', () => {
    expect(completionOf(registerClient, read, { kind: 'reply', body: { type: 'read_ok', value: 4 } })).toEqual({ type: 'ok', value: [1, 4] });
    expect(completionOf(registerClient, read, { kind: 'reply', body: { type: 'read_ok', value: null } })).toEqual({ type: 'ok', value: [1, null] });
    expect(completionOf(registerClient, cas, { kind: 'reply', body: { type: 'cas_ok' } }).type).toBe('ok');
  });

  it('definite errors fail; indefinite ones, timeouts and lost connections are info, except for reads', () => {
    expect(completionOf(registerClient, cas, err(22)).type).toBe('fail');
    expect(completionOf(registerClient, cas, err(20)).type).toBe('fail');
    expect(completionOf(registerClient, write, err(11)).type).toBe('fail');
    expect(completionOf(registerClient, write, err(0)).type).toBe('info');
    expect(completionOf(registerClient, write, err(13)).type).toBe('info');
    expect(completionOf(registerClient, write, err(99)).type).toBe('info');
    expect(completionOf(registerClient, write, { kind: 'timeout' }).type).toBe('info');
    expect(completionOf(registerClient, write, { kind: 'lost', reason: 'reset' }).type).toBe('info');
    expect(completionOf(registerClient, read, { kind: 'timeout' }).type).toBe('fail');
    expect(completionOf(registerClient, read, err(13)).type).toBe('fail');
    expect(completionOf(registerClient, write, { kind: 'unsent', reason: 'closed' }).type).toBe('fail');
  });

  it('names every code of the protocol in the error field, and unknown ones by number', () => {
    const names = [0, 1, 10, 11, 12, 13, 14, 20, 21, 22, 30, 99].map((code) => completionOf(registerClient, write, err(code)).error);
    expect(names).toEqual([
      'timeout: x', 'node-not-found: x', 'not-supported: x', 'temporarily-unavailable: x', 'malformed-request: x', 'crash: x',
      'abort: x', 'key-does-not-exist: x', 'key-already-exists: x', 'precondition-failed: x', 'txn-conflict: x', 'error-99: x',
    ]);
    expect([1, 10, 12, 14, 21, 30].map((code) => completionOf(registerClient, write, err(code)).type)).toEqual(Array(6).fill('fail'));
  });

  it('a reply of the wrong type is info for a write (it may have happened)', () => {
    const c = completionOf(registerClient, write, { kind: 'reply', body: { type: 'read_ok' } });
    expect(c.type).toBe('info');
    expect(String(c.error)).toMatch(/bad-reply/);
  });
});
