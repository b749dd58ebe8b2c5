/**
 * What a run does for a Maelstrom system (`--system maelstrom:<bin>`) besides what it does for any
 * system: start the services before the nodes and hand every shim its parameters, turn a node's
 * protocol error at start into one line, and count messages the way Maelstrom's `:net` checker
 * does when the run ends (results.json's `net`, also written to `net.json`).
 */
import { join } from 'node:path';
import { isHarnessEvent, type HistoryEvent } from '../../checkers/history/types.js';
import { maelstromOptionsOf } from '../../workloads/maelstrom/options.js';
import type { NodeStartError } from '../cluster/launcher.js';
import type { SystemManifest } from '../cluster/manifest.js';
import { deriveSeed } from '../random.js';
import type { RunHistory } from '../run/history.js';
import { isMaelstromManifest, setupMessages, type ShimParams } from './params.js';
import { PROTOCOL_ERROR_PREFIX, type ShimCounters } from './protocol.js';
import { MaelstromServices } from './services.js';

/** Maelstrom's `:net` statistics: message counts of all, client and server messages, per client op. */
export interface NetStats {
  all: NetClassStats;
  clients: NetClassStats;
  servers: NetClassStats;
  /** Client operations invoked (the denominator of msgsPerOp). */
  ops: number;
  /** How the counts were taken, for readers comparing them with Maelstrom's. */
  note: string;
}

/** One class of messages. */
export interface NetClassStats {
  sendCount: number;
  recvCount: number;
  /** Distinct messages sent: Maelstrom's msg-count (each message is sent once). */
  msgCount: number;
  msgsPerOp: number | null;
}

const NET_NOTE =
  'counted by each node\'s shim: a send when the node writes the message (or a client or service hands it over), a receive when it is written to the node\'s stdin; ' +
  'messages with a client at either end are client messages, the rest (node to node, node to service) server messages; msgsPerOp divides by the client operations invoked, final reads included. ' +
  'A node killed with kill -9 loses up to 250 ms of its counts.';

/** Maelstrom's net statistics from the shims' counters and the history. */
export function netStats(counters: ShimCounters, events: readonly HistoryEvent[]): NetStats {
  const ops = events.filter((e) => !isHarnessEvent(e) && e.type === 'invoke').length;
  const cls = (c: { sendCount: number; recvCount: number }): NetClassStats => ({
    sendCount: c.sendCount,
    recvCount: c.recvCount,
    msgCount: c.sendCount,
    msgsPerOp: ops > 0 ? Math.round((c.sendCount / ops) * 1000) / 1000 : null,
  });
  const all = { sendCount: counters.clients.sendCount + counters.servers.sendCount, recvCount: counters.clients.recvCount + counters.servers.recvCount };
  return { all: cls(all), clients: cls(counters.clients), servers: cls(counters.servers), ops, note: NET_NOTE };
}

/** A run's Maelstrom side, while it runs. */
export interface MaelstromRun {
  /** The `params` every node's config gets. */
  params: { maelstrom: ShimParams };
  /** The net statistics so far. */
  net(events: readonly HistoryEvent[]): NetStats;
  close(): Promise<void>;
}

/** Starts the services for a Maelstrom system, or returns null for any other system. */
export async function startMaelstrom(opts: {
  manifest: SystemManifest;
  workload: string;
  workloadOptions: Record<string, unknown>;
  ids: readonly string[];
  seed: number;
  history: RunHistory;
}): Promise<MaelstromRun | null> {
  if (!isMaelstromManifest(opts.manifest)) return null;
  const { history } = opts;
  const services = await MaelstromServices.start(deriveSeed(opts.seed, 'maelstrom-services'), (value) => {
    history.append({ type: 'info', process: 'service', f: value.service, value });
  });
  const o = maelstromOptionsOf(opts.workloadOptions);
  const base = (opts.manifest.params as { maelstrom: Pick<ShimParams, 'bin' | 'args'> }).maelstrom;
  const params: ShimParams = {
    bin: base.bin,
    args: base.args,
    servicePort: services.port,
    initTimeoutMs: o.initTimeoutMs,
    setup: setupMessages(opts.workload, o, opts.ids),
    reorderMs: o.reorderMs,
    seed: deriveSeed(opts.seed, 'maelstrom-shim'),
  };
  return { params: { maelstrom: params }, net: (events) => netStats(services.totals(), events), close: () => services.close() };
}

/** The one line a shim wrote when its node broke the protocol at start, or null. */
export function protocolErrorOf(err: NodeStartError): string | null {
  const line = err.logTail.split('\n').find((l) => l.startsWith(PROTOCOL_ERROR_PREFIX));
  return line === undefined ? null : `${line.slice(PROTOCOL_ERROR_PREFIX.length)} (log: ${err.logFile})`;
}

/** Where a run's net statistics are written too. */
export function netFile(runDir: string): string {
  return join(runDir, 'net.json');
}
