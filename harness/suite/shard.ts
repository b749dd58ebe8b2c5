/**
 * Splitting a suite across CI jobs: `--shard i/n` (1-based, as Playwright and Jest spell it).
 *
 * Entry k of the expanded suite goes to shard (k mod n) + 1. The split depends only on the suite
 * file, so every job of a CI matrix computes the same partition without talking to the others; the
 * shards are disjoint and together hold every entry; and round-robin keeps neighbouring entries (often
 * the seeds of one row, with similar durations) on different shards, which balances them.
 */
import { UsageError } from '../cli/exit.js';

/** One shard: `index` in 1..count. */
export interface Shard {
  index: number;
  count: number;
}

/** Largest shard count accepted. */
export const SHARDS_MAX = 1000;

/** Parses `i/n`; throws `UsageError` (exit 254) on anything else. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shard ${JSON.stringify(text)}: expected i/n, for example --shard 1/3`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > SHARDS_MAX) throw new UsageError(`--shard ${text}: the shard count must be 1..${SHARDS_MAX}`);
  if (index < 1 || index > count) throw new UsageError(`--shard ${text}: the shard index must be 1..${count}`);
  return { index, count };
}

/** The entries that belong to a shard, in suite order. */
export function selectShard<T extends { index: number }>(entries: readonly T[], shard: Shard | null): T[] {
  if (!shard) return [...entries];
  return entries.filter((e) => e.index % shard.count === shard.index - 1);
}
