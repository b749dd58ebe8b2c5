/**
 * How a Maelstrom program becomes a faultline system: `--system maelstrom:./my-node` names a
 * system whose manifest is made here (each node is the shim, shim.ts, starting the program), and
 * the parameters each shim gets for a run (the services' port, init timeout, setup messages).
 *
 * Because the system is an ordinary manifest, everything that takes `--system` takes a Maelstrom
 * program: `run`, `suite` rows, `compare`, `recheck`, repro lines.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../cli/exit.js';
import { DIST_ROOT, type SystemManifest } from '../cluster/manifest.js';
import type { MaelstromOptions } from '../../workloads/maelstrom/options.js';
import { MAELSTROM_WORKLOADS } from '../../workloads/maelstrom/options.js';

/** The prefix of a Maelstrom system's name: `maelstrom:<path of the program>`. */
export const MAELSTROM_PREFIX = 'maelstrom:';

/** What the cluster hands every shim in its config's `params.maelstrom`. */
export interface ShimParams {
  bin: string;
  args: string[];
  /** Where the harness's services and counters listen. */
  servicePort: number;
  initTimeoutMs: number;
  /** Bodies sent after init_ok, in order, each answered `<type>_ok` before the next (broadcast's topology). */
  setup: Record<string, Array<Record<string, unknown>>>;
  /** Each inbound peer message held a random 0..reorderMs, so that links deliver out of order; 0: in order. */
  reorderMs: number;
  seed: number;
}

/**
 * Peer message types the `message` fault may drop or delay: those of Maelstrom's workloads, which
 * most nodes forward to each other, with their replies, and a few names nodes commonly use for
 * their own gossip.
 */
export const MAELSTROM_MESSAGE_TYPES = (() => {
  const requests = ['echo', 'generate', 'broadcast', 'read', 'add', 'write', 'cas', 'txn', 'send', 'poll', 'commit_offsets', 'list_committed_offsets'];
  return [...requests, ...requests.map((t) => `${t}_ok`), 'gossip', 'sync', 'replicate'];
})();

/** True for a manifest made by `maelstromManifest`. */
export function isMaelstromManifest(m: Readonly<Partial<Pick<SystemManifest, 'params'>>>): boolean {
  return typeof (m.params as { maelstrom?: unknown } | undefined)?.maelstrom === 'object';
}

/** The manifest of `maelstrom:<bin>`; a bin that is missing or not executable is a UsageError. */
export function maelstromManifest(system: string): SystemManifest {
  const given = system.slice(MAELSTROM_PREFIX.length);
  if (given === '') throw new UsageError(`--system ${system}: name the program after "maelstrom:", e.g. maelstrom:./my-node`);
  const bin = resolve(given);
  if (!existsSync(bin) || !statSync(bin).isFile()) throw new UsageError(`--bin ${given}: no such file`);
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new UsageError(`--bin ${given}: not executable (chmod +x it; a script needs a #! line)`);
  }
  return {
    // A name fit for a folder name; the program itself is in manifestPath.
    name: `maelstrom-${basename(bin).replace(/[^\w.-]/g, '_')}`,
    description: `Maelstrom program ${bin}, each node behind the faultline shim`,
    patterns: [],
    variants: { as: 'the program as it is' },
    defaultVariant: 'as',
    workloads: [...MAELSTROM_WORKLOADS],
    defaultWorkload: 'echo',
    nodes: { default: 3, min: 1, max: 9 },
    start: {
      command: 'node',
      args: [join(DIST_ROOT, 'harness', 'maelstrom', 'shim.js'), '--config', '{configFile}'],
      // The shim's own init timeout fires first, with the clearer message.
      readyTimeoutMs: 60_000,
    },
    params: { maelstrom: { bin, args: [] } },
    messageTypes: MAELSTROM_MESSAGE_TYPES,
    manifestDir: DIST_ROOT,
    manifestPath: `${MAELSTROM_PREFIX}${bin}`,
  };
}

/** The neighbours of each node in a topology, as Maelstrom's broadcast `topology` message gives them. */
export function topology(kind: MaelstromOptions['topology'], ids: readonly string[]): Record<string, string[]> {
  const n = ids.length;
  const out: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, [] as string[]]));
  const link = (a: number, b: number) => {
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) return;
    const x = ids[a]!;
    const y = ids[b]!;
    if (!out[x]!.includes(y)) out[x]!.push(y);
    if (!out[y]!.includes(x)) out[y]!.push(x);
  };
  if (kind === 'total') {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) link(a, b);
  } else if (kind === 'line') {
    for (let a = 0; a + 1 < n; a++) link(a, a + 1);
  } else if (kind === 'tree2' || kind === 'tree3' || kind === 'tree4') {
    const fan = Number(kind.slice(4));
    for (let a = 1; a < n; a++) link(a, Math.floor((a - 1) / fan));
  } else {
    // grid: a square of side ceil(sqrt(n)), each node linked to its right and lower neighbour.
    const side = Math.max(1, Math.ceil(Math.sqrt(n)));
    for (let a = 0; a < n; a++) {
      if ((a + 1) % side !== 0) link(a, a + 1);
      link(a, a + side);
    }
  }
  for (const id of ids) out[id]!.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  return out;
}

/** The messages each node gets after init_ok for a workload: broadcast's (and only its) topology. */
export function setupMessages(workload: string, options: MaelstromOptions, ids: readonly string[]): ShimParams['setup'] {
  if (workload !== 'broadcast') return {};
  const t = topology(options.topology, ids);
  return Object.fromEntries(ids.map((id) => [id, [{ type: 'topology', topology: t }]]));
}
