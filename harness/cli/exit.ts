/**
 * Exit codes of every faultline command, and the error type that carries one.
 *
 * The codes follow Knossos/Jepsen conventions for verdicts and keep the top of the range for the
 * harness itself:
 *   0   valid            the checkers found the history correct
 *   1   invalid          at least one checker found an anomaly
 *   2   unknown          a checker ran out of budget (time, memory) before it could decide
 *   254 bad input        a bad flag, config, history line or request: one message, no stack trace
 *   255 crash            the harness or the system under test failed (a node died at start, a bug)
 */
export const EXIT = {
  valid: 0,
  invalid: 1,
  unknown: 2,
  badInput: 254,
  crash: 255,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is shown to the user as is, on one line, with the given exit code. */
export class FaultlineError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message);
    this.name = 'FaultlineError';
    this.exitCode = exitCode;
  }
}

/** A bad flag, argument, config file or input file: exit 254. */
export class UsageError extends FaultlineError {
  constructor(message: string) {
    super(message, EXIT.badInput);
    this.name = 'UsageError';
  }
}

/** Maps a three-valued verdict to its exit code. */
export function exitCodeForVerdict(valid: boolean | 'unknown'): number {
  if (valid === true) return EXIT.valid;
  if (valid === false) return EXIT.invalid;
  return EXIT.unknown;
}
