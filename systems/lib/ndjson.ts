/**
 * Splits a TCP byte stream into newline-delimited lines, with a limit on line length so that a
 * client (or a corrupted peer stream) can never make a node buffer without bound.
 */

/** Default longest accepted line, in bytes. */
export const MAX_LINE_BYTES_DEFAULT = 1 << 20;

/**
 * Feeds chunks, calls `onLine` for each complete line (without the newline, CR stripped) and
 * `onOversize` once per line that exceeds the limit (the rest of that line is skipped).
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOversize: () => void,
    private readonly maxLineBytes: number = MAX_LINE_BYTES_DEFAULT,
  ) {}

  /** Processes one chunk from the socket. */
  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        const piece = chunk.subarray(start, end);
        if (this.size + piece.length > this.maxLineBytes) {
          this.parts = [];
          this.size = 0;
          this.skipping = true;
          this.onOversize();
        } else if (piece.length > 0) {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl < 0) break;
      if (!this.skipping) {
        const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
        this.parts = [];
        this.size = 0;
        let line = buf.toString('utf8');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.length > 0) this.onLine(line);
      }
      this.skipping = false;
      start = nl + 1;
    }
    // A chunk boundary inside a line: keep a copy, since the socket may reuse its buffer.
    if (this.parts.length > 0) {
      const last = this.parts[this.parts.length - 1]!;
      if (last.buffer === chunk.buffer) this.parts[this.parts.length - 1] = Buffer.from(last);
    }
  }
}

// The nesting bound is the wire kit's, so that decoders and listeners refuse the same values.
export { MAX_VALUE_DEPTH, nestsDeeperThan } from '../../workloads/wire/limits.js';
