/**
 * The limits every history reader applies, so that what the checkers get is bounded.
 *
 * Values are nested at most MAX_VALUE_DEPTH levels. The checkers walk values recursively (state
 * hashing, `JSON.stringify`, the transactional checkers' joins), which would overflow the stack on
 * a value nested a few thousand levels deep; refusing such a value when it is read keeps every
 * later pass bounded. Nodes refuse client values nested more than 64 levels
 * (`systems/lib/ndjson.ts`), so a recorded history never comes near this; the checkers cannot
 * import systems/, and imported histories deserve room, hence a limit of their own.
 */

/** The deepest nesting of arrays and objects accepted in an event's value (or any field). */
export const MAX_VALUE_DEPTH = 256;

/**
 * True when `value` nests arrays or objects more than `maxDepth` levels deep. Iterative, so any
 * input is safe to ask about.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number = MAX_VALUE_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > maxDepth) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** The byte order mark some editors put before the first line; readers drop it. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
