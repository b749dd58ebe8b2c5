/**
 * What the harness makes of the error codes of the client wire protocol (shared/specs/
 * wire-protocol.md; the table itself lives with the systems, systems/lib/errors.ts, so that nodes
 * and harness cannot disagree on a number): whether each is definite, and its name for the history.
 * A definite error means the operation did not and will not happen (`fail`); any other code may
 * hide an operation that took effect (`info`).
 */
import { ErrorCode } from '../../systems/lib/errors.js';

/** Codes by number, named as in Maelstrom's documentation (`temporarily-unavailable`). */
const NAMES = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)]),
);

/** Every code but timeout (0) and crash (13): those say nothing about whether the op happened. */
const DEFINITE = new Set<number>([
  ErrorCode.nodeNotFound,
  ErrorCode.notSupported,
  ErrorCode.temporarilyUnavailable,
  ErrorCode.malformedRequest,
  ErrorCode.abort,
  ErrorCode.keyDoesNotExist,
  ErrorCode.keyAlreadyExists,
  ErrorCode.preconditionFailed,
  ErrorCode.txnConflict,
]);

/**
 * Codes by which a working system refuses an op on its merits (the key is missing, the cas found
 * another value, a transaction lost a conflict): an answer, unlike a timeout or an unavailable
 * node. Availability figures count these as answered.
 */
const REFUSALS = new Set<string>(
  [ErrorCode.keyDoesNotExist, ErrorCode.keyAlreadyExists, ErrorCode.preconditionFailed, ErrorCode.txnConflict].map((c) => errorName(c)),
);

/** True when a history `error` (`precondition-failed: expected 3, found 1`) is such a refusal. */
export function isRefusal(error: unknown): boolean {
  if (typeof error !== 'string') return false;
  const colon = error.indexOf(':');
  return REFUSALS.has(colon < 0 ? error : error.slice(0, colon));
}

/** True when the code says the operation certainly did not happen. Unknown codes are indefinite. */
export function isDefinite(code: number): boolean {
  return DEFINITE.has(code);
}

/** The name of a code, or `error-<code>` for codes outside the table. */
export function errorName(code: number): string {
  return NAMES.get(code) ?? `error-${code}`;
}
