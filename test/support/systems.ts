/**
 * Helpers for tests that start real system nodes: write a node config into a temp dir, start the
 * built `dist/systems/<name>/main.js` with execa-free child_process, wait for `ready`, talk NDJSON
 * to it, and kill it by its own pid. Tests must run `npm run build` first (`npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../harness/cluster/ports.js';
import { LineSplitter } from '../../systems/lib/ndjson.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of a built system's main.js; throws a clear error when the build is missing. */
export function builtMain(system: string): string {
  const p = join(repoRoot, 'dist', 'systems', system, 'main.js');
  if (!existsSync(p)) throw new Error(`${p} is missing: run "npm run build" first`);
  return p;
}

const madeDirs: string[] = [];

/** A fresh temp directory, removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'faultline-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(d);
  return d;
}

/** Removes every directory {@link tempDir} made in this test file (call from afterAll). */
export function removeTempDirs(): void {
  for (const d of madeDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A free TCP port on 127.0.0.1 (the harness's own finder; closed again before it is returned). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** A running node process. */
export interface RunningNode {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  /** Resolves with the exit code (or null) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node <main> --config <file>`; resolves once it prints `ready` (rejects if it exits first). */
export async function startNode(main: string, configFile: string, port: number, readyTimeoutMs = 10_000): Promise<RunningNode> {
  const child = spawn(process.execPath, [main, '--config', configFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`node not ready in ${readyTimeoutMs} ms; stderr:\n${err}`)), readyTimeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes('ready')) {
        clearTimeout(t);
        res();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(t);
      rej(new Error(`node exited (${code ?? signal}) before ready; stderr:\n${err}`));
    });
  });
  return { child, port, stderr: () => err, exited };
}

/** Runs a node to completion (for start-up failures); resolves with its exit code and stderr. */
export async function runNodeToExit(main: string, args: string[], timeoutMs = 10_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  clearTimeout(t);
  return { code, stderr: err };
}

/** Kills a node with SIGKILL by its pid and waits for it to be gone. */
export async function kill9(n: RunningNode): Promise<void> {
  if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
  await n.exited;
}

/** Writes a node config file and returns its path. */
export function writeConfig(dir: string, cfg: Record<string, unknown>): string {
  const file = join(dir, `config-${String(cfg.id ?? 'n')}.json`);
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

/** A minimal pipelining NDJSON client for tests. */
export class NdjsonClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (body: Record<string, unknown>) => void>();
  /** Replies without a matching request (or without in_reply_to). */
  readonly stray: Record<string, unknown>[] = [];

  private constructor(readonly socket: Socket) {
    const lines = new LineSplitter((line) => {
      const body = JSON.parse(line) as Record<string, unknown>;
      const cb = this.waiting.get(body.in_reply_to as number);
      if (cb) {
        this.waiting.delete(body.in_reply_to as number);
        cb(body);
      } else this.stray.push(body);
    }, () => {}, Number.MAX_SAFE_INTEGER);
    socket.on('data', (d: Buffer) => lines.push(d));
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<NdjsonClient> {
    return new Promise((res, rej) => {
      const s = connect({ host: '127.0.0.1', port }, () => res(new NdjsonClient(s)));
      s.once('error', rej);
    });
  }

  /** Sends a request (msg_id assigned) and resolves with its reply. */
  request(body: Record<string, unknown>, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return this.requestWithId(id, body, timeoutMs);
  }

  /** Sends a raw line and resolves with the reply to `msgId`. */
  rawRequest(line: string, msgId: number, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const p = this.expect(msgId, timeoutMs);
    this.socket.write(line + '\n');
    return p;
  }

  /** Sends a raw line that gets no reply. */
  raw(line: string): void {
    this.socket.write(line + '\n');
  }

  private requestWithId(id: number, body: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const p = this.expect(id, timeoutMs);
    this.socket.write(JSON.stringify({ ...body, msg_id: id }) + '\n');
    return p;
  }

  private expect(id: number, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        rej(new Error(`no reply to msg_id ${id} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (b) => {
        clearTimeout(t);
        res(b);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A node's WAL folder (`<dataDir>/wal`): its snapshots' and segments' first indexes, ascending. */
export function walFolder(dataDir: string): { snaps: number[]; segments: number[] } {
  const names = readdirSync(join(dataDir, 'wal'));
  const idx = (re: RegExp): number[] => names.flatMap((x) => (re.exec(x) ? [Number(re.exec(x)![1])] : [])).sort((a, b) => a - b);
  return { snaps: idx(/^snap-(\d{20})\.snap$/), segments: idx(/^seg-(\d{20})\.wal$/) };
}
