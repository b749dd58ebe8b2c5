/**
 * paxoskv node process: `node main.js --config <file>`. The thin shell around the protocol core
 * (core/paxos.ts): it owns the sockets, the timer and the disk, and nothing else.
 *
 * - Peers: the Single-Socket Channel transport of systems/lib; every message is decoded
 *   (peer-decode.ts) before the core sees it, and a bad one is dropped and logged.
 * - Clients: the register workload (`read`, `write`, `cas` with `key`) on the client listener; any
 *   node proposes.
 * - Disk: a Ready's acceptor changes are one Write-Ahead Log record, fsynced BEFORE the Ready's
 *   Promises and Accepteds leave (Prepare and Accept requests, and the client replies, go while
 *   it syncs). On start the records are replayed to rebuild every key's promise and accepted
 *   value; damage the CRCs see is refused (exit 3).
 * - Singular Update Queue: ticks, peer messages and client requests are handed to the core one at
 *   a time by a single loop; while a batch is being fsynced new inputs wait, and the next Ready
 *   carries them all (one fsync for many promises).
 *
 * Params (config `params`): mode (`cas`, or `multi` for the replicated log of core/multipaxos.ts,
 * whose shell is multi-main.ts; absent: `multi` for the variants that exist in that mode only,
 * `cas` otherwise), tickMs, roundTimeoutTicks, backoffMaxTicks, requestTimeoutTicks,
 * maxPendingRequests, seed, logMessages, snapshotEvery, walSegmentBytes (in `cas` mode a snapshot
 * of every key's acceptor slot is taken each snapshotEvery WAL records, default 10,000, and the
 * segments it covers are deleted; in `multi` mode every snapshotEvery applied slots); in `multi`
 * mode also heartbeatTicks, electionTicksMin, electionTicksMax, retryTicks, maxLearnEntries,
 * forwardMemoryTicks (how long a node remembers a Forward it got, to drop a copy; 3000).
 */
import { ConfigError } from '../lib/config.js';
import { createNode, withConfigErrors } from '../lib/node.js';
import { MULTI_ONLY_VARIANTS, PAXOSKV_VARIANTS, type Variant } from './core/paxos.js';

const rt = createNode(PAXOSKV_VARIANTS);
const mode = withConfigErrors(() => {
  const raw = rt.config.params.mode;
  const multiOnly = MULTI_ONLY_VARIANTS.includes(rt.config.variant as Variant);
  if (raw === undefined) return multiOnly ? 'multi' : 'cas';
  if (raw !== 'cas' && raw !== 'multi') throw new ConfigError(`params.mode must be "cas" or "multi", got ${JSON.stringify(raw)}`);
  if (raw === 'cas' && multiOnly) throw new ConfigError(`variant ${rt.config.variant} exists in mode "multi" only`);
  return raw;
});
if (mode === 'multi') await (await import('./multi-main.js')).runMulti(rt);
else await (await import('./cas-main.js')).runCas(rt);
