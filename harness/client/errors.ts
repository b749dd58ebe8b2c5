/**
 * What the harness makes of the error codes of the client wire protocol. Whether each code is
 * definite and its name for the history come from the one table the nodes answer from
 * (workloads/wire/errors.ts): a definite error means the operation did not and will not happen
 * (`fail`); any other code may hide an operation that took effect (`info`).
 */
import { ErrorCode, errorName } from '../../workloads/wire/errors.js';

export { errorName, isDefinite } from '../../workloads/wire/errors.js';

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
