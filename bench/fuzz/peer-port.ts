/**
 * Fuzz surface `peer-port`: random and mutated peer messages sent to the peer ports of a real
 * 3-node raftkv cluster that has a cluster token. Without the token a connection is closed at its
 * first line, whatever it carries (well-formed forged writes included). With the token, messages
 * are forged from a sender outside the cluster, or claim a member as sender but break the peer
 * schema in one field (a value nested too deep, a term that is not an integer, an unknown type or
 * function, an extra field, a transaction too long), or are junk or mutated text. A failure is a
 * node that dies, stops serving, or lets a forged write through: a key the test wrote must read
 * back as the test wrote it.
 */
import { TestClient, TestCluster } from '../support/raftkv-cluster.js';
import { Draw, nestedText, RawConnection } from './node-ports.js';
import type { FuzzReport } from './types.js';

const TOKEN = 'fuzz-peer-port-token-0123456789';
/** The key forged commands write; the test writes it first and reads it last. */
const KEY = 'fz';
const MINE = 'written-by-the-test';

/**
 * A well-formed AppendEntries that would write a forged value, from `from` to `to`. Its `forward`
 * twin is the potent one: a leader that accepted it would propose the forged write at once.
 */
function forgedAppend(d: Draw, from: string, to: string): Record<string, unknown> {
  const cmd = { client: 'forger', seq: d.int(1, 1e6), attempt: 1, minPending: 1, op: { f: 'write', key: JSON.stringify(KEY), value: `forged-${d.int(0, 1e6)}` } };
  return { type: 'AppendEntries', from, to, term: d.int(1, 1e9), prevLogIndex: 0, prevLogTerm: 0, entries: [{ index: 1, term: 1, cmd }], leaderCommit: 1, round: 1 };
}

/** A well-formed forwarded command that writes a forged value. */
function forgedForward(d: Draw, from: string, to: string): Record<string, unknown> {
  const cmd = (forgedAppend(d, from, to).entries as { cmd: unknown }[])[0]!.cmd;
  return { type: 'Forward', from, to, term: 0, cmds: [cmd] };
}

/** One of the two forged messages. */
function forged(d: Draw, from: string, to: string): Record<string, unknown> {
  return d.chance(0.5) ? forgedForward(d, from, to) : forgedAppend(d, from, to);
}

/** A member-signed message broken in one field, so the peer schema must refuse it. */
function broken(d: Draw, from: string, to: string): string {
  const m = forgedAppend(d, from, to);
  const entry = (m.entries as Record<string, unknown>[])[0]!;
  const cmd = entry.cmd as Record<string, unknown>;
  switch (d.int(0, 8)) {
    case 0:
      return JSON.stringify({ ...m, term: d.pick([-1, 1.5, '7', null, 1e308]) });
    case 1:
      return JSON.stringify({ ...m, type: d.pick(['AppendEntriesX', 'hello', '', 'Forward2']) });
    case 2:
      return JSON.stringify({ ...m, extra: 1 });
    case 3:
      cmd.op = { f: d.pick(['delete', 'incr', 'read']), key: JSON.stringify(KEY), value: 1 };
      return JSON.stringify(m);
    case 4:
      cmd.op = { f: 'txn', ops: Array.from({ length: 257 }, () => ['w', KEY, 'forged']) };
      return JSON.stringify(m);
    case 5: {
      const text = JSON.stringify(m);
      return text.replace(/"value":"forged-\d+"/, `"value":${nestedText(d.int(65, 70))}`);
    }
    case 6:
      delete m.leaderCommit;
      return JSON.stringify(m);
    case 7:
      return JSON.stringify({ type: 'Forward', from, to, term: 1, cmds: [{ ...cmd, seq: -1 }] });
    default:
      return JSON.stringify({ ...m, entries: [{ ...entry, index: 'one' }] });
  }
}

/** Runs `cases` peer lines against a 3-node raftkv cluster; see the module header. */
export async function fuzzPeerPort(cases: number, seed: number): Promise<FuzzReport> {
  const d = new Draw(seed);
  const failures: string[] = [];
  const fail = (text: string): void => {
    if (failures.length < 100) failures.push(`peer-port seed ${seed}: ${text}`);
  };
  const cluster = await TestCluster.start(3, 'correct', { seed }, TOKEN);
  const ids = cluster.nodes.map((n) => n.id);
  const opened: RawConnection[] = [];
  const clients: TestClient[] = [];
  const call = async (port: number, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const c = await TestClient.connect(port);
    clients.push(c);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await c.call(body, 5000).catch(() => ({ type: 'error', code: 0 }));
      // A loaded machine may answer with a timeout or no leader yet; the writes here are idempotent.
      const retry = r.type === 'error' && (r.code === 0 || r.code === 11 || r.code === 13);
      if (!retry || Date.now() > deadline) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  try {
    const w = await call(cluster.nodes[0]!.clientPort, { type: 'write', key: KEY, value: MINE });
    if (w.type !== 'write_ok') fail(`the first write was not acknowledged: ${JSON.stringify(w)}`);

    const trusted = new Map<number, RawConnection>();
    for (let i = 0; i < cases && failures.length === 0; i++) {
      const target = d.int(0, ids.length - 1);
      const node = cluster.nodes[target]!;
      const to = node.id;
      const member = d.pick(ids.filter((x) => x !== to));
      const kind = d.int(0, 5);
      if (kind === 0) {
        // No token: the first line, even a well-formed forged write from a member, ends the connection.
        const c = await RawConnection.open(node.peerPort);
        opened.push(c);
        const first = d.pick([JSON.stringify(forged(d, member, to)), JSON.stringify({ type: 'hello', from: member, token: 'wrong-token-wrong-token' }), d.junk(80).toString('latin1')]);
        await c.write(`${first}\n${JSON.stringify(forged(d, member, to))}\n`);
        continue;
      }
      let c = trusted.get(target);
      if (c === undefined || c.closed) {
        c = await RawConnection.open(node.peerPort);
        opened.push(c);
        await c.write(`${JSON.stringify({ type: 'hello', from: member, token: TOKEN })}\n`);
        trusted.set(target, c);
      }
      const outsider = 'outsider-node';
      const line =
        kind === 1
          ? JSON.stringify(forged(d, outsider, to))
          : kind === 2
            ? JSON.stringify(forged(d, member, outsider))
            : kind === 3
              ? broken(d, member, to)
              : kind === 4
                ? d.mutate(JSON.stringify(forged(d, outsider, to)))
                : d.junk(120).toString('latin1');
      await c.write(`${line}\n`);
      if (i % 50 === 49) {
        await new Promise((r) => setTimeout(r, 5));
        for (const n of cluster.nodes) if (n.proc?.exitCode !== null) fail(`${n.id} exited after case ${i}:\n${n.stderr.slice(-1500)}`);
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const n of cluster.nodes) {
      if (n.proc?.exitCode !== null) {
        fail(`${n.id} exited:\n${n.stderr.slice(-1500)}`);
        continue;
      }
      const r = await call(n.clientPort, { type: 'read', key: KEY });
      if (r.type !== 'read_ok' || r.value !== MINE) fail(`${n.id} reads ${JSON.stringify(r).slice(0, 200)} for the key the test wrote ${JSON.stringify(MINE)}`);
    }
    const after = await call(cluster.nodes[2]!.clientPort, { type: 'write', key: 'after', value: 1 });
    if (after.type !== 'write_ok') fail(`the cluster does not take a write afterwards: ${JSON.stringify(after)}`);
  } finally {
    for (const c of opened) c.close();
    for (const c of clients) c.close();
    await cluster.stop();
  }
  return { surface: 'peer-port', tried: cases, failures };
}
