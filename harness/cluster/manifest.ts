/**
 * The system manifest (`faultline.system.json`, docs/formats.md): how the harness finds a system
 * and how it starts one node of it. A system is known to the harness only by this file.
 *
 * `--system raftkv` looks for the built copy `dist/systems/raftkv/faultline.system.json`, then the
 * test fixtures in `dist/systems/_fixtures/<name>/`; `--system ./some/faultline.system.json` (or a
 * folder holding one) names a user's own system.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../cli/exit.js';
import { lineOfPath, parseJsonWithSchema } from '../source-text.js';
import { LIMITS } from '../run/limits.js';
import { MAELSTROM_PREFIX, maelstromManifest } from '../maelstrom/params.js';

const MANIFEST = 'faultline.system.json';

/**
 * The claims a manifest's `disk` may make (docs/protocol.md, section 1): `survives`, a damaged node
 * may refuse to start or start again, and the system keeps its acknowledged data; `detects`, a
 * damaged node refuses to start (exit 3, `EXIT_DISK_DAMAGED` in systems/lib/node.ts).
 */
export const DISK_CLAIMS = ['survives', 'detects'] as const;

/** The consistency models a manifest's `consistency` may claim, strongest first. */
export const CONSISTENCY_CLAIMS = ['linearizable', 'serializable', 'eventual'] as const;

/** A manifest's `consistency` claim. */
export type ConsistencyClaim = (typeof CONSISTENCY_CLAIMS)[number];

/** A manifest's `disk` claim. */
export type DiskClaim = (typeof DISK_CLAIMS)[number];

/**
 * The root of the built tree (dist/). Processes always run built JavaScript, also when this module
 * itself is loaded from its TypeScript source (as tests do).
 */
export const DIST_ROOT = ((): string => {
  const here = fileURLToPath(import.meta.url);
  const up = resolve(dirname(here), '..', '..');
  return here.endsWith('.ts') ? join(up, 'dist') : up;
})();

/** The folder holding the built systems: dist/systems, beside dist/harness. */
export const BUILT_SYSTEMS_DIR = join(DIST_ROOT, 'systems');

/**
 * Strict: a field the harness does not know is an error naming it, so that a misspelt optional
 * field (`readyTimeoutMS`, `messagetypes`) is not silently ignored. `$schema` and `$comment` are
 * allowed for editors and notes.
 */
const manifestSchema = z.object({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  patterns: z.array(z.string()).default([]),
  variants: z.record(z.string()).refine((v) => Object.keys(v).length > 0, 'at least one variant'),
  defaultVariant: z.string().optional(),
  workloads: z.array(z.string()).min(1),
  /** The workload a run or a suite entry uses when none is given (one of `workloads`); absent: `run` uses register, suites the first. */
  defaultWorkload: z.string().optional(),
  /**
   * The workload a run of one variant uses when none is given, before `defaultWorkload`: for a
   * variant whose broken step only one workload exercises (a set's conflict rule, say), so that
   * the default invocation of each variant tests what the variant breaks.
   */
  variantWorkloads: z.record(z.string(), z.string()).optional(),
  nodes: z
    .object({
      default: z.number().int().min(1).max(LIMITS.nodesMax),
      min: z.number().int().min(1).max(LIMITS.nodesMax).default(1),
      max: z.number().int().min(1).max(LIMITS.nodesMax).default(9),
    })
    .strict()
    .default({ default: 3, min: 1, max: 9 })
    // A range no run can satisfy is the manifest's error, not every run's.
    .refine((n) => n.min <= n.max, { message: 'nodes.min must not be more than nodes.max' })
    .refine((n) => n.min <= n.default && n.default <= n.max, { message: 'nodes.default must be between nodes.min and nodes.max' }),
  start: z.object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    readyTimeoutMs: z.number().int().positive().max(600_000).default(10_000),
    env: z.record(z.string()).optional(),
  }).strict(),
  params: z.record(z.unknown()).optional(),
  /** Peer message types (the `type` field) the `message` nemesis may delay or drop. */
  messageTypes: z.array(z.string().min(1).max(100)).max(100).optional(),
  /**
   * The consistency model the system claims (docs/formats.md): a run refuses a workload whose
   * checkers judge a stronger one (`eventual` systems are judged by convergence, never by
   * linearizability). Absent: no claim, any workload the manifest lists.
   */
  consistency: z.enum(CONSISTENCY_CLAIMS).optional(),
  /** What the system claims when a stopped node's files are damaged (the `disk` fault); absent: no claim. */
  disk: z.enum(DISK_CLAIMS).optional(),
  /**
   * The largest offset (ms) between any two nodes' clocks that the system's correctness relies on;
   * an anomaly in a run whose clock faults went beyond it is outside the contract (harness/nemesis/faults/clock-bound.ts).
   */
  clockBoundMs: z.number({ invalid_type_error: 'clockBoundMs must be a number of milliseconds' }).int('clockBoundMs must be a whole number of milliseconds').positive('clockBoundMs must be a positive number of milliseconds').optional(),
  /**
   * The module (relative to the manifest's folder) exporting the system's side of the swarm hunt
   * (`faultline hunt --simulate`; systems/lib/sim/swarm.ts), and the export's name.
   */
  simulator: z.object({ module: z.string().min(1), export: z.string().min(1).default('swarm') }).strict().optional(),
  /**
   * Options this system's runs give a workload unless the run gives its own (by workload name),
   * e.g. `{ "register": { "cas": false } }` for a store without compare-and-set; checked by the
   * workload's schema when a run is resolved.
   */
  workloadOptions: z.record(z.string(), z.record(z.unknown())).optional(),
  /**
   * Processes of other kinds beside the nodes (ARCHITECTURE.md, "roles"): by role name, the
   * command that starts one (the same placeholders and config file as a node's, with `peers`
   * naming the other processes of the same role at their peer ports, unproxied), how many run, and the fault kinds the nemesis may aim at them. They are started
   * before the nodes, every node's config names them under `roles` (role -> id -> the address of
   * their client port), and they are stopped with the cluster. Ids are the role name and a number
   * (`resource1`). Clients never talk to them; the nodes do.
   */
  roles: z
    .record(
      z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a role name is 1-32 lowercase letters, digits or "-", starting with a letter'),
      z
        .object({
          count: z.number().int().min(1).max(9).default(1),
          start: z.object({
            command: z.string().min(1),
            args: z.array(z.string()).default([]),
            readyTimeoutMs: z.number().int().positive().max(600_000).default(10_000),
          }).strict(),
          /** Process fault kinds the nemesis may aim at this role's processes (pause: SIGSTOP, kill: kill -9 and restart). */
          faults: z.array(z.enum(['pause', 'kill'])).default([]),
        })
        .strict(),
    )
    .optional(),
}).strict();

/** A validated manifest, with the folder it was read from. */
export type SystemManifest = z.infer<typeof manifestSchema> & { manifestDir: string; manifestPath: string };

/** Reads and validates one manifest file; a bad one is a UsageError naming the file and field. */
export function readManifest(path: string): SystemManifest {
  if (path.startsWith(MAELSTROM_PREFIX)) return maelstromManifest(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read the manifest (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const m = parseJsonWithSchema(text, path, manifestSchema);
  if (m.defaultVariant !== undefined && !(m.defaultVariant in m.variants)) {
    const line = lineOfPath(text, ['defaultVariant']);
    throw new UsageError(`${path}${line === null ? '' : `:${line}`}: defaultVariant "${m.defaultVariant}" is not one of the variants`);
  }
  if (m.defaultWorkload !== undefined && !m.workloads.includes(m.defaultWorkload)) {
    const line = lineOfPath(text, ['defaultWorkload']);
    throw new UsageError(`${path}${line === null ? '' : `:${line}`}: defaultWorkload "${m.defaultWorkload}" is not one of the workloads (${m.workloads.join(', ')})`);
  }
  for (const [variant, workload] of Object.entries(m.variantWorkloads ?? {})) {
    const line = lineOfPath(text, ['variantWorkloads', variant]);
    const where = `${path}${line === null ? '' : `:${line}`}`;
    if (!Object.hasOwn(m.variants, variant)) throw new UsageError(`${where}: variantWorkloads names "${variant}", which is not one of the variants`);
    if (!m.workloads.includes(workload)) throw new UsageError(`${where}: variantWorkloads.${variant} "${workload}" is not one of the workloads (${m.workloads.join(', ')})`);
  }
  return { ...m, manifestDir: dirname(resolve(path)), manifestPath: resolve(path) };
}

/** Names of the built systems and fixtures, for error messages and defaults. */
export function listSystems(systemsDir: string = BUILT_SYSTEMS_DIR): string[] {
  const names: string[] = [];
  for (const base of [systemsDir, join(systemsDir, '_fixtures')]) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      if (existsSync(join(base, name, MANIFEST))) names.push(name);
    }
  }
  return names.sort();
}

function looksLikePath(nameOrPath: string): boolean {
  if (nameOrPath.startsWith(MAELSTROM_PREFIX)) return false;
  return nameOrPath.includes('/') || nameOrPath.endsWith('.json') || nameOrPath.startsWith('.');
}

/** The manifest file of a system given by name or path (as `findSystem` takes it), or null. */
export function locateSystem(nameOrPath: string, systemsDir: string = BUILT_SYSTEMS_DIR): string | null {
  // A Maelstrom program is its own "manifest path": readManifest makes the manifest.
  if (nameOrPath.startsWith(MAELSTROM_PREFIX)) return nameOrPath;
  if (looksLikePath(nameOrPath)) {
    const p = resolve(nameOrPath);
    if (existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, MANIFEST))) return join(p, MANIFEST);
    if (existsSync(p) && statSync(p).isFile()) return p;
    return null;
  }
  for (const base of [systemsDir, join(systemsDir, '_fixtures')]) {
    const p = join(base, nameOrPath, MANIFEST);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Finds a system by name (built systems first, then fixtures) or by path (a manifest file or a
 * folder holding one). An unknown name is a UsageError listing the known ones.
 */
export function findSystem(nameOrPath: string, systemsDir: string = BUILT_SYSTEMS_DIR): SystemManifest {
  const path = locateSystem(nameOrPath, systemsDir);
  if (path !== null) return readManifest(path);
  if (looksLikePath(nameOrPath)) throw new UsageError(`--system ${nameOrPath}: no ${MANIFEST} there`);
  const known = listSystems(systemsDir);
  throw new UsageError(
    `unknown system "${nameOrPath}" (known: ${known.length ? known.join(', ') : 'none built; run npm run build'})`,
  );
}

/** Values for the placeholders of `start.command` and `start.args`. */
export interface StartValues {
  manifestDir: string;
  configFile: string;
  id: string;
  variant: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  peers: Record<string, string>;
}

/** Replaces `{manifestDir}`, `{configFile}`, `{id}`... in one command-line word. */
export function expandPlaceholders(word: string, v: StartValues): string {
  const table: Record<string, string> = {
    manifestDir: v.manifestDir,
    configFile: v.configFile,
    id: v.id,
    variant: v.variant,
    clientPort: String(v.clientPort),
    peerPort: String(v.peerPort),
    dataDir: v.dataDir,
    peers: Object.entries(v.peers)
      .map(([id, addr]) => `${id}=${addr}`)
      .join(','),
  };
  return word.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(table, name) ? table[name]! : whole));
}
