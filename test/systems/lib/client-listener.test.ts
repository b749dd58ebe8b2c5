/**
 * Client listener: pipelined replies, error replies, admin messages, and bad client input that
 * must get malformed-request (12) or be dropped without ever harming the node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../../systems/lib/clock.js';
import { startClientListener, type ClientListener } from '../../../systems/lib/client-listener.js';
import { ErrorCode, RpcError } from '../../../systems/lib/errors.js';
import { Logger } from '../../../systems/lib/log.js';
import { NdjsonClient } from '../../support/systems.js';

const clock = new Clock();
let listener: ClientListener;

beforeAll(async () => {
  listener = await startClientListener({
    port: 0,
    clock,
    logger: new Logger('t', clock),
    maxLineBytes: 1000,
    status: () => ({ role: 'single' }),
    handler: async (req) => {
      if (req.type === 'echo') {
        await new Promise((r) => setTimeout(r, Number(req.delayMs ?? 0)));
        return { type: 'echo_ok', echo: req.echo };
      }
      if (req.type === 'fail') throw new RpcError(ErrorCode.keyDoesNotExist, 'no such key', { hint: 1 });
      if (req.type === 'bug') throw new Error('boom');
      throw new RpcError(ErrorCode.notSupported, 'unknown');
    },
  });
});
afterAll(async () => listener.close());

describe('client listener', () => {
  it('answers pipelined requests by msg_id, in completion order', async () => {
    const c = await NdjsonClient.connect(listener.port);
    const slow = c.request({ type: 'echo', echo: 'slow', delayMs: 100 });
    const fast = c.request({ type: 'echo', echo: 'fast' });
    const first = await Promise.race([slow.then(() => 'slow'), fast.then(() => 'fast')]);
    expect(first).toBe('fast');
    expect(await slow).toMatchObject({ type: 'echo_ok', echo: 'slow', in_reply_to: 1 });
    c.close();
  });

  it('turns RpcError into an error reply and other exceptions into crash (13)', async () => {
    const c = await NdjsonClient.connect(listener.port);
    expect(await c.request({ type: 'fail' })).toMatchObject({ type: 'error', code: 20, text: 'no such key', hint: 1 });
    expect(await c.request({ type: 'bug' })).toMatchObject({ type: 'error', code: 13 });
    expect(await c.request({ type: 'echo', echo: 1 })).toMatchObject({ type: 'echo_ok' });
    c.close();
  });

  it('answers malformed-request (12) to bad lines that carry a msg_id', async () => {
    const c = await NdjsonClient.connect(listener.port);
    expect(await c.rawRequest('{"type":"echo","msg_id":7', 7)).toMatchObject({ type: 'error', code: 12, in_reply_to: 7 });
    expect(await c.rawRequest('{"msg_id":8}', 8)).toMatchObject({ code: 12, text: expect.stringContaining('type') });
    expect(await c.rawRequest('{"type":5,"msg_id":9}', 9)).toMatchObject({ code: 12 });
    expect(await c.rawRequest('garbage "msg_id": 10 garbage', 10)).toMatchObject({ code: 12 });
    c.close();
  });

  it('drops lines without a msg_id, and oversized lines, and keeps serving the connection', async () => {
    const c = await NdjsonClient.connect(listener.port);
    c.raw('not json at all');
    c.raw('[1,2,3]');
    c.raw('{"type":"echo"}');
    c.raw('x'.repeat(5000));
    c.raw('\u0000\u0001\u00ff');
    expect(await c.request({ type: 'echo', echo: 'alive' })).toMatchObject({ echo: 'alive' });
    expect(c.stray).toEqual([]);
    c.close();
  });

  it('survives a client that disconnects with requests in flight', async () => {
    const c = await NdjsonClient.connect(listener.port);
    void c.request({ type: 'echo', delayMs: 50 }).catch(() => {});
    c.close();
    await new Promise((r) => setTimeout(r, 100));
    const c2 = await NdjsonClient.connect(listener.port);
    expect(await c2.request({ type: 'echo', echo: 2 })).toMatchObject({ echo: 2 });
    c2.close();
  });

  it('handles the admin messages clock-offset and status itself', async () => {
    const c = await NdjsonClient.connect(listener.port);
    const before = clock.wallMs();
    expect(await c.request({ type: 'admin', action: 'clock-offset', ms: -60_000 })).toMatchObject({ type: 'admin_ok' });
    expect(clock.wallMs() - before).toBeLessThan(-59_000);
    expect(await c.request({ type: 'admin', action: 'status' })).toMatchObject({ type: 'admin_ok', role: 'single', clockOffsetMs: -60_000 });
    expect(await c.request({ type: 'admin', action: 'clock-offset', ms: 'soon' })).toMatchObject({ code: 12 });
    expect(await c.request({ type: 'admin', action: 'reboot' })).toMatchObject({ code: 10 });
    clock.setOffsetMs(0);
    c.close();
  });
});
