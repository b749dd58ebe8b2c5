/**
 * walkv node process: `node main.js --config <file>`. The shell around {@link WalKvStore}: reads
 * the config, opens the store in `dataDir` (replaying its log), serves the `register` workload's
 * messages (read, write, cas) on the client port and prints `ready`. See README.md.
 */
import { startClientListener, type ClientRequest, type ReplyBody } from '../lib/client-listener.js';
import { numberParam } from '../lib/config.js';
import { ErrorCode, RpcError } from '../lib/errors.js';
import { announceReady, createNode, exitFatal, withConfigErrors } from '../lib/node.js';
import { WalCorruptError } from '../lib/wal.js';
import { DEFAULT_PARAMS, VARIANTS, WalKvStore, type StoreParams, type Variant } from './store.js';

const rt = createNode(VARIANTS);
const cfg = rt.config;
const params: StoreParams = withConfigErrors(() => ({
  segmentBytes: numberParam(cfg, 'segmentBytes', DEFAULT_PARAMS.segmentBytes, 64, 1 << 30),
  snapshotEveryRecords: numberParam(cfg, 'snapshotEveryRecords', DEFAULT_PARAMS.snapshotEveryRecords, 1, 1e9),
  cleanIntervalMs: numberParam(cfg, 'cleanIntervalMs', DEFAULT_PARAMS.cleanIntervalMs, 10, 3_600_000),
  flushIntervalMs: numberParam(cfg, 'flushIntervalMs', DEFAULT_PARAMS.flushIntervalMs, 1, 3_600_000),
  tornWriteWindowMs: numberParam(cfg, 'tornWriteWindowMs', DEFAULT_PARAMS.tornWriteWindowMs, 0, 10_000),
}));

let store: WalKvStore;
try {
  store = await WalKvStore.open(cfg.dataDir, cfg.variant as Variant, params, rt.logger, rt.rng);
} catch (e) {
  if (e instanceof WalCorruptError) exitFatal(rt, e.message);
  throw e;
}

function need(req: ClientRequest, field: string): unknown {
  if (!(field in req)) throw new RpcError(ErrorCode.malformedRequest, `${req.type} needs "${field}"`);
  return req[field];
}

async function handle(req: ClientRequest): Promise<ReplyBody> {
  switch (req.type) {
    case 'read':
      return { type: 'read_ok', value: await store.read(need(req, 'key')) };
    case 'write':
      await store.write(need(req, 'key'), need(req, 'value'));
      return { type: 'write_ok' };
    case 'cas':
      await store.cas(need(req, 'key'), need(req, 'from'), need(req, 'to'));
      return { type: 'cas_ok' };
    default:
      throw new RpcError(ErrorCode.notSupported, `walkv does not support "${req.type}"`);
  }
}

try {
  await startClientListener({
    port: cfg.clientPort,
    clock: rt.clock,
    logger: rt.logger,
    handler: handle,
    status: () => store.status(),
  });
} catch (e) {
  exitFatal(rt, `cannot listen on 127.0.0.1:${cfg.clientPort}: ${(e as Error).message}`);
}
announceReady(rt, `data ${cfg.dataDir}`);
