/**
 * The launcher interface: the only way the rest of the harness starts, signals and watches a node.
 *
 * A launcher turns a `LaunchSpec` (command line, log file, readiness timeout) into a running
 * `NodeHandle`. The first implementation, `LocalLauncher`, starts local child processes; an SSH
 * launcher for real hosts would implement the same interface, so nothing outside
 * `harness/cluster` may assume that a node is a local process.
 */

/** What a launcher needs to start one node. */
export interface LaunchSpec {
  /** Node id, e.g. "n1". */
  id: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Where the node's stderr (and any stdout after `ready`) goes; appended across restarts. */
  logFile: string;
  /** How long to wait for the `ready` line. */
  readyTimeoutMs: number;
}

/** How a node ended. */
export interface NodeExit {
  exitCode: number | null;
  signal: string | null;
}

/** The signals the nemesis and the cleanup use. */
export type NodeSignal = 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT';

/** A started node. */
export interface NodeHandle {
  readonly id: string;
  /** A launcher-specific identity (the pid for local processes), for run records. */
  readonly pid: number | undefined;
  /** Resolves once the node has ended, however it ended. */
  readonly exited: Promise<NodeExit>;
  /** True until the node has ended. */
  readonly alive: boolean;
  /** Sends a signal; a no-op once the node has ended. */
  signal(sig: NodeSignal): void;
  /**
   * Ends the node politely: closes its stdin (nodes exit when it closes), and kills it after
   * `graceMs` if it is still there.
   */
  stop(graceMs: number): Promise<NodeExit>;
}

/** Starts nodes. */
export interface Launcher {
  /** Starts a node and resolves once it printed `ready`; rejects with a NodeStartError otherwise. */
  start(spec: LaunchSpec): Promise<NodeHandle>;
  /** The last `lines` lines of a node's log. */
  logTail(spec: Pick<LaunchSpec, 'logFile'>, lines: number): string;
  /** Kills every node this launcher started, at once and synchronously (for signal handlers). */
  killAllNow(): void;
  /** Releases the launcher's own resources (after every node has stopped). */
  close(): Promise<void>;
}

/** A node that did not become ready: it exited, or the readiness timeout passed. */
export class NodeStartError extends Error {
  constructor(
    readonly nodeId: string,
    readonly reason: string,
    readonly logFile: string,
    readonly logTail: string,
    /** The node's exit code when it exited by itself before it was ready (null otherwise). */
    readonly exitCode: number | null = null,
  ) {
    super(
      `node ${nodeId} ${reason} (log: ${logFile})` +
        (logTail.trim() ? `; last lines of its log:\n${logTail.replace(/\n+$/, '')}` : '; its log is empty'),
    );
    this.name = 'NodeStartError';
  }
}
