/**
 * What the port fuzz surfaces share: the harness's seeded stream with the few draws they
 * need, and a raw TCP connection to a node that collects every line it receives.
 */
import { connect, type Socket } from 'node:net';
import { MutableRng } from '../../harness/random.js';

/** The harness's seeded stream, with the draws the fuzz surfaces share. */
export class Draw extends MutableRng {
  /** Random bytes without a newline, so that they stay one line. */
  junk(maxBytes: number): Buffer {
    const b = Buffer.alloc(this.int(1, maxBytes));
    for (let i = 0; i < b.length; i++) {
      const c = this.int(0, 254);
      b[i] = c >= 10 ? c + 1 : c;
    }
    return b;
  }
  /** `text` with a few characters deleted, replaced or inserted (never a newline). */
  mutate(text: string): string {
    const chars = [...text];
    const alphabet = '{}[]":,0123456789.-eE aZnult\\';
    for (let n = this.int(1, 3); n > 0 && chars.length > 0; n--) {
      const i = this.int(0, chars.length - 1);
      const op = this.int(0, 2);
      if (op === 0) chars.splice(i, 1);
      else if (op === 1) chars[i] = this.pick([...alphabet]);
      else chars.splice(i, 0, this.pick([...alphabet]));
    }
    return chars.join('');
  }
}

/** An array nested `depth` levels around `inner`, as JSON text. */
export function nestedText(depth: number, inner = '1'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

/** A raw connection that keeps every line received. */
export class RawConnection {
  readonly lines: string[] = [];
  closed = false;
  private buf = '';
  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  /** Writes bytes as they are (no newline added). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Waits until `done()` holds or `timeoutMs` passes; true when it held. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
