/**
 * The wire kit every system and the harness share: the client RPC registry with its decoders,
 * the error-code table, and the bounds on decoded values.
 */
export * from './errors.js';
export * from './limits.js';
export * from './rpc.js';
export * from './lock-rpc.js';
