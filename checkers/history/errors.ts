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
  /** The 1-based column, when the format is read character by character (EDN). */
  readonly column: number | undefined;
  /** The bare reason, without the location prefix. */
  readonly reason: string;

  constructor(
    reason: string,
    where: { file?: string | undefined; line?: number | undefined; column?: number | undefined } = {},
  ) {
    super(formatLocation(where.file, where.line, where.column) + reason);
    this.name = 'HistoryError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.reason = reason;
  }
}

function formatLocation(file: string | undefined, line: number | undefined, column: number | undefined): string {
  const at = line === undefined ? undefined : column === undefined ? `${line}` : `${line}:${column}`;
  if (file !== undefined && at !== undefined) return `${file}:${at}: `;
  if (file !== undefined) return `${file}: `;
  if (at !== undefined) return `line ${at}: `;
  return '';
}
