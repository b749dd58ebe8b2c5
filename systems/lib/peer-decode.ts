/**
 * The addressing check every system's peer-message decoder ends with: the message has the shape
 * its zod schema gives, is addressed to this node, and comes from a peer of this cluster. A
 * system's peer-decode.ts builds its schema from the wire kit's field decoders and calls this.
 */
import type { z } from 'zod';
import type { PeerDecode } from './shell.js';

/**
 * Decodes `raw` with `schema` and refuses, with a reason, a message of another shape, one
 * addressed to another node, or one from outside `peers`. The transport's `mid` is dropped.
 */
export function decodeAddressed<S extends z.ZodType<{ from: string; to: string; mid?: number | undefined }>, M>(
  schema: S,
  raw: unknown,
  self: string,
  peers: ReadonlySet<string>,
): PeerDecode<M> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { ok: false, why: `${issue.path.join('.') || 'message'}: ${issue.message}` };
  }
  if (r.data.to !== self) return { ok: false, why: `addressed to ${r.data.to}, not ${self}` };
  if (!peers.has(r.data.from)) return { ok: false, why: `from ${r.data.from}, not a peer of this cluster` };
  const { mid: _mid, ...msg } = r.data as { mid?: number };
  return { ok: true, msg: msg as M };
}
