/**
 * Free loopback ports. Each is found by listening on port 0 and closing; all the ports of one
 * request are held open together so that they are distinct. Another program could still take one
 * in the short gap before the node binds it; nodes then fail to start with a clear log.
 */
import { createServer, type Server } from 'node:net';

/** The first port of Linux's default ephemeral range, from which outgoing connections take theirs. */
export const EPHEMERAL_PORTS_FROM = 32768;

/**
 * `count` distinct free TCP ports on 127.0.0.1. Given `from`, they are the first free ones from
 * there up to below {@link EPHEMERAL_PORTS_FROM}: a large cluster's outgoing connections (each
 * node to every other) take ephemeral ports, and could take a port a node is about to listen on.
 */
export async function freePorts(count: number, from?: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    let next = from;
    while (ports.length < count) {
      if (next !== undefined && next >= EPHEMERAL_PORTS_FROM) throw new Error(`fewer than ${count} free ports from ${from} below ${EPHEMERAL_PORTS_FROM}`);
      const s = createServer();
      servers.push(s);
      const port = next;
      if (next !== undefined) next++;
      const ok = await new Promise<boolean>((resolve, reject) => {
        s.once('error', (e: NodeJS.ErrnoException) => (port !== undefined && e.code === 'EADDRINUSE' ? resolve(false) : reject(e)));
        s.listen(port ?? 0, '127.0.0.1', () => resolve(true));
      });
      if (!ok) {
        servers.pop();
        continue;
      }
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('no port assigned');
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
