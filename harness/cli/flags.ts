/**
 * The one parser for numeric flags and arguments of every faultline command.
 *
 * Numbers are written in decimal only: `3`, `0.5`, `-2`, `1e3` is refused as is `0x3`, `0b11`,
 * `1_000`, ` 3` or the empty string, so that a flag means the same thing to the user, the repro
 * line and a child run. A bad value is a UsageError (exit 254) that names the flag.
 */
import { UsageError } from './exit.js';

const DECIMAL_INT = /^-?(0|[1-9][0-9]*)$/;
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$|^-?\.[0-9]+$/;

export interface NumberBounds {
  /** Smallest accepted value (inclusive). */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
  /** Refuse 0 and below (for durations and rates). */
  positive?: boolean;
}

function bounded(flag: string, text: string, v: number, what: string, b: NumberBounds): number {
  if (!Number.isFinite(v) || (what === 'an integer' && !Number.isSafeInteger(v))) {
    throw new UsageError(`${flag} must be ${what}, got ${JSON.stringify(text)}`);
  }
  if (b.positive && !(v > 0)) throw new UsageError(`${flag} must be greater than 0, got ${text}`);
  if (b.min !== undefined && v < b.min) throw new UsageError(`${flag} must be at least ${b.min}, got ${text}`);
  if (b.max !== undefined && v > b.max) throw new UsageError(`${flag} must be at most ${b.max}, got ${text}`);
  return v;
}

/** Parses a decimal integer flag value (`--nodes 3`); `flag` is shown as given, e.g. `--nodes`. */
export function parseDecimalInt(flag: string, text: string, bounds: NumberBounds = {}): number {
  if (!DECIMAL_INT.test(text)) {
    // A plain fraction is a number in the right notation, just not a whole one: say so.
    const what = DECIMAL.test(text) ? 'an integer' : 'a decimal integer';
    throw new UsageError(`${flag} must be ${what}, got ${JSON.stringify(text)}`);
  }
  return bounded(flag, text, Number(text), 'an integer', bounds);
}

/** Parses a decimal number flag value (`--rate 12.5`), without exponents or other bases. */
export function parseDecimalNumber(flag: string, text: string, bounds: NumberBounds = {}): number {
  if (!DECIMAL.test(text)) throw new UsageError(`${flag} must be a number in decimal notation, got ${JSON.stringify(text)}`);
  return bounded(flag, text, Number(text), 'a number', bounds);
}

const DURATION = /^(.*?)(ms|s|m|h)?$/;
const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration flag value: a decimal number with a unit, `90s`, `5m`, `1.5h`, `500ms`, or a
 * bare number of seconds; in milliseconds. Bounds apply to the milliseconds.
 */
export function parseDurationMs(flag: string, text: string, bounds: NumberBounds = {}): number {
  const m = DURATION.exec(text)!;
  const unit = (m[2] ?? 's') as keyof typeof MS_PER_UNIT;
  if (!DECIMAL.test(m[1]!)) throw new UsageError(`${flag} must be a duration such as 90s, 5m or 1h, got ${JSON.stringify(text)}`);
  const ms = Number(m[1]) * MS_PER_UNIT[unit];
  if (bounds.min !== undefined && ms < bounds.min) throw new UsageError(`${flag} must be at least ${bounds.min / 1000} s, got ${text}`);
  if (bounds.max !== undefined && ms > bounds.max) throw new UsageError(`${flag} must be at most ${bounds.max / 1000} s, got ${text}`);
  if (bounds.positive && !(ms > 0)) throw new UsageError(`${flag} must be greater than 0, got ${text}`);
  return ms;
}
