/**
 * Fuzz surface `client-port`: random and mutated client lines sent over real TCP to a real raftkv
 * node (deep nesting, msg_ids that are not whole non-negative integers, huge values, unknown
 * types, junk bytes, lines cut short or split across writes). A failure is a line with a usable
 * msg_id that got no reply or more than one, a reply to an id the client never sent, a reply that
 * is not JSON, or a node that died or stopped answering good requests.
 *
 * The oracle decides from the bytes sent alone: a line that parses to an object is answered at
 * its own msg_id when that is a safe non-negative integer, and never otherwise; any other line may
 * be answered at a msg_id it spells out whole (`"msg_id": 12`, a line cut after the 1 of 12 spells
 * 1), and must be when the first one it spells is usable; a line longer than the listener's limit
 * is dropped.
 */
import { TestCluster } from '../support/raftkv-cluster.js';
import { MAX_LINE_BYTES_DEFAULT } from '../../systems/lib/ndjson.js';
import { Draw, nestedText, RawConnection, waitUntil } from './node-ports.js';
import type { FuzzReport } from './types.js';

/** Cases sent together before their replies are counted. */
const BATCH = 25;
/** How long the replies of one batch may take. */
const BATCH_TIMEOUT_MS = 10_000;

/** One case: the bytes of its line (newline included) and what it is, for the failure line. */
interface Case {
  index: number;
  kind: string;
  line: Buffer;
  /** Written in two parts with a pause between, to cross a chunk boundary. */
  split: boolean;
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];

function goodBody(d: Draw): Record<string, unknown> {
  const key = d.pick(KEYS);
  switch (d.int(0, 3)) {
    case 0:
      return { type: 'read', key };
    case 1:
      return { type: 'write', key, value: d.int(0, 1000) };
    case 2:
      return { type: 'cas', key, from: d.int(0, 1000), to: d.int(0, 1000) };
    default:
      return { type: 'txn', txn: [['r', key, null], ['append', d.pick(KEYS), d.int(0, 1000)]] };
  }
}

/** A good request's JSON text with `idText` spliced in as its msg_id (raw, so any token fits). */
function withId(body: Record<string, unknown>, idText: string | null): string {
  const text = JSON.stringify(body);
  return idText === null ? text : `${text.slice(0, -1)},"msg_id":${idText}}`;
}

function makeCase(d: Draw, index: number, id: number): Case {
  const kinds = ['good', 'good', 'bad-id', 'deep', 'deep-txn', 'huge', 'unknown-type', 'junk', 'cut', 'mutated', 'mutated', 'split', 'id-in-junk', 'not-object'];
  const kind = d.chance(0.002) ? 'oversized-line' : d.pick(kinds);
  let text: string | Buffer;
  switch (kind) {
    case 'bad-id':
      text = withId(goodBody(d), d.pick(['1.5', '1e308', '-1', '"7"', '9007199254740993', 'null', 'true', '[1]', '{}', '1e2', '0.0', null]));
      break;
    case 'deep':
      text = withId({ type: 'write', key: d.pick(KEYS), value: 0 }, String(id)).replace('"value":0', `"value":${nestedText(d.int(65, 3000))}`);
      break;
    case 'deep-txn':
      text = withId({ type: 'txn', txn: [['append', 'k0', 0]] }, String(id)).replace('"k0",0]', `"k0",${nestedText(d.int(64, 500))}]`);
      break;
    case 'huge':
      text = withId({ type: 'write', key: d.pick(KEYS), value: 'v'.repeat(d.int(60_000, 300_000)) }, String(id));
      break;
    case 'oversized-line':
      text = withId({ type: 'write', key: 'k0', value: 'v'.repeat(MAX_LINE_BYTES_DEFAULT + d.int(1, 1000)) }, String(id));
      break;
    case 'unknown-type':
      text = withId({ ...goodBody(d), type: d.pick(['add', 'generate', 'toString', '__proto__', '', 'READ', 5, null, ['read']]) }, String(id));
      break;
    case 'junk':
      text = d.junk(200);
      break;
    case 'cut': {
      const full = withId(goodBody(d), String(id));
      text = full.slice(0, d.int(1, full.length - 1));
      break;
    }
    case 'mutated':
      text = d.mutate(withId(goodBody(d), String(id)));
      break;
    case 'id-in-junk':
      text = `${d.junk(30).toString('latin1').replace(/[\r\n]/g, '')} "msg_id": ${id} ${d.pick(['garbage', '}', ',x'])}`;
      break;
    case 'not-object':
      text = d.pick([`[${withId(goodBody(d), String(id))}]`, `"msg_id":${id}`, String(id), 'null']);
      break;
    default:
      text = withId(goodBody(d), String(id));
  }
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return { index, kind, line: Buffer.concat([body, Buffer.from('\n')]), split: kind === 'split' };
}

/** A msg_id spelled whole: digits not followed by a fraction or an exponent. */
const TOKEN_RE = /"msg_id"\s*:\s*(-?\d+)(?![\d.eE])/g;

function usable(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

/** What the listener may and must do with one line: the ids it may answer, and the one it must. */
function oracle(line: Buffer): { allowed: number[]; required: number | null } {
  if (line.length - 1 > MAX_LINE_BYTES_DEFAULT) return { allowed: [], required: null };
  let text = line.subarray(0, line.length - 1).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text === '') return { allowed: [], required: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const id = (parsed as Record<string, unknown>).msg_id;
    return usable(id) ? { allowed: [id], required: id } : { allowed: [], required: null };
  }
  const ids = [...text.matchAll(TOKEN_RE)].map((m) => Number(m[1]));
  const first = ids[0];
  return { allowed: ids.filter(usable), required: usable(first) ? first : null };
}

/** Runs `cases` client lines against one raftkv node; see the module header. */
export async function fuzzClientPort(cases: number, seed: number): Promise<FuzzReport> {
  const d = new Draw(seed);
  const failures: string[] = [];
  const cluster = await TestCluster.start(1, 'correct', { seed });
  const node = cluster.nodes[0]!;
  const conn = await RawConnection.open(node.clientPort);
  const allowed = new Map<number, number>();
  const required = new Map<number, number>();
  const replies = new Map<number, number>();
  const caseOf = new Map<number, Case>();
  let seen = 0;
  let nextId = d.int(1, 1000);
  const fail = (text: string): void => {
    if (failures.length < 100) failures.push(`client-port seed ${seed}: ${text}`);
  };
  const describe = (c: Case | undefined): string =>
    c === undefined ? 'no case' : `case ${c.index} (${c.kind}): ${JSON.stringify(c.line.subarray(0, 160).toString('utf8'))}`;

  /** Counts the replies received since the last call. */
  const absorb = (): void => {
    for (; seen < conn.lines.length; seen++) {
      const raw = conn.lines[seen]!;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        fail(`a reply that is not JSON: ${raw.slice(0, 160)}`);
        continue;
      }
      const to = body.in_reply_to;
      if (!usable(to)) {
        fail(`a reply without a usable in_reply_to: ${raw.slice(0, 160)}`);
        continue;
      }
      replies.set(to, (replies.get(to) ?? 0) + 1);
      if ((replies.get(to) ?? 0) > (allowed.get(to) ?? 0)) fail(`reply to id ${to}, which no line allowed that often (${describe(caseOf.get(to))})`);
    }
  };

  try {
    // The single node elects itself; a good request answered means it serves.
    const hello = await RawConnection.open(node.clientPort);
    await hello.write('{"type":"write","key":"k0","value":0,"msg_id":1}\n');
    if (!(await waitUntil(() => hello.lines.some((l) => l.includes('write_ok')), 15_000))) fail('the node never served a first write');
    hello.close();

    for (let start = 0; start < cases && failures.length === 0; start += BATCH) {
      const batch: Case[] = [];
      for (let i = start; i < Math.min(cases, start + BATCH); i++) {
        const c = makeCase(d, i, nextId);
        nextId += d.int(1, 1000);
        const o = oracle(c.line);
        for (const id of o.allowed) {
          allowed.set(id, (allowed.get(id) ?? 0) + 1);
          caseOf.set(id, c);
        }
        if (o.required !== null) required.set(o.required, (required.get(o.required) ?? 0) + 1);
        batch.push(c);
      }
      for (const c of batch) {
        if (c.split) {
          const at = d.int(1, c.line.length - 1);
          await conn.write(c.line.subarray(0, at));
          await new Promise((r) => setTimeout(r, 2));
          await conn.write(c.line.subarray(at));
        } else {
          await conn.write(c.line);
        }
      }
      const answered = (): boolean => {
        absorb();
        for (const [id, n] of required) if ((replies.get(id) ?? 0) < n) return false;
        return true;
      };
      if (!(await waitUntil(answered, BATCH_TIMEOUT_MS))) {
        for (const [id, n] of required) {
          if ((replies.get(id) ?? 0) < n) fail(`no reply to id ${id} within ${BATCH_TIMEOUT_MS} ms (${describe(caseOf.get(id))})`);
        }
      }
      if (conn.closed) fail(`the node closed the client connection after case ${start + batch.length - 1}`);
      if (node.proc?.exitCode !== null) fail(`the node exited (${node.proc?.exitCode}) after case ${start + batch.length - 1}:\n${node.stderr.slice(-1500)}`);
    }
    // Late replies to lines that were allowed but not required still count against strays.
    await new Promise((r) => setTimeout(r, 200));
    absorb();

    // Still alive and serving on a fresh connection.
    const after = await RawConnection.open(node.clientPort);
    await after.write('{"type":"write","key":"after","value":42,"msg_id":1}\n');
    const written = await waitUntil(() => after.lines.length >= 1, 10_000);
    await after.write('{"type":"read","key":"after","msg_id":2}\n');
    const ok = written && (await waitUntil(() => after.lines.length >= 2, 10_000));
    const read = after.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((b) => b.in_reply_to === 2);
    if (!ok || read?.value !== 42) fail(`the node does not serve a good write and read afterwards: ${after.lines.join(' | ').slice(0, 300)}`);
    after.close();
  } finally {
    conn.close();
    await cluster.stop();
  }
  return { surface: 'client-port', tried: cases, failures };
}
