/**
 * The client RPCs of the coordination workloads (`lock`, `watch`) and of a lock service such as
 * lockd: leases, locks with fencing tokens, keys with State Watch, the compound `lock` request a
 * lock client library runs (lease, acquire, fenced writes, release), and the fenced resource's
 * own requests. Systems decode these through systems/lib/requests.ts like the registry's others.
 * Keys, lock names and lease ids are strings here: watches match keys by prefix.
 */
import { z } from 'zod';
import { defrpc, RPCS, wireValue } from './rpc.js';

const name = z.string().min(1).max(256);
const key = z.string().max(1024);
const token = z.number().int().nonnegative().safe();
const ttlMs = z.number().int().positive().max(3_600_000);

export const LOCK_RPCS = {
  read: defrpc('read', 'reads one key (linearizable); absent reads null', { key }, RPCS.read.reply.shape),
  write: defrpc('write', 'writes one key, attached to a lease when `lease` is given', { key, value: wireValue, lease: name.optional() }, {}),
  delete: defrpc('delete', 'deletes one key', { key }, {}),
  grant: defrpc('grant', 'creates a lease with a TTL', { ttl_ms: ttlMs }, { lease: name, ttl_ms: ttlMs }),
  keepalive: defrpc('keepalive', 'renews a lease for its TTL (error 20 when it is gone)', { lease: name }, { ttl_ms: ttlMs }),
  revoke: defrpc('revoke', 'ends a lease: its locks are released and its keys deleted', { lease: name }, {}),
  acquire: defrpc('acquire', 'takes a free lock for a lease; the fencing token grows with every acquisition (error 22 when held)', { lock: name, lease: name }, { token }),
  release: defrpc('release', 'releases a lock held with this lease and token (error 22 otherwise)', { lock: name, lease: name, token }, {}),
  watch: defrpc(
    'watch',
    'the changes of keys with this prefix from log index `from` on, in order; `resume` when reconnecting after a failed poll (error 22 with compacted_to when `from` was compacted)',
    { prefix: z.string().max(1024), from: z.number().int().positive().safe(), resume: z.boolean().optional() },
    { from: z.number(), events: z.array(z.unknown()), up_to: z.number() },
  ),
  lock: defrpc(
    'lock',
    'runs one holder: lease, acquire, then `writes` times check the lease, work, write to the fenced resource with the token; then release',
    { lock: name, value: wireValue },
    {},
  ),
  resource_log: defrpc('resource_log', "the fenced resource's accepted writes, in order", {}, { writes: z.array(z.unknown()) }),
  fenced_write: defrpc('fenced_write', 'a write to the fenced resource with a fencing token', { lock: name, token, value: wireValue }, { accepted: z.boolean() }),
} as const;
