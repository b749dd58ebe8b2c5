/**
 * raftkv's state machine on the Raft core: the shared key-value machine (systems/lib), with the
 * Idempotent Receiver off in the `no-idempotent-receiver` variant. The shell, the simulation and
 * the tests all build their nodes' machines here, so they cannot differ.
 */
import { KvStateMachine, kvOpOf } from '../../lib/kv-state-machine.js';
import type { RaftOptions } from './raft.js';
import type { Variant } from './types.js';

/** The `stateMachine` and `opOf` options of a raftkv node of `variant`. */
export function raftkvStateMachine(variant: Variant): Pick<RaftOptions, 'stateMachine' | 'opOf'> {
  return { stateMachine: new KvStateMachine(variant !== 'no-idempotent-receiver'), opOf: kvOpOf };
}
