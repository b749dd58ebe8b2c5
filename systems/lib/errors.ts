/**
 * Error codes of the client wire protocol (Maelstrom's, see the wire-protocol spec), shared by
 * every system so that a node's error replies mean the same thing to the harness everywhere.
 */

/** Maelstrom error codes, by name. */
export const ErrorCode = {
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

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error a request handler throws to answer with a Maelstrom error reply instead of an ok body.
 * The client listener turns it into `{"type":"error","code":...,"text":...}`.
 */
export class RpcError extends Error {
  readonly code: number;
  /** Extra fields merged into the error body (for example `{ leader: "n2" }`). */
  readonly extra: Record<string, unknown>;
  constructor(code: number, text: string, extra: Record<string, unknown> = {}) {
    super(text);
    this.name = 'RpcError';
    this.code = code;
    this.extra = extra;
  }
}
