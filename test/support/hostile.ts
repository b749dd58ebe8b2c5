/**
 * Helpers of the hostile-input tests of the systems: sockets and clients that are closed after
 * each test (the test passes its own list of closers, emptied in its afterEach).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, expect } from 'vitest';
import { TestClient, type TestCluster } from '../../bench/support/raftkv-cluster.js';
import type { NdjsonClient } from './systems.js';

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

/**
 * Every node is up and a write through each one is read back through it (retried for up to 10 s
 * while a leader is elected).
 */
export async function everyNodeServes(c: TestCluster, key: string, closers: (() => void)[]): Promise<void> {
  for (const [i, n] of c.nodes.entries()) {
    expect(n.proc?.exitCode ?? null, `node ${n.id} exited:\n${n.stderr.slice(-2000)}`).toBeNull();
    const cl = await trackedClient(n.clientPort, closers);
    const deadline = Date.now() + 10_000;
    let r = await cl.call({ type: 'write', key: `${key}${i}`, value: i });
    while (r.type !== 'write_ok' && Date.now() < deadline) r = await cl.call({ type: 'write', key: `${key}${i}`, value: i });
    expect(r).toMatchObject({ type: 'write_ok' });
    expect(await cl.call({ type: 'read', key: `${key}${i}` })).toMatchObject({ type: 'read_ok', value: i });
  }
}

/**
 * Every node is up and commits a transaction appending to keys of several partitions, then reads
 * them back through it (retried for up to 10 s while a conflict, an election or another
 * transaction's intent holds a key): the check of the transactional systems.
 */
export async function everyNodeCommits(c: TestCluster, tag: string, closers: (() => void)[]): Promise<void> {
  for (const [i, n] of c.nodes.entries()) {
    expect(n.proc?.exitCode ?? null, `node ${n.id} exited:\n${n.stderr.slice(-2000)}`).toBeNull();
    const cl = await trackedClient(n.clientPort, closers);
    const keys = [0, 1, 2, 3, 4, 5].map((k) => `${tag}${i}-${k}`);
    const deadline = Date.now() + 10_000;
    let r = await cl.call({ type: 'txn', txn: keys.map((k) => ['append', k, i]) });
    while (r.type !== 'txn_ok' && Date.now() < deadline) r = await cl.call({ type: 'txn', txn: keys.map((k) => ['append', k, i]) });
    expect(r).toMatchObject({ type: 'txn_ok' });
    expect(await cl.call({ type: 'txn', txn: keys.map((k) => ['r', k, null]) })).toMatchObject({ type: 'txn_ok', txn: keys.map((k) => ['r', k, [i]]) });
  }
}

/**
 * The lists a hostile-input test fills, emptied after each test: its sockets and clients closed,
 * then its clusters stopped.
 */
export function hostileTeardown(): { clusters: TestCluster[]; closers: (() => void)[] } {
  const clusters: TestCluster[] = [];
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) c();
    for (const c of clusters.splice(0)) await c.stop();
  });
  return { clusters, closers };
}

/** Peer lines every system must drop whatever its protocol: unknown types, not JSON, too deep. */
export function junkPeerLines(target: string): string[] {
  return [`{"type":"Frobnicate","from":"n2","to":"${target}"}`, `{"type":"__proto__","from":"n2","to":"${target}"}`, 'not json', `${'['.repeat(5000)}${']'.repeat(5000)}`];
}

/** Writes each line to a peer socket, then waits `settleMs` for the node to read them. */
export async function sendPeerLines(s: Socket, lines: readonly string[], settleMs = 500): Promise<void> {
  for (const line of lines) s.write(`${line}\n`);
  await new Promise((r) => setTimeout(r, settleMs));
}

/**
 * The malformed transactions every transactional store refuses with error 12 (no `txn`, an unknown
 * op, a null key, a `txn` that is not a list), as msg ids 7 to 10.
 */
export async function expectMalformedTxnsRefused(cl: NdjsonClient): Promise<void> {
  expect(await cl.rawRequest(`{"type":"txn","msg_id":7}`, 7)).toMatchObject({ type: 'error', code: 12 });
  expect(await cl.rawRequest(`{"type":"txn","txn":[["incr","x",1]],"msg_id":8}`, 8)).toMatchObject({ type: 'error', code: 12 });
  expect(await cl.rawRequest(`{"type":"txn","txn":[["r",null,null]],"msg_id":9}`, 9)).toMatchObject({ type: 'error', code: 12 });
  expect(await cl.rawRequest(`{"type":"txn","txn":"nope","msg_id":10}`, 10)).toMatchObject({ type: 'error', code: 12 });
}
