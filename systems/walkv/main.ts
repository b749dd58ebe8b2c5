/**
 * walkv node process: `node main.js --config <file>`. The shell around walkv's core
 * (core/store.ts): it reads the config, opens the Write-Ahead Log in `dataDir` and replays it into
 * the core, serves the `register` workload's messages (read, write, cas) on the client port, runs
 * the snapshot, cleaner and flush timers, and prints `ready`. See README.md.
 *
 * Request path (one event loop, so requests are applied in arrival order: Singular Update Queue):
 *   write / successful cas -> the core applies it and hands back a `set key value` record; the
 *   shell appends it and holds the reply until the log is fsynced past that record (Request
 *   Waiting List keyed by log index).
 *   read / failed cas      -> answered from the map, but also held until every record appended so
 *   far is synced: a reply must never reveal a write that a crash could still take back.
 * Many requests share one fsync (group commit). Once `snapshotEveryRecords` records have been
 * appended since the last snapshot, the map is written as a snapshot at the current index; the log
 * cleaner (every `cleanIntervalMs`) discards segments below the Low-Water Mark.
 */
import { RPCS } from '../../workloads/wire/rpc.js';
import { startClientListener, type ClientRequest, type ReplyBody } from '../lib/client-listener.js';
import { numberParam } from '../lib/config.js';
import { RpcError } from '../lib/errors.js';
import { announceReady, createNode, EXIT_DISK_DAMAGED, exitFatal, withConfigErrors } from '../lib/node.js';
import { decodeClientRequest } from '../lib/requests.js';
import { Wal, WalCorruptError } from '../lib/wal.js';
import { decodeSet, decodeSnapshot, encodeSnapshot } from './core/codec.js';
import { WalKvCore, type Outcome } from './core/store.js';
import { DEFAULT_PARAMS, VARIANTS, type StoreParams, type Variant } from './core/types.js';

const rt = createNode(VARIANTS);
const cfg = rt.config;
const logger = rt.logger;
const params: StoreParams = withConfigErrors(() => ({
  segmentBytes: numberParam(cfg, 'segmentBytes', DEFAULT_PARAMS.segmentBytes, 64, 1 << 30),
  snapshotEveryRecords: numberParam(cfg, 'snapshotEveryRecords', DEFAULT_PARAMS.snapshotEveryRecords, 1, 1e9),
  cleanIntervalMs: numberParam(cfg, 'cleanIntervalMs', DEFAULT_PARAMS.cleanIntervalMs, 10, 3_600_000),
  flushIntervalMs: numberParam(cfg, 'flushIntervalMs', DEFAULT_PARAMS.flushIntervalMs, 1, 3_600_000),
  tornWriteWindowMs: numberParam(cfg, 'tornWriteWindowMs', DEFAULT_PARAMS.tornWriteWindowMs, 0, 10_000),
}));

const core = new WalKvCore(cfg.variant as Variant);

// ---------------------------------------------------------------------------- disk

let wal: Wal;
try {
  wal = await Wal.open({
    dir: cfg.dataDir,
    segmentBytes: params.segmentBytes,
    checksums: core.checksums(),
    tornWrite: params.tornWriteWindowMs > 0 ? { windowMs: params.tornWriteWindowMs, rng: rt.rng.fork() } : undefined,
    // A cut or a flipped bit in synced records loses acknowledged writes: refuse, never repair.
    strictRecovery: true,
  });
} catch (e) {
  if (e instanceof WalCorruptError) exitFatal(rt, e.message, EXIT_DISK_DAMAGED);
  throw e;
}

const recovery = wal.recovery;
if (recovery.snapshot) {
  for (const [k, v] of decodeSnapshot(recovery.snapshot.data)) core.apply(k, v);
}
if (recovery.truncatedBytes > 0) logger.info(`recovery: cut ${recovery.truncatedBytes} bytes of torn tail (${recovery.truncatedReason})`);
if (recovery.gap) logger.info(`recovery: records ${recovery.gap.from}..${recovery.gap.to} are in neither the snapshot nor the log`);
for (const rec of recovery.records) {
  let cmd;
  try {
    cmd = decodeSet(rec.data);
  } catch (e) {
    core.stats.undecodable++;
    logger.info(`recovery: record ${rec.index} does not decode (${(e as Error).message}); skipped`);
    continue;
  }
  core.apply(cmd.key, cmd.value);
}
logger.info(`recovered snapshot@${recovery.snapshot?.index ?? 0} + ${recovery.records.length} records, last index ${wal.lastIndex}, ${core.keys} keys`);

let snapshotting = false;

/** Writes a snapshot of the map at the current index once that index is synced. */
async function snapshot(): Promise<void> {
  if (snapshotting || wal.lastIndex <= wal.lastSnapshotIndex) return;
  snapshotting = true;
  try {
    const index = wal.lastIndex;
    const data = encodeSnapshot(core.entries()); // the map now reflects exactly records <= index
    await wal.sync();
    await wal.saveSnapshot(index, data);
    core.stats.snapshots++;
  } finally {
    snapshotting = false;
  }
}

const timers: NodeJS.Timeout[] = [
  setInterval(() => {
    if (core.snapshotDue(wal.lastIndex, wal.lastSnapshotIndex, params.snapshotEveryRecords)) void snapshot();
    // The log cleaner: discard sealed segments at or below the Low-Water Mark.
    core.stats.segmentsDiscarded += wal.discardBefore(core.lowWaterMark(wal.syncedIndex, wal.lastSnapshotIndex));
  }, params.cleanIntervalMs),
];
if (core.flushesOnTimer()) timers.push(setInterval(() => void wal.sync(), params.flushIntervalMs));
for (const t of timers) t.unref();

/** Resolves once a reply that depends on records <= `index` may be sent. */
async function durable(index: number): Promise<void> {
  if (!core.repliesWaitForSync()) return;
  while (wal.syncedIndex < index) await wal.sync();
}

/** Logs the outcome's record, waits until what the reply depends on is durable, then replies. */
async function carryOut(o: Outcome): Promise<ReplyBody> {
  const index = o.record !== null ? wal.append(o.record) : wal.lastIndex;
  await durable(index);
  if (o.reply.type === 'error') throw new RpcError(o.reply.code, o.reply.text);
  return o.reply;
}

// ---------------------------------------------------------------------------- clients

/** walkv serves the register workload. */
const WALKV_RPCS = { read: RPCS.read, write: RPCS.write, cas: RPCS.cas } as const;

function handle(req: ClientRequest): Promise<ReplyBody> {
  const r = decodeClientRequest(WALKV_RPCS, req);
  switch (r.type) {
    case 'read':
      return carryOut(core.read(r.key));
    case 'write':
      return carryOut(core.write(r.key, r.value));
    case 'cas':
      return carryOut(core.cas(r.key, r.from, r.to));
  }
}

try {
  await startClientListener({
    port: cfg.clientPort,
    clock: rt.clock,
    logger,
    handler: handle,
    status: () => ({
      variant: core.variant,
      keys: core.keys,
      lastIndex: wal.lastIndex,
      syncedIndex: wal.syncedIndex,
      snapshotIndex: wal.lastSnapshotIndex,
      segments: wal.segmentCount,
      ...core.stats,
    }),
  });
} catch (e) {
  exitFatal(rt, `cannot listen on 127.0.0.1:${cfg.clientPort}: ${(e as Error).message}`);
}
announceReady(rt, `data ${cfg.dataDir}`);
