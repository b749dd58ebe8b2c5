/**
 * From what happened to a request to the history's completion type, by Jepsen's rules:
 * - an ok reply: the workload reads it (`ok`, or `fail` when the reply says so);
 * - an error reply with a definite code: `fail`;
 * - an indefinite error, a timeout, a lost connection: `info` (it may have happened), except for
 *   read-only ops, which change nothing and are recorded `fail`;
 * - a request that never left (no connection): `fail`.
 */
import type { Completion, WorkloadClient } from '../../workloads/types.js';
import type { RequestOutcome } from './connection.js';
import { errorName, isDefinite } from './errors.js';

/** The completion of `op` given how its request ended. */
export function completionOf(client: WorkloadClient, op: { f: string; value: unknown }, outcome: RequestOutcome): Completion {
  const unknownType = client.readOnly(op) ? 'fail' : 'info';
  switch (outcome.kind) {
    case 'unsent':
      return { type: 'fail', value: op.value, error: `not-sent: ${outcome.reason}` };
    case 'timeout':
      return { type: unknownType, value: op.value, error: 'timeout' };
    case 'lost':
      return { type: unknownType, value: op.value, error: `connection-lost: ${outcome.reason}` };
    case 'reply': {
      const body = outcome.body;
      if (body.type === 'error') {
        const code = typeof body.code === 'number' ? body.code : -1;
        const error = body.text !== undefined ? `${errorName(code)}: ${String(body.text)}` : errorName(code);
        return { type: isDefinite(code) ? 'fail' : unknownType, value: op.value, error };
      }
      try {
        return client.complete(op, body);
      } catch (err) {
        // A reply the workload cannot read says nothing certain about the op.
        return { type: unknownType, value: op.value, error: `bad-reply: ${(err as Error).message}` };
      }
    }
  }
}
