/**
 * The median every benchmark quotes: the comparison's own (`harness/compare/compare.ts`), as a
 * number (NaN for no samples) so that figures print without null checks.
 */
import { median as medianOrNull } from '../../harness/compare/compare.js';

/** Median of the samples (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  return medianOrNull([...xs]) ?? Number.NaN;
}
