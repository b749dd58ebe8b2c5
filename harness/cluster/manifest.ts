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
}).strict();

/** A validated manifest, with the folder it was read from. */
export type SystemManifest = z.infer<typeof manifestSchema> & { manifestDir: string; manifestPath: string };

/** Reads and validates one manifest file; a bad one is a UsageError naming the file and field. */
export function readManifest(path: string): SystemManifest {
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
  return nameOrPath.includes('/') || nameOrPath.endsWith('.json') || nameOrPath.startsWith('.');
}

/** The manifest file of a system given by name or path (as `findSystem` takes it), or null. */
export function locateSystem(nameOrPath: string, systemsDir: string = BUILT_SYSTEMS_DIR): string | null {
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
