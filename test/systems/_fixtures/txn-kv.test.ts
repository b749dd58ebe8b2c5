/**
 * The txn-kv fixture: one node spoken to directly over TCP (the wire mapping, bad requests, what
 * survives a kill -9), then `faultline run` end to end with the list-append and rw-register
 * workloads, where the correct variant must be found valid and each broken variant invalid with
 * the anomaly its bug produces. Runs are a few seconds each under a fixed seed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NODE_MAIN = join(repoRoot, 'dist', 'systems', '_fixtures', 'txn-kv', 'main.js');

beforeAll(() => requireBuild());

// ---------------------------------------------------------------------------------------------
// One node, spoken to directly.

const started: ChildProcess[] = [];

afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Starts node n1 alone (it holds the data) on a free port; resolves with its client port. */
async function startNode(dir: string, variant: string, params: Record<string, unknown> = {}): Promise<{ proc: ChildProcess; port: number }> {
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  const peerPort = await new Promise<number>((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'n1.json');
  writeFileSync(configFile, JSON.stringify({ id: 'n1', variant, clientPort: port, peerPort, peers: {}, dataDir: join(dir, 'data'), params }));
  const proc = spawn(process.execPath, [NODE_MAIN, '--config', configFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(proc);
  await new Promise<void>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) res();
    });
    proc.once('exit', (code) => rej(new Error(`node exited with ${code} before ready`)));
  });
  return { proc, port };
}

/** A client connection: sends one request at a time and waits for its reply. */
class Client {
  private buf = '';
  private waiting: ((m: Record<string, unknown>) => void) | null = null;
  private nextId = 1;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const w = this.waiting;
        this.waiting = null;
        w?.(JSON.parse(line) as Record<string, unknown>);
      }
    });
  }

  static open(port: number): Promise<Client> {
    return new Promise((res, rej) => {
      const s = connect(port, '127.0.0.1', () => res(new Client(s)));
      s.once('error', rej);
    });
  }

  /** Sends a request (a raw line when given a string) and resolves with the reply. */
  call(body: Record<string, unknown> | string): Promise<Record<string, unknown>> {
    return new Promise((res) => {
      this.waiting = res;
      this.socket.write(typeof body === 'string' ? `${body}\n` : `${JSON.stringify({ ...body, msg_id: this.nextId++ })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

async function killAndWait(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

describe('txn-kv node', () => {
  it('answers list-append and rw-register transactions, reads filled in, and rejects bad requests', async () => {
    const { port } = await startNode(tempDir(), 'correct');
    const c = await Client.open(port);
    expect(await c.call({ type: 'txn', txn: [['r', 1, null], ['append', 1, 5], ['append', 1, 6], ['r', 1, null]] })).toMatchObject({
      type: 'txn_ok',
      txn: [['r', 1, null], ['append', 1, 5], ['append', 1, 6], ['r', 1, [5, 6]]],
    });
    expect(await c.call({ type: 'txn', txn: [['w', 2, 7], ['r', 2, null]] })).toMatchObject({ type: 'txn_ok', txn: [['w', 2, 7], ['r', 2, 7]] });
    expect(await c.call({ type: 'write', key: 'x', value: 3 })).toMatchObject({ type: 'write_ok' });
    expect(await c.call({ type: 'cas', key: 'x', from: 4, to: 5 })).toMatchObject({ type: 'error', code: 22 });
    expect(await c.call({ type: 'cas', key: 'x', from: 3, to: 5 })).toMatchObject({ type: 'cas_ok' });
    expect(await c.call({ type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 5 });
    expect(await c.call({ type: 'txn', txn: 'nope' })).toMatchObject({ type: 'error', code: 12 });
    expect(await c.call({ type: 'txn', txn: [['inc', 1, 1]] })).toMatchObject({ type: 'error', code: 12 });
    expect(await c.call({ type: 'txn', txn: [['r', 1]] })).toMatchObject({ type: 'error', code: 12 });
    expect(await c.call({ type: 'frobnicate' })).toMatchObject({ type: 'error', code: 10 });
    expect(await c.call('{"type":"txn","msg_id":99,')).toMatchObject({ type: 'error', code: 12, in_reply_to: 99 });
    expect(await c.call({ type: 'admin', action: 'status' })).toMatchObject({ type: 'admin_ok', role: 'leader', variant: 'correct' });
    c.close();
  });

  it('keeps every acknowledged transaction across a kill -9 (correct) and loses the unflushed ones (lost-commit)', async () => {
    for (const variant of ['correct', 'lost-commit']) {
      const dir = tempDir();
      // A flush interval far beyond the test, so that lost-commit has flushed nothing at the kill.
      const params = { flushIntervalMs: 600_000 };
      const first = await startNode(dir, variant, params);
      const c = await Client.open(first.port);
      for (let v = 1; v <= 20; v++) expect(await c.call({ type: 'txn', txn: [['append', 0, v]] })).toMatchObject({ type: 'txn_ok' });
      c.close();
      await killAndWait(first.proc);
      const second = await startNode(dir, variant, params);
      const c2 = await Client.open(second.port);
      const r = await c2.call({ type: 'txn', txn: [['r', 0, null]] });
      c2.close();
      const expected = variant === 'correct' ? Array.from({ length: 20 }, (_, i) => i + 1) : null;
      expect(r, variant).toMatchObject({ type: 'txn_ok', txn: [['r', 0, expected]] });
    }
  });

  it('isolates concurrent transactions as its variant says', async () => {
    // Write skew: two transactions read keys 1 and 2, each then writes one of them.
    const skew = async (variant: string): Promise<Array<Record<string, unknown>>> => {
      const { port } = await startNode(tempDir(), variant, { stepDelayMs: 20 });
      const [a, b] = [await Client.open(port), await Client.open(port)];
      const replies = await Promise.all([
        a.call({ type: 'txn', txn: [['r', 1, null], ['r', 2, null], ['w', 1, 1]] }),
        b.call({ type: 'txn', txn: [['r', 1, null], ['r', 2, null], ['w', 2, 1]] }),
      ]);
      a.close();
      b.close();
      return replies;
    };
    // Snapshot isolation lets both commit, each having read nothing of the other: write skew.
    expect(await skew('snapshot-isolation')).toMatchObject([
      { type: 'txn_ok', txn: [['r', 1, null], ['r', 2, null], ['w', 1, 1]] },
      { type: 'txn_ok', txn: [['r', 1, null], ['r', 2, null], ['w', 2, 1]] },
    ]);
    // Read committed: a second read of a key sees a commit made in between (non-repeatable read),
    // snapshot isolation does not; two writers of one key: the second is aborted (txn-conflict).
    // Steps are 60 ms apart and the requests 20 ms apart, so timer noise does not reorder them.
    const reread = async (variant: string): Promise<Array<Record<string, unknown>>> => {
      const { port } = await startNode(tempDir(), variant, { stepDelayMs: 60 });
      const [a, b, c] = [await Client.open(port), await Client.open(port), await Client.open(port)];
      const long = a.call({ type: 'txn', txn: [['r', 1, null], ['r', 3, null], ['r', 3, null], ['r', 3, null], ['r', 1, null]] });
      await new Promise((r) => setTimeout(r, 20));
      const writer = b.call({ type: 'txn', txn: [['w', 2, 5], ['w', 1, 5]] });
      await new Promise((r) => setTimeout(r, 20));
      const rival = c.call({ type: 'txn', txn: [['w', 2, 6]] });
      const replies = await Promise.all([long, writer, rival]);
      for (const x of [a, b, c]) x.close();
      return replies;
    };
    const rc = await reread('read-committed');
    expect(rc[0]).toMatchObject({ type: 'txn_ok', txn: [['r', 1, null], ['r', 3, null], ['r', 3, null], ['r', 3, null], ['r', 1, 5]] });
    expect(rc[1]).toMatchObject({ type: 'txn_ok' });
    expect(rc[2]).toMatchObject({ type: 'error', code: 30 });
    const si = await reread('snapshot-isolation');
    expect(si[0]).toMatchObject({ type: 'txn_ok', txn: [['r', 1, null], ['r', 3, null], ['r', 3, null], ['r', 3, null], ['r', 1, null]] });
    // Serial execution: whichever runs second sees the write of the first.
    const serial = (await skew('correct')).map((r) => JSON.stringify(r.txn));
    expect(serial).toContainEqual(expect.stringMatching(/^\[\["r",1,1\],\["r",2,null\]|^\[\["r",1,null\],\["r",2,1\]/));
  });
});

// ---------------------------------------------------------------------------------------------
// faultline run, end to end.

interface RunResult {
  exitCode: number;
  out: string;
  valid: unknown;
  anomalyTypes: string[];
  consistencyModel: unknown;
  runDir: string;
}

async function run(variant: string, workload: string, nemesis: string, seed: number, extra: string[] = []): Promise<RunResult> {
  const dir = tempDir();
  const args = ['run', '--system', 'txn-kv', '--variant', variant, '--workload', workload, '--nemesis', nemesis, '--nemesis-interval', '1',
    '--time-limit', '4', '--concurrency', '10', '--rate', '200', '--seed', String(seed), '--results-dir', join(dir, 'results'), ...extra];
  const r = await runCli(args, { cwd: dir, timeoutMs: 90_000 });
  const out = r.stdout + r.stderr;
  let results: Record<string, unknown> = {};
  try {
    results = JSON.parse(readFileSync(join(dir, 'results', 'latest', 'results.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    /* no results: the assertions below say so with the output */
  }
  const checker = (results.checkers as Record<string, { anomalyTypes?: string[]; consistencyModel?: string }> | undefined)?.[workload];
  return {
    exitCode: r.exitCode,
    out,
    valid: results.valid,
    anomalyTypes: checker?.anomalyTypes ?? [],
    consistencyModel: checker?.consistencyModel,
    runDir: join(dir, 'results', 'latest'),
  };
}

/** The anomaly types found that match `forbidden`. */
function matching(types: string[], forbidden: RegExp): string[] {
  return types.filter((t) => forbidden.test(t));
}

describe.concurrent('faultline run against txn-kv', () => {
  it('finds the correct variant valid with list-append under kill and partition', async () => {
    const r = await run('correct', 'list-append', 'kill,partition', 2);
    expect(r.exitCode, r.out).toBe(0);
    expect(r.valid).toBe(true);
  });

  it('finds the correct variant valid with rw-register under partition', async () => {
    const r = await run('correct', 'rw-register', 'partition', 1);
    expect(r.exitCode, r.out).toBe(0);
    expect(r.valid).toBe(true);
  });

  it('catches read-committed: read skew (G-single) or write skew (G2-item), and nothing read committed forbids', async () => {
    const r = await run('read-committed', 'list-append', 'partition', 1);
    expect(r.exitCode, r.out).toBe(1);
    expect(r.anomalyTypes.some((t) => /^(G-single|G2-item)/.test(t)), r.out).toBe(true);
    expect(matching(r.anomalyTypes, /^(G0|G1)/), r.out).toEqual([]);
  });

  it('catches snapshot-isolation: write skew (G2-item) and nothing weaker', async () => {
    const r = await run('snapshot-isolation', 'list-append', 'partition', 1);
    expect(r.exitCode, r.out).toBe(1);
    expect(r.anomalyTypes.some((t) => t.startsWith('G2-item')), r.out).toBe(true);
    expect(matching(r.anomalyTypes, /^(G0|G1|G-single|internal|lost-update|incompatible-order)/), r.out).toEqual([]);
  });

  it('--consistency-model snapshot-isolation: the same write skew is allowed, and recheck judges by the same model', async () => {
    const r = await run('snapshot-isolation', 'list-append', 'partition', 1, ['--consistency-model', 'snapshot-isolation']);
    expect(r.exitCode, r.out).toBe(0);
    expect(r.valid).toBe(true);
    expect(r.consistencyModel).toBe('snapshot-isolation');
    expect(r.out).toContain('--consistency-model snapshot-isolation');
    const again = await runCli(['recheck', r.runDir, '--json'], { timeoutMs: 60_000 });
    expect(again.exitCode, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { checkers: Record<string, { consistencyModel: string }> }).checkers['list-append']?.consistencyModel).toBe('snapshot-isolation');
    // The same history, checked for strict serializability (the default), shows the write skew.
    const strict = await runCli(['check', join(r.runDir, 'history.jsonl'), '--checker', 'list-append', '--json'], { timeoutMs: 60_000 });
    expect(strict.exitCode, strict.stderr).toBe(1);
    expect((JSON.parse(strict.stdout) as { anomalyTypes: string[] }).anomalyTypes.some((t) => t.startsWith('G2-item')), strict.stdout).toBe(true);
  });

  it('catches lost-commit under kill', async () => {
    const r = await run('lost-commit', 'list-append', 'kill', 1);
    expect(r.exitCode, r.out).toBe(1);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes.length, r.out).toBeGreaterThan(0);
  });
});
