/**
 * Helpers of the hostile-input tests of the systems: sockets and clients that are closed after
 * each test (the test passes its own list of closers, emptied in its afterEach).
 */
import { connect, type Socket } from 'node:net';
import { TestClient } from '../../bench/support/raftkv-cluster.js';

/** A client of a node's client port, closed with the test's closers. */
export async function trackedClient(port: number, closers: (() => void)[]): Promise<TestClient> {
  const c = await TestClient.connect(port);
  closers.push(() => c.close());
  return c;
}

/** A raw connection to a node's peer port, as a stranger opens it. */
export function openPeer(port: number, closers: (() => void)[]): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port }, () => res(s));
    s.once('error', rej);
    closers.push(() => s.destroy());
  });
}
