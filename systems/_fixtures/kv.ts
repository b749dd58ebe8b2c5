/**
 * The key-value node shared by the `atomic-kv` and `stale-kv` fixtures.
 *
 * Node n1 holds the map and persists every change (an fsynced append-only log in its data dir)
 * before it answers, so a kill -9 loses nothing that was acknowledged. Every other node forwards
 * each client request to n1 over the peer transport (owner.ts), so partitions and latency on the
 * links reach the clients.
 *
 * With `staleReads`, n1 answers reads from a copy of the map that is refreshed only every
 * `staleLagMs` (default 400 ms): the register workload must find that non-linearizable.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { RPCS, type RequestOf } from '../../workloads/wire/rpc.js';
import type { ReplyBody } from '../lib/client-listener.js';
import { numberParam } from '../lib/config.js';
import { ErrorCode } from '../lib/errors.js';
import { createNode, withConfigErrors } from '../lib/node.js';
import { isOwnerNode, serveOwnerOrForward } from './owner.js';

/** The register workload's RPCs. */
const KV_RPCS = { read: RPCS.read, write: RPCS.write, cas: RPCS.cas } as const;

interface Options {
  staleReads: boolean;
}

class Store {
  private readonly map = new Map<string, unknown>();
  private copy = new Map<string, unknown>();
  private readonly logFile: string;
  private fd: number;

  constructor(dataDir: string, private readonly staleReads: boolean, lagMs: number) {
    mkdirSync(dataDir, { recursive: true });
    this.logFile = join(dataDir, 'kv.log');
    if (existsSync(this.logFile)) {
      const text = readFileSync(this.logFile, 'utf8');
      // Cut a torn last line (kill -9 in the middle of an append), so the next append starts on a
      // line of its own instead of being glued to the fragment and lost at the next replay.
      const end = text.lastIndexOf('\n') + 1;
      if (end < text.length) truncateSync(this.logFile, Buffer.byteLength(text.slice(0, end)));
      for (const line of text.slice(0, end).split('\n')) {
        // A torn last line (kill -9 in the middle of a write) was never acknowledged: skip it.
        try {
          const [k, v] = JSON.parse(line) as [string, unknown];
          this.map.set(k, v);
        } catch {
          /* torn or empty line */
        }
      }
    }
    this.fd = openSync(this.logFile, 'a');
    this.copy = new Map(this.map);
    if (staleReads) setInterval(() => (this.copy = new Map(this.map)), lagMs).unref();
  }

  private persist(key: string, value: unknown): void {
    appendFileSync(this.fd, `${JSON.stringify([key, value])}\n`);
    fsyncSync(this.fd);
  }

  apply(req: RequestOf<typeof KV_RPCS>): ReplyBody {
    const key = JSON.stringify(req.key);
    switch (req.type) {
      case 'read': {
        const from = this.staleReads ? this.copy : this.map;
        return { type: 'read_ok', value: from.has(key) ? from.get(key) : null };
      }
      case 'write':
        this.map.set(key, req.value);
        this.persist(key, req.value);
        return { type: 'write_ok' };
      case 'cas': {
        if (!this.map.has(key)) return { type: 'error', code: ErrorCode.keyDoesNotExist, text: 'key does not exist' };
        const cur = this.map.get(key);
        if (JSON.stringify(cur) !== JSON.stringify(req.from)) {
          return { type: 'error', code: ErrorCode.preconditionFailed, text: `expected ${JSON.stringify(req.from)}, found ${JSON.stringify(cur)}` };
        }
        this.map.set(key, req.to);
        this.persist(key, req.to);
        return { type: 'cas_ok' };
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Starts a kv fixture node from its config. */
export async function runKvNode(opts: Options): Promise<void> {
  const rt = createNode(['correct']);
  const lagMs = withConfigErrors(() => numberParam(rt.config, 'staleLagMs', 400, 1, 3_600_000));
  const store = isOwnerNode(rt) ? new Store(rt.config.dataDir, opts.staleReads, lagMs) : null;
  await serveOwnerOrForward(rt, KV_RPCS, store, { role: 'owner' });
  // `exitAfterMs` (with `exitNode`, default n1): the node exits on its own with code 3, as a node
  // with a bug would, so that the harness can be shown to report it.
  const exitAfterMs = rt.config.params.exitAfterMs;
  if (typeof exitAfterMs === 'number' && rt.config.id === (rt.config.params.exitNode ?? 'n1')) {
    setTimeout(() => {
      rt.logger.info(`exiting on purpose after ${exitAfterMs} ms (params.exitAfterMs)`);
      process.exit(3);
    }, exitAfterMs);
  }
}
