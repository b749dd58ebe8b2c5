/**
 * Starts a real raftkv cluster for the benchmark and the process tests: the built
 * dist/systems/raftkv/main.js, one process per node, peers connected directly on loopback (no
 * proxies), data in a temp dir; plus a small pipelined NDJSON client. Processes are killed by
 * their own pids in `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../harness/cluster/ports.js';
import { LineSplitter } from '../../systems/lib/ndjson.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, from bench/support (source) or dist/bench/support (built). */
const root = here.includes(`${join('dist', 'bench')}`) ? join(here, '../../..') : join(here, '../..');
/** The built node program. */
export const MAIN_JS = join(root, 'dist/systems/raftkv/main.js');
/** paxoskv's node program (either mode, by `params.mode`), for the same cluster helper. */
export const PAXOSKV_MAIN_JS = join(root, 'dist/systems/paxoskv/main.js');
/** The built dynamokv node entry. */
export const DYNAMOKV_MAIN_JS = join(root, 'dist/systems/dynamokv/main.js');
export const LOCKD_MAIN_JS = join(root, 'dist/systems/lockd/main.js');
/** txkv's data node program (started alone it routes by the initial partition map). */
export const TXKV_MAIN_JS = join(root, 'dist/systems/txkv/main.js');
/** mvcctx's node program. */
export const MVCCTX_MAIN_JS = join(root, 'dist/systems/mvcctx/main.js');
/** The built faultline CLI. */
export const CLI_JS = join(root, 'dist/harness/cli/main.js');

/** A free TCP port on 127.0.0.1 (the harness's own finder; closed again before it is returned). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** One node of a {@link TestCluster}. */
export interface TestNode {
  id: string;
  clientPort: number;
  peerPort: number;
  configFile: string;
  proc: ChildProcess | null;
  stderr: string;
}

/** A running cluster. */
export class TestCluster {
  readonly nodes: TestNode[] = [];
  private mainJs = MAIN_JS;

  /** How long a starting node has to print `ready`. */
  private readyTimeoutMs = 10_000;
  private constructor(readonly dir: string, readonly variant: string, readonly params: Record<string, unknown>) {}

  /** Writes the configs and starts `n` nodes (waiting for each `ready`). */
  /**
   * Starts `n` nodes; `start.batch` of them at a time (all by default), each given
   * `start.readyTimeoutMs` (10 s) to print `ready`: a large cluster on a loaded machine starts in
   * batches, with more time. `start.portsFrom`: the nodes' ports are the first free ones from
   * there, below the ephemeral range (a large cluster's own connections take ephemeral ports).
   */
  static async start(n: number, variant = 'correct', params: Record<string, unknown> = {}, clusterToken?: string, mainJs = MAIN_JS, start: { batch?: number; readyTimeoutMs?: number; portsFrom?: number } = {}): Promise<TestCluster> {
    const c = new TestCluster(mkdtempSync(join(tmpdir(), 'raftkv-test-')), variant, params);
    c.mainJs = mainJs;
    const ports = start.portsFrom === undefined ? null : await freePorts(2 * n, start.portsFrom);
    for (let i = 1; i <= n; i++) {
      const [clientPort, peerPort] = ports === null ? [await freePort(), await freePort()] : [ports[2 * i - 2]!, ports[2 * i - 1]!];
      c.nodes.push({ id: `n${i}`, clientPort, peerPort, configFile: '', proc: null, stderr: '' });
    }
    for (const node of c.nodes) {
      const peers: Record<string, string> = {};
      for (const o of c.nodes) if (o !== node) peers[o.id] = `127.0.0.1:${o.peerPort}`;
      node.configFile = join(c.dir, `${node.id}.json`);
      writeFileSync(
        node.configFile,
        JSON.stringify({
          id: node.id, variant, clientPort: node.clientPort, peerPort: node.peerPort, peers, dataDir: join(c.dir, node.id), params,
          ...(clusterToken !== undefined ? { clusterToken } : {}),
        }),
      );
    }
    c.readyTimeoutMs = start.readyTimeoutMs ?? c.readyTimeoutMs;
    const batch = start.batch ?? n;
    try {
      for (let i = 0; i < c.nodes.length; i += batch) await Promise.all(c.nodes.slice(i, i + batch).map((node) => c.startNode(node)));
    } catch (e) {
      // A node that did not start leaves none of the others behind.
      await c.stop();
      throw e;
    }
    return c;
  }

  /** Starts (or restarts) one node and waits for its `ready` line. */
  async startNode(node: TestNode): Promise<void> {
    // RAFTKV_NODE_ARGS passes node flags to the nodes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.RAFTKV_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const proc = spawn(process.execPath, [...nodeArgs, this.mainJs, '--config', node.configFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    node.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      node.stderr += d.toString();
      if (node.stderr.length > 200_000) node.stderr = node.stderr.slice(-100_000);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${node.id} not ready after ${this.readyTimeoutMs} ms: ${node.stderr}`)), this.readyTimeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${node.id} exited with ${code}: ${node.stderr}`));
      });
    });
  }

  /** kill -9 of one node. */
  async kill(node: TestNode): Promise<void> {
    const p = node.proc;
    if (p === null || p.exitCode !== null || p.signalCode !== null) {
      node.proc = null;
      return;
    }
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    node.proc = null;
  }

  /**
   * Stops every node and deletes the data: closes each node's stdin (a node exits when it closes,
   * writing any --cpu-prof profile), then kills what is still running after `graceMs`.
   */
  async stop(graceMs = 0): Promise<void> {
    if (graceMs > 0) {
      await Promise.all(
        this.nodes.map(async (n) => {
          const p = n.proc;
          if (p === null || p.exitCode !== null) return;
          const exited = new Promise((r) => p.once('exit', r));
          p.stdin!.end();
          await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
        }),
      );
    }
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A pipelined NDJSON client for one node. */
export class TestClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (body: Record<string, unknown>) => void>();
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    const lines = new LineSplitter((line) => {
      const body = JSON.parse(line) as Record<string, unknown>;
      const w = this.waiting.get(body.in_reply_to as number);
      if (w) {
        this.waiting.delete(body.in_reply_to as number);
        w(body);
      }
    }, () => {}, Number.MAX_SAFE_INTEGER);
    socket.on('data', (d: Buffer) => lines.push(d));
    socket.on('error', () => {});
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request and waits for its reply (or rejects after timeoutMs). */
  call(body: Record<string, unknown>, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`timeout on ${JSON.stringify(body)}`));
      }, timeoutMs);
      this.waiting.set(id, (b) => {
        clearTimeout(t);
        resolve(b);
      });
      this.socket.write(JSON.stringify({ ...body, msg_id: id }) + '\n');
    });
  }

  /** Sends a raw line (for malformed-input tests). */
  raw(line: string): void {
    this.socket.write(line + '\n');
  }

  /** Waits for the reply to a msg_id sent with raw(). */
  waitFor(id: number, timeoutMs = 3000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${id}`)), timeoutMs);
      this.waiting.set(id, (b) => {
        clearTimeout(t);
        resolve(b);
      });
    });
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}
