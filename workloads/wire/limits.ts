/**
 * Bounds on what a decoded message may hold, shared by the request decoders here and by the
 * systems' listeners and peer transport (systems/lib imports them from here, since systems may
 * import workload types but workloads may not import systems).
 */

/**
 * Deepest nesting of arrays and objects accepted in a decoded message, from a client or a peer.
 * Values deeper than this are refused at the door, since later passes over them (serialising a
 * log entry, comparing values, cloning a snapshot) recurse and would overflow the stack.
 */
export const MAX_VALUE_DEPTH = 64;

/**
 * Longest JSON text of one value a client may send (a key, a written value, a cas operand, a
 * micro-operation's key or value). Replicated systems batch many commands into one peer message,
 * so one request must stay far below the peer line limit.
 */
export const MAX_VALUE_BYTES = 64 << 10;

/** Most micro-operations in one transaction: a bound on the work and size of one request. */
export const MAX_TXN_OPS = 256;

/** True when `value` nests arrays or objects more than `maxDepth` levels deep (iterative: any input is safe). */
export function nestsDeeperThan(value: unknown, maxDepth: number = MAX_VALUE_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
