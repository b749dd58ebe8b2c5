/**
 * `LocalLauncher`: nodes as local child processes, started with execa.
 *
 * - stdin is a pipe the node watches: when it closes (the harness stopped the node, or died by any
 *   means), the node exits.
 * - stderr goes straight to the node's log file (a file descriptor, so the log keeps being written
 *   even if the harness dies); stdout is read for the `ready` line, then copied to the log.
 * - Every pid is written to `<run>/pids` and told to the reaper process (see reaper.ts), which
 *   kills what is left if the harness is killed while a node is paused.
 *
 * This file is the only place in faultline that knows nodes are local processes.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { DIST_ROOT } from './manifest.js';
import { NodeStartError, type LaunchSpec, type Launcher, type NodeExit, type NodeHandle, type NodeSignal } from './launcher.js';

const REAPER_JS = join(DIST_ROOT, 'harness', 'cluster', 'reaper.js');
/** The most of a log file read for a tail; logs can be large. */
const TAIL_BYTES_MAX = 64 * 1024;

/** Last lines of a text file, reading at most its last 64 KiB. */
export function tailFile(path: string, lines: number): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path);
  const slice = text.subarray(Math.max(0, text.length - TAIL_BYTES_MAX)).toString('utf8');
  return slice.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).slice(-lines).join('\n');
}

/**
 * Signals a node's whole process group (the node leads its own group, see `detached` below), so
 * that a node started through a wrapper (`sh -c`, `npm start`) is killed or paused with everything
 * it started, not only the wrapper; falls back to the pid alone.
 */
export function signalGroup(pid: number, sig: NodeSignal): void {
  try {
    process.kill(-pid, sig);
    return;
  } catch {
    /* no such group: signal the process itself */
  }
  try {
    process.kill(pid, sig);
  } catch {
    /* it ended between the check and the kill */
  }
}

class LocalNode implements NodeHandle {
  alive = true;
  readonly exited: Promise<NodeExit>;

  constructor(
    readonly id: string,
    private readonly proc: ResultPromise,
    private readonly onExit: (pid: number | undefined) => void,
  ) {
    this.exited = proc.then(
      (r) => this.ended({ exitCode: r.exitCode ?? null, signal: r.signal ?? null }),
      (err: { exitCode?: number; signal?: string }) => this.ended({ exitCode: err.exitCode ?? null, signal: err.signal ?? null }),
    );
  }

  private ended(e: NodeExit): NodeExit {
    this.alive = false;
    // What the node started in its group (a wrapper's server, a helper in the background) goes with
    // it: nothing else would end it, since the reaper forgets the node now. The group only, never
    // the bare pid, which is no longer this node's.
    if (this.pid !== undefined) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        /* the group is empty: nothing was left */
      }
    }
    this.onExit(this.pid);
    return e;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  signal(sig: NodeSignal): void {
    if (!this.alive || this.pid === undefined) return;
    signalGroup(this.pid, sig);
  }

  async stop(graceMs: number): Promise<NodeExit> {
    if (this.alive) {
      // A paused node cannot notice its stdin closing.
      this.signal('SIGCONT');
      this.proc.stdin?.end();
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      const e = await this.exited;
      clearTimeout(timer);
      return e;
    }
    return this.exited;
  }
}

/** Options of the local launcher. */
export interface LocalLauncherOptions {
  /** A file to which every started pid is appended as `<id> <pid>` (the run's `pids` file). */
  pidsFile?: string;
  /** Start the reaper process (default true). */
  reaper?: boolean;
}

/** Starts nodes as local child processes. */
export class LocalLauncher implements Launcher {
  private readonly nodes = new Set<LocalNode>();
  private reaperProc: ResultPromise | null = null;

  private constructor(private readonly opts: LocalLauncherOptions) {}

  /** A launcher, with its reaper running. */
  static async create(opts: LocalLauncherOptions = {}): Promise<LocalLauncher> {
    const l = new LocalLauncher(opts);
    if (opts.reaper !== false) await l.startReaper();
    return l;
  }

  private async startReaper(): Promise<void> {
    const proc = execa(process.execPath, [REAPER_JS], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'ignore',
      reject: false,
      buffer: false,
      cleanup: false,
    });
    proc.stdin?.on('error', () => {});
    this.reaperProc = proc;
    this.recordPid('reaper', proc.pid);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the reaper process did not start')), 10_000);
      proc.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      void proc.then(() => {
        clearTimeout(timer);
        reject(new Error('the reaper process exited at start'));
      });
    });
  }

  private recordPid(id: string, pid: number | undefined): void {
    if (this.opts.pidsFile && pid !== undefined) appendFileSync(this.opts.pidsFile, `${id} ${pid}\n`);
  }

  private tellReaper(line: string): void {
    const stdin = this.reaperProc?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(`${line}\n`);
  }

  logTail(spec: Pick<LaunchSpec, 'logFile'>, lines: number): string {
    return tailFile(spec.logFile, lines);
  }

  async start(spec: LaunchSpec): Promise<NodeHandle> {
    // A marker line, so a reader of the log sees each (re)start.
    appendFileSync(spec.logFile, `--- faultline ${new Date().toISOString()}: starting ${spec.id}\n`);
    const logFd = openSync(spec.logFile, 'a');
    // `node` in a manifest means the Node.js running the harness, whatever PATH says.
    const command = spec.command === 'node' ? process.execPath : spec.command;
    let proc: ResultPromise;
    try {
      proc = execa(command, spec.args, {
        stdin: 'pipe',
        stdout: 'pipe',
        // A file descriptor, not a stream: the node writes its log itself, even if the harness dies.
        stderr: logFd as 3,
        ...(spec.env ? { env: spec.env } : {}),
        reject: false,
        buffer: false,
        // The harness's own signal handlers kill nodes; execa's would only send SIGTERM.
        cleanup: false,
        // Its own process group: signals reach what the node started too, and a Ctrl-C in the
        // terminal reaches the harness only, which then stops the nodes itself.
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    proc.stdin?.on('error', () => {});
    proc.stdout?.on('error', () => {});
    const node = new LocalNode(spec.id, proc, (pid) => {
      this.nodes.delete(node);
      if (pid !== undefined) this.tellReaper(`-${pid}`);
    });
    this.nodes.add(node);
    this.recordPid(spec.id, proc.pid);
    if (proc.pid !== undefined) this.tellReaper(`+${proc.pid}`);

    await new Promise<void>((resolve, reject) => {
      let buf = '';
      let ready = false;
      let failing = false;
      const fail = (reason: string) => {
        failing = true;
        clearTimeout(timer);
        node.signal('SIGKILL');
        // Give the log a moment to receive the last bytes the node wrote.
        void node.exited.then(() => reject(new NodeStartError(spec.id, reason, spec.logFile, tailFile(spec.logFile, 20))));
      };
      const timer = setTimeout(() => fail(`did not print "ready" within ${spec.readyTimeoutMs} ms`), spec.readyTimeoutMs);
      proc.stdout?.setEncoding('utf8');
      proc.stdout?.on('data', (chunk: string) => {
        if (ready) {
          appendFileSync(spec.logFile, chunk);
          return;
        }
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === 'ready' && !ready) {
            ready = true;
            clearTimeout(timer);
            resolve();
          } else {
            appendFileSync(spec.logFile, `${line}\n`);
          }
        }
      });
      void node.exited.then((e) => {
        if (ready || failing) return;
        clearTimeout(timer);
        const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.exitCode}`;
        reject(new NodeStartError(spec.id, `${how} before it was ready`, spec.logFile, tailFile(spec.logFile, 20), e.signal ? null : e.exitCode));
      });
      if (proc.pid === undefined) fail(`could not be started (${command})`);
    });
    return node;
  }

  killAllNow(): void {
    for (const n of this.nodes) n.signal('SIGKILL');
  }

  async close(): Promise<void> {
    this.killAllNow();
    await Promise.all([...this.nodes].map((n) => n.exited));
    const r = this.reaperProc;
    this.reaperProc = null;
    if (r) {
      r.stdin?.end();
      await r;
    }
  }
}
