/**
 * Validation of one history event (see types.ts) with zod, and the one-line messages a bad event
 * gets. Used by the JSON Lines reader and by the importers, which build events and validate them
 * the same way.
 */
import { z } from 'zod';
import { MAX_VALUE_DEPTH, nestsDeeperThan } from './limits.js';
import { HARNESS_PROCESSES, type HistoryEvent } from './types.js';

/** The zod schema of a history event. Extra fields are kept (forward compatibility, no data lost). */
export const historyEventSchema = z
  .object({
    index: z.number().int().nonnegative(),
    time: z.number().nonnegative().optional(),
    type: z.enum(['invoke', 'ok', 'fail', 'info']),
    process: z.union([z.number().int().nonnegative(), z.enum(HARNESS_PROCESSES)]),
    f: z.string().min(1),
    value: z.unknown().optional(),
    node: z.string().optional(),
    error: z.unknown().optional(),
  })
  .passthrough();

/**
 * Validates a parsed JSON value as an event. Returns the event, or a one-line reason naming the
 * first bad field.
 */
export function validateEvent(raw: unknown): { event: HistoryEvent } | { reason: string } {
  // The event itself is one level; its fields may nest MAX_VALUE_DEPTH more.
  if (nestsDeeperThan(raw, MAX_VALUE_DEPTH + 1)) {
    return { reason: `a value nests deeper than ${MAX_VALUE_DEPTH} levels (the readers' limit)` };
  }
  const parsed = historyEventSchema.safeParse(raw);
  if (parsed.success) return { event: parsed.data as HistoryEvent };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'event';
  let what: string = issue.message;
  if (issue.path[0] === 'process' && issue.path.length === 1) {
    what = `expected a non-negative integer or ${HARNESS_PROCESSES.map((p) => JSON.stringify(p)).join(' or ')}`;
  } else if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    what = 'is required';
  } else if (issue.code === 'invalid_enum_value') {
    what = `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, found ${JSON.stringify(issue.received)}`;
  } else if (issue.code === 'invalid_type') {
    what = `must be ${issue.expected}, found ${issue.received}`;
  }
  return { reason: `${field} ${what}`.replace(/ +/g, ' ') };
}
