/**
 * FNV-1a (32 bits) of a string: where a key lands on a ring or among partitions, the same on every
 * node and in every run, with no state and no dependency.
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
