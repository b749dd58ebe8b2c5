import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenContext, Generator } from '../../../harness/generator/index.js';
import { RunHistory } from '../../../harness/run/history.js';
import { interpret, makeWorkers, NOT_SENT_BACKOFF_MS, nextBackoffMs } from '../../../harness/run/interpreter.js';
import type { WorkloadClient } from '../../../workloads/types.js';
import { freePort } from '../../support/systems.js';

/** Gives every free worker a read, as fast as it can, until `untilNs`. */
function busy(untilNs: number): Generator {
  const g: Generator = {
    op: (ctx: GenContext) => {
      if (ctx.timeNs >= untilNs) return null;
      const w = ctx.free[0];
      return w === undefined ? 'pending' : { op: { worker: w.worker, f: 'read', value: null }, next: g };
    },
    update: () => g,
  };
  return g;
}

const client: WorkloadClient = {
  request: () => ({ type: 'read', key: 0 }),
  complete: (op) => ({ type: 'ok', value: op.value }),
  readOnly: () => true,
};

describe('interpret', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('doubles the wait after an op that could not be sent, from its least to its most, and forgets it once one is sent', () => {
    expect(nextBackoffMs(0)).toBe(NOT_SENT_BACKOFF_MS.min);
    expect(nextBackoffMs(NOT_SENT_BACKOFF_MS.min)).toBe(2 * NOT_SENT_BACKOFF_MS.min);
    expect(nextBackoffMs(NOT_SENT_BACKOFF_MS.max)).toBe(NOT_SENT_BACKOFF_MS.max);
  });

  it('keeps a worker whose node refuses connections from taking the ops of the workers whose nodes answer', async () => {
    const server: Server = createServer((s) => {
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const msg = JSON.parse(buf.slice(0, i)) as { msg_id: number };
          buf = buf.slice(i + 1);
          s.write(`${JSON.stringify({ type: 'read_ok', value: null, in_reply_to: msg.msg_id })}\n`);
        }
      });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    cleanups.push(() => server.close());
    const live = (server.address() as { port: number }).port;
    const dead = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'faultline-interp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const history = new RunHistory(join(dir, 'history.jsonl'), process.hrtime.bigint());
    const workers = makeWorkers(2, ['dead', 'live']);
    await interpret(busy(800e6), {
      workers,
      history,
      client,
      address: (node) => ({ host: '127.0.0.1', port: node === 'dead' ? dead : live }),
      opTimeoutMs: 1000,
      shouldStop: () => false,
    });
    const events = history.readBack();
    history.close();
    const done = (node: string) => events.filter((e) => e.type !== 'invoke' && e.node === node).length;
    // 800 ms of waits doubling from 50 ms to 250 ms: at most 6 attempts on the dead node, where
    // without them a refused connection is tried again at once, hundreds of times.
    expect(done('dead')).toBeGreaterThan(0);
    expect(done('dead')).toBeLessThanOrEqual(8);
    expect(done('live')).toBeGreaterThan(20);
  });
});
