/**
 * The live progress line on a terminal: ops ok/fail/info so far, the faults now in force, and
 * the time left. Only drawn when stderr is a TTY; a run in CI or a pipe prints nothing live.
 */
import type { Nemesis } from '../nemesis/nemesis.js';
import type { RunHistory } from './history.js';

/** Redraws one status line on stderr twice a second. */
export class Progress {
  private readonly counts = { ok: 0, fail: 0, info: 0 };
  private readonly timer: NodeJS.Timeout;
  private label = 'running';

  constructor(
    private readonly history: RunHistory,
    private readonly nemesis: Nemesis,
    private readonly endNs: number,
  ) {
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }

  /** Counts one completion. */
  count(type: 'ok' | 'fail' | 'info'): void {
    this.counts[type]++;
  }

  /** Names the phase shown once the main phase is over. */
  phase(label: string): void {
    this.label = label;
    this.draw();
  }

  private draw(): void {
    const leftS = Math.max(0, (this.endNs - this.history.nowNs()) / 1e9);
    const faults = this.nemesis.current;
    const when = this.label === 'running' ? `${leftS.toFixed(0)}s left` : this.label;
    const line = `ok ${this.counts.ok}  fail ${this.counts.fail}  info ${this.counts.info}  | faults: ${faults.length ? faults.join('; ') : 'none'} | ${when}`;
    const width = process.stderr.columns || 120;
    process.stderr.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
  }

  /** Clears the line and stops redrawing. */
  stop(): void {
    clearInterval(this.timer);
    process.stderr.write('\r\x1b[2K');
  }
}
