/**
 * The error codes of the client wire protocol (Maelstrom's `errors.edn`), in one table: each
 * code's number, name, meaning and whether it is definite. Nodes answer with these codes and the
 * harness's client classifies them from this same table, so the two can never disagree on what a
 * number means. docs/protocol.md, section 4, is the reader's copy.
 */

/** One row of the table. */
export interface ErrorCodeInfo {
  code: number;
  /** Maelstrom's name, as the history records it (`temporarily-unavailable`). */
  name: string;
  /**
   * True when the error promises that the operation did not and will not happen (the client
   * records `fail`); false when it may have happened anyway (`info`).
   */
  definite: boolean;
  meaning: string;
}

/** The table, keyed by the name systems use in code. */
const TABLE = {
  timeout: { code: 0, name: 'timeout', definite: false, meaning: 'no answer in time; the operation may still take effect' },
  nodeNotFound: { code: 1, name: 'node-not-found', definite: true, meaning: 'the request named a node that does not exist' },
  notSupported: { code: 10, name: 'not-supported', definite: true, meaning: 'this system does not offer that request type' },
  temporarilyUnavailable: {
    code: 11,
    name: 'temporarily-unavailable',
    definite: true,
    meaning: 'the node cannot serve the request now (no leader, overloaded); it was not applied',
  },
  malformedRequest: { code: 12, name: 'malformed-request', definite: true, meaning: 'the request is not well formed; it was not applied' },
  crash: { code: 13, name: 'crash', definite: false, meaning: 'the node failed while handling the request; it may have taken effect' },
  abort: { code: 14, name: 'abort', definite: true, meaning: 'the operation was aborted and did not take effect' },
  keyDoesNotExist: { code: 20, name: 'key-does-not-exist', definite: true, meaning: 'the key was never written' },
  keyAlreadyExists: { code: 21, name: 'key-already-exists', definite: true, meaning: 'the key exists and the request needed it not to' },
  preconditionFailed: { code: 22, name: 'precondition-failed', definite: true, meaning: 'the value was not the one a cas expected' },
  txnConflict: { code: 30, name: 'txn-conflict', definite: true, meaning: 'the transaction lost a conflict with another and was not applied' },
} as const satisfies Record<string, ErrorCodeInfo>;

type Table = typeof TABLE;

/** Every code, by the name systems use in code: `ErrorCode.preconditionFailed` is 22. */
export const ErrorCode = Object.fromEntries(Object.entries(TABLE).map(([k, v]) => [k, v.code])) as {
  readonly [K in keyof Table]: Table[K]['code'];
};

/** A code of the table. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The rows in code order. */
export const ERROR_CODES: readonly ErrorCodeInfo[] = Object.values(TABLE).sort((a, b) => a.code - b.code);

const BY_CODE = new Map<number, ErrorCodeInfo>(ERROR_CODES.map((e) => [e.code, e]));

/** The row of a code, or undefined for a code outside the table. */
export function errorInfo(code: number): ErrorCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** True when the code says the operation certainly did not happen. Unknown codes are indefinite. */
export function isDefinite(code: number): boolean {
  return BY_CODE.get(code)?.definite ?? false;
}

/** The name of a code, or `error-<code>` for codes outside the table. */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `error-${code}`;
}
