/**
 * gossipd's durable records and the rules that are the shell's and the simulator's alike: what a
 * Write-Ahead Log record holds, how the records are replayed at boot, how client keys are named
 * in the cluster state, and the join order of the members.
 */
import { CLIENT_KEY_PREFIX, type Claim, type Persist, type Restored } from './core/gossip.js';

/** One element of a WAL record: a generation taken at boot, a client write, a claim. */
export type WalRecord = Persist | { t: 'gen'; gen: number };

/** The entry key of a client key: `k` + its JSON text, so 1 and "1" stay apart and never meet `_hb`. */
export function clientKey(key: unknown): string {
  return `${CLIENT_KEY_PREFIX}${JSON.stringify(key)}`;
}

/** Members in join order: by id, numbers inside ids compared as numbers (n2 before n10). */
export function joinOrder(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Replays the records (each a JSON list of {@link WalRecord}) into what a booting node restores:
 * the last generation, its own writes in order, and its claims (a claim's later record, with a
 * later end, replaces its earlier one). Throws on a record that is not one of ours.
 */
export function replayRecords(records: readonly string[]): Restored {
  let lastGen = 0;
  const own: [string, unknown][] = [];
  const claims = new Map<string, Claim>();
  records.forEach((text, i) => {
    let batch: unknown;
    try {
      batch = JSON.parse(text);
    } catch {
      throw new Error(`write-ahead log record ${i} is not valid JSON`);
    }
    if (!Array.isArray(batch)) throw new Error(`write-ahead log record ${i} is not a list of changes`);
    for (const r of batch as WalRecord[]) {
      if (r.t === 'gen') lastGen = Math.max(lastGen, r.gen);
      else if (r.t === 'set') own.push([r.k, r.v]);
      else if (r.t === 'claim') claims.set(`${r.c.node}@${r.c.fromUs}`, r.c);
      else throw new Error(`write-ahead log record ${i} holds a change of unknown kind`);
    }
  });
  // The last write of each key, in the order of the last writes.
  const last = new Map<string, unknown>();
  for (const [k, v] of own) {
    last.delete(k);
    last.set(k, v);
  }
  return { lastGen, own: [...last], claims: [...claims.values()] };
}
