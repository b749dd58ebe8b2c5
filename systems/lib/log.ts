/**
 * Node logging: every line goes to stderr (the harness saves it as results/<run>/nodes/<id>.log).
 * `msg()` writes the optional peer-message log line of the wire protocol,
 * `@msg {"t":µs,"dir":"send"|"recv","from","to","type","id"}`, which the report uses to draw the
 * message diagram of a time window.
 */
import type { Clock } from './clock.js';

/** A node's logger. */
export class Logger {
  constructor(
    private readonly nodeId: string,
    private readonly clock: Clock,
    /** When false, `msg()` writes nothing (peer-message logging is optional and costs I/O). */
    readonly logMessages: boolean = false,
  ) {}

  /** Writes one human-readable line to stderr, stamped with the unskewed time and node id. */
  info(text: string): void {
    process.stderr.write(`${new Date().toISOString()} ${this.nodeId} ${text}\n`);
  }

  /** Logs a peer message sent or received (only when `logMessages` is on). */
  msg(dir: 'send' | 'recv', from: string, to: string, type: string, id: number | string | undefined): void {
    if (!this.logMessages) return;
    const line = JSON.stringify({ t: this.clock.trueWallUs(), dir, from, to, type, id: id ?? null });
    process.stderr.write(`@msg ${line}\n`);
  }
}
