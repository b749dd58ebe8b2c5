/**
 * Register checks weaker than linearizability, for systems that do not claim it or that a
 * linearizability verdict alone describes poorly: sequential consistency per key, and the four
 * session guarantees per client.
 *
 *   checkSequential(events)  // some order keeping each process's order explains the reads
 *   checkSessions(events)    // read-your-writes, monotonic reads and writes, writes-follow-reads
 */
export { checkSequential, SEQUENTIAL_STATES_MAX, type SequentialKey, type SequentialResult } from './sequential.js';
export { checkSessions, SESSION_ANOMALIES_SHOWN, SESSION_GUARANTEES, type SessionAnomaly, type SessionGuarantee, type SessionsResult } from './guarantees.js';
export { registerOps, type RegisterOps, type RegOp } from './registers.js';
