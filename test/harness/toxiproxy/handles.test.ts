/**
 * Resource hygiene: 1,000 connections through toxics, opened and closed from both ends, and
 * afterwards no socket, server or timer of the proxy is left (process handle counts).
 */
import { describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { connect, sleep, startServer, startUpstream, type Client } from './helpers.js';

/** Counts of the handle kinds a proxy can leak. */
function handles(): Record<string, number> {
  const out: Record<string, number> = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 };
  for (const k of process.getActiveResourcesInfo()) if (k in out) out[k]! += 1;
  return out;
}

async function settle(baseline: Record<string, number>, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = performance.now() + timeoutMs;
  let now = handles();
  const leaks = (h: Record<string, number>): boolean => Object.keys(h).some((k) => h[k]! > baseline[k]!);
  while (performance.now() < deadline && leaks(now)) {
    await new Promise((r) => setImmediate(r));
    await sleep(20);
    now = handles();
  }
  return now;
}

describe('handles', () => {
  it('1,000 connections through toxics leave no sockets or timers behind', async () => {
    // Arrange
    await sleep(50);
    const baseline = handles();
    const echo = await startUpstream();
    const srv = await startServer(11);
    const tp = new Toxiproxy(srv.url);
    const p = await tp.createProxy({ name: 'h', listen: '127.0.0.1:0', upstream: echo.addr });
    const q = await tp.createProxy({ name: 'h2', listen: '127.0.0.1:0', upstream: echo.addr });
    for (const [proxy, body] of [
      [p, { name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 2, jitter: 1 } }],
      [p, { name: 'slice', type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 4, size_variation: 2, delay: 100 } }],
      [p, { name: 'tmo', type: 'timeout', stream: 'upstream', toxicity: 0.1, attributes: { timeout: 20 } }],
      [q, { name: 'bw', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 1000 } }],
      [q, { name: 'sc', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 5 } }],
      [q, { name: 'nd', type: 'ndjson_filter', stream: 'upstream', toxicity: 1, attributes: { types: ['x'], action: 'delay', delay_ms: 3 } }],
      [q, { name: 'rp', type: 'reset_peer', stream: 'downstream', toxicity: 0.2, attributes: { timeout: 10 } }],
    ] as const) {
      await proxy.addToxic(body as never);
    }

    // Act: 1,000 connections in batches of 50, alternating proxies and which side closes.
    let finished = 0;
    for (let batch = 0; batch < 20; batch++) {
      const clients: Client[] = [];
      for (let i = 0; i < 50; i++) clients.push(await connect((batch + i) % 2 === 0 ? p.listen : q.listen));
      await Promise.all(
        clients.map(async (c, i) => {
          c.socket.write(`${JSON.stringify({ type: i % 3 === 0 ? 'x' : 'y', i })}\n`);
          await c.until(() => c.received().length > 0 || c.ended !== 'open', 2000, 'echo or end').catch(() => {});
          if (i % 2 === 0) c.socket.end();
          else c.destroy();
          await c.end(3000);
          c.destroy();
          finished++;
        }),
      );
    }
    // A few connections still open when the server stops.
    const open: Client[] = [];
    for (let i = 0; i < 10; i++) open.push(await connect(i % 2 ? p.listen : q.listen));
    await sleep(50);
    const during = handles();
    await srv.close();
    await echo.close();
    for (const c of open) {
      await c.end(3000);
      c.destroy(); // the test's own half-open client end
    }

    // Assert
    expect(finished).toBe(1000);
    const after = await settle(baseline, 5000);
    for (const kind of Object.keys(baseline)) {
      expect({ kind, count: after[kind]! }).toEqual({ kind, count: Math.min(after[kind]!, baseline[kind]!) });
    }
    // While the 10 connections were open, each held 4 sockets (client, proxy's two, upstream's), so
    // the counts above really measure the proxy's sockets.
    expect(during.TCPSocketWrap!).toBeGreaterThanOrEqual(baseline.TCPSocketWrap! + 40);
    expect(during.TCPServerWrap!).toBeGreaterThanOrEqual(baseline.TCPServerWrap! + 4);
  });
});
