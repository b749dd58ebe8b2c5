/**
 * lockd under hostile input on its real ports: garbage and malformed requests on the client port
 * get error 12 (or 10 for an unknown type) or are dropped; malformed, forged and unknown peer
 * messages (a log entry with an op lockd has no such thing as, a sender outside the cluster) are
 * dropped and logged. Every node stays up and keeps serving. Needs the build.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCKD_MAIN_JS, TestCluster } from '../../../bench/support/raftkv-cluster.js';
import { everyNodeServes as everyNodeServesWith, openPeer as openPeerSocket } from '../../support/hostile.js';
import { NdjsonClient } from '../../support/systems.js';

const clusters: TestCluster[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const c of clusters.splice(0)) await c.stop();
});

const openPeer = (port: number): Promise<Socket> => openPeerSocket(port, closers);

const everyNodeServes = (c: TestCluster, key: string): Promise<void> => everyNodeServesWith(c, key, closers);

describe('lockd under hostile input', () => {
  it('answers garbage on the client port with error 12 or drops it, and keeps serving', async () => {
    const c = await TestCluster.start(3, 'correct', {}, undefined, LOCKD_MAIN_JS);
    clusters.push(c);
    const cl = await NdjsonClient.connect(c.nodes[0]!.clientPort);
    closers.push(() => cl.close());
    expect(await cl.rawRequest(`{"type":"grant","msg_id":7}`, 7)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"grant","ttl_ms":-5,"msg_id":8}`, 8)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"acquire","lock":"","lease":"L1","msg_id":9}`, 9)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"release","lock":"a","lease":"L1","token":"x","msg_id":10}`, 10)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"watch","prefix":"w/","from":0,"msg_id":11}`, 11)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"grant","ttl_ms":5,"msg_id":12}`, 12)).toMatchObject({ type: 'error', code: 12 });
    expect(await cl.rawRequest(`{"type":"frobnicate","msg_id":13}`, 13)).toMatchObject({ type: 'error', code: 10 });
    expect(await cl.rawRequest(`{"type":"write","key":"x","value":"${'v'.repeat(2_000_000)}","msg_id":14}`, 14).catch(() => 'dropped')).toBeDefined();
    cl.raw('not json at all');
    cl.raw('[1,2,3]');
    await everyNodeServes(c, 'client-');
  }, 60_000);

  it('drops malformed, unknown and forged peer messages and logs them, and keeps serving', async () => {
    const c = await TestCluster.start(3, 'correct', {}, undefined, LOCKD_MAIN_JS);
    clusters.push(c);
    await everyNodeServes(c, 'before-');
    const target = c.nodes[0]!;
    const s = await openPeer(target.peerPort);
    const cmd = (op: string) => `{"client":"n2@x","seq":1,"attempt":1,"minPending":0,"op":${op}}`;
    const forged = [
      `{"type":"Forward","from":"n9","to":"${target.id}","term":1,"cmds":[${cmd('{"f":"revoke","lease":"L1","expired":true}')}]}`,
      `{"type":"Forward","from":"n2","to":"n3","term":1,"cmds":[]}`,
      `{"type":"Forward","from":"n2","to":"${target.id}","term":1,"cmds":[${cmd('{"f":"write","key":"x","value":1}')}]}`,
      `{"type":"Forward","from":"n2","to":"${target.id}","term":1,"cmds":[${cmd('{"f":"acquire","lock":"a","lease":7}')}]}`,
      `{"type":"Forward","from":"n2","to":"${target.id}","term":1,"cmds":[${cmd('{"f":"release","lock":"a","lease":"L1","token":-1}')}]}`,
      `{"type":"Frobnicate","from":"n2","to":"${target.id}","term":1}`,
      'not json',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    ];
    for (const line of forged) s.write(`${line}\n`);
    await new Promise((r) => setTimeout(r, 500));
    await everyNodeServes(c, 'after-');
    expect(target.stderr).toMatch(/not a peer of this cluster/);
    expect(target.stderr).toMatch(/addressed to n3/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Forward"/);
    expect(target.stderr).toMatch(/dropped a peer message of type "Frobnicate"/);
  }, 60_000);
});
