/**
 * paxoskv under hostile input on its real ports, in both modes: garbage on the client port (not
 * JSON, wrong types, a frame past the line limit, an unknown type) is answered with error 12 or
 * dropped, and peer messages that are malformed, of an unknown type or claiming another sender are
 * dropped and logged. Every node stays up and keeps serving. Needs the build.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PAXOSKV_MAIN_JS, TestCluster } from '../../../bench/support/raftkv-cluster.js';
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

for (const mode of ['cas', 'multi'] as const) {
  describe(`paxoskv (${mode} mode) under hostile input`, () => {
    it('answers garbage on the client port with error 12 or drops it, and keeps serving', async () => {
      const c = await TestCluster.start(3, 'correct', { mode }, undefined, PAXOSKV_MAIN_JS);
      clusters.push(c);
      const cl = await NdjsonClient.connect(c.nodes[0]!.clientPort);
      closers.push(() => cl.close());
      expect(await cl.rawRequest(`{"type":"write","key":"x","value":1,"msg_id":7,}`, 7).catch(() => 'dropped')).toBeDefined();
      expect(await cl.rawRequest(`{"type":"write","key":"x","msg_id":8}`, 8)).toMatchObject({ type: 'error', code: 12 });
      expect(await cl.rawRequest(`{"type":"cas","key":"x","from":1,"msg_id":9}`, 9)).toMatchObject({ type: 'error', code: 12 });
      expect(await cl.rawRequest(`{"type":"read","key":null,"msg_id":10}`, 10)).toMatchObject({ type: 'error', code: 12 });
      expect(await cl.rawRequest(`{"type":"write","key":"x","value":"${'v'.repeat(2_000_000)}","msg_id":11}`, 11).catch(() => 'dropped')).toBeDefined();
      const unknown = await cl.rawRequest(`{"type":"frobnicate","msg_id":12}`, 12);
      expect(unknown.type).toBe('error');
      cl.raw('not json at all');
      cl.raw('[1,2,3]');
      await everyNodeServes(c, `client-${mode}-`);
    }, 60_000);

    it('drops malformed, unknown and forged peer messages and logs them, and keeps serving', async () => {
      const c = await TestCluster.start(3, 'correct', { mode }, undefined, PAXOSKV_MAIN_JS);
      clusters.push(c);
      await everyNodeServes(c, `before-${mode}-`);
      const target = c.nodes[0]!;
      const s = await openPeer(target.peerPort);
      const forged = [
        mode === 'multi'
          ? `{"type":"MAccept","from":"n9","to":"${target.id}","b":{"c":99,"n":"n9"},"slot":1,"v":null,"commit":0}`
          : `{"type":"Prepare","from":"n9","to":"${target.id}","key":"x","b":{"c":99,"n":"n9"},"rid":1}`,
        mode === 'multi'
          ? `{"type":"MAccept","from":"n2","to":"n3","b":{"c":99,"n":"n2"},"slot":1,"v":null,"commit":0}`
          : `{"type":"Prepare","from":"n2","to":"n3","key":"x","b":{"c":99,"n":"n2"},"rid":1}`,
        `{"type":"MAccept","from":"n2","to":"${target.id}","b":{"c":"99","n":"n2"},"slot":1,"v":null,"commit":0}`,
        `{"type":"Forward","from":"n2","to":"${target.id}","fid":1,"op":{"f":"nope"}}`,
        `{"type":"Accept","from":"n2","to":"${target.id}","key":"x","b":{"c":-1,"n":"n2"},"rid":1,"v":1}`,
        `{"type":"Prepare","from":"n2","to":"${target.id}","key":7,"b":{"c":1,"n":"n2"},"rid":1}`,
        `{"type":"Frobnicate","from":"n2","to":"${target.id}"}`,
        `{"type":"__proto__","from":"n2","to":"${target.id}"}`,
        'not json',
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
      ];
      for (const line of forged) s.write(`${line}\n`);
      await new Promise((r) => setTimeout(r, 500));
      await everyNodeServes(c, `after-${mode}-`);
      expect(target.stderr).toMatch(/not a peer of this cluster/);
      expect(target.stderr).toMatch(/addressed to n3/);
      expect(target.stderr).toMatch(/dropped a peer message of type "Frobnicate"/);
    }, 60_000);
  });
}
