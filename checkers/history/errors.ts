/**
 * The error every history reader, importer and pairing step throws for bad input.
 *
 * It carries the file and line (when known) so that the CLI can print one line,
 * `file:line: what is wrong`, and exit with the bad-input code. The checkers/ folder imports
 * nothing of the harness, so the mapping to an exit code is done by the caller.
 */

/** A history that cannot be read or does not make sense (a bad line, an unpaired completion). */
export class HistoryError extends Error {
  /** The file the history came from, when it came from a file. */
  readonly file: string | undefined;
  /** The 1-based line of the offending text, when there is one. */
  readonly line: number | undefined;
  /** The bare reason, without the location prefix. */
  readonly reason: string;

  constructor(reason: string, where: { file?: string | undefined; line?: number | undefined } = {}) {
    super(formatLocation(where.file, where.line) + reason);
    this.name = 'HistoryError';
    this.file = where.file;
    this.line = where.line;
    this.reason = reason;
  }
}

function formatLocation(file: string | undefined, line: number | undefined): string {
  if (file !== undefined && line !== undefined) return `${file}:${line}: `;
  if (file !== undefined) return `${file}: `;
  if (line !== undefined) return `line ${line}: `;
  return '';
}
