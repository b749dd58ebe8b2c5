/**
 * Error replies of the client wire protocol: the code table of workloads/wire (Maelstrom's codes,
 * with each one's definite flag), and the error a handler throws to answer with one.
 */

// The table (numbers, names, definite or not) is the wire kit's, shared with the harness.
export { ErrorCode, type ErrorCodeValue } from '../../workloads/wire/errors.js';

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
