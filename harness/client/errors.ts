/**
 * Maelstrom's error codes (shared/specs/wire-protocol.md) and whether each is definite: a definite
 * error means the operation did not and will not happen (`fail`); any other code may hide an
 * operation that took effect (`info`).
 */

/** Error codes by name. */
export const ERROR_CODES = {
  timeout: 0,
  nodeNotFound: 1,
  notSupported: 10,
  temporarilyUnavailable: 11,
  malformedRequest: 12,
  crash: 13,
  abort: 14,
  keyDoesNotExist: 20,
  keyAlreadyExists: 21,
  preconditionFailed: 22,
  txnConflict: 30,
} as const;

const NAMES: Record<number, string> = {
  0: 'timeout',
  1: 'node-not-found',
  10: 'not-supported',
  11: 'temporarily-unavailable',
  12: 'malformed-request',
  13: 'crash',
  14: 'abort',
  20: 'key-does-not-exist',
  21: 'key-already-exists',
  22: 'precondition-failed',
  30: 'txn-conflict',
};

const DEFINITE = new Set([1, 10, 11, 12, 14, 20, 21, 22, 30]);

/** True when the code says the operation certainly did not happen. Unknown codes are indefinite. */
export function isDefinite(code: number): boolean {
  return DEFINITE.has(code);
}

/** The name of a code, or `error-<code>` for codes outside the table. */
export function errorName(code: number): string {
  return NAMES[code] ?? `error-${code}`;
}
