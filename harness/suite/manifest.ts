/**
 * Finding a system's manifest (`faultline.system.json`, docs/formats.md) by name or path, for the
 * suite and compare commands: they need a system's variants (`variant: all`, `--variants all`) and
 * workloads to expand and check a matrix before any run starts. Starting the system is the run's
 * job; this module only reads the fields it needs and leaves the rest to `faultline run`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseJsonWithSchema } from '../source-text.js';

/** The fields of a system manifest that suites and comparisons use. */
export interface SystemManifest {
  name: string;
  /** Variant name -> one-line description. */
  variants: Record<string, string>;
  defaultVariant?: string;
  workloads: string[];
  /** Absolute path of the manifest file. */
  path: string;
}

const manifestSchema = z
  .object({
    name: z.string().min(1),
    variants: z.record(z.string()).default({}),
    defaultVariant: z.string().optional(),
    workloads: z.array(z.string()).default([]),
  })
  .passthrough();

/** The built systems folder (`dist/systems`), next to the built harness. */
export function builtSystemsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'systems');
}

/**
 * The manifest of a system given by name (looked up as `<systems>/<name>/` and
 * `<systems>/_fixtures/<name>/` in the built systems folder) or by a path to a manifest file.
 * Returns null when there is none; throws `UsageError` when one exists but is malformed.
 */
export function findManifest(system: string, systemsDir = builtSystemsDir()): SystemManifest | null {
  const candidates = system.endsWith('.json')
    ? [resolve(system)]
    : [join(systemsDir, system, 'faultline.system.json'), join(systemsDir, '_fixtures', system, 'faultline.system.json')];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const data = parseJsonWithSchema(readFileSync(path, 'utf8'), path, manifestSchema);
    const m: SystemManifest = { name: data.name, variants: data.variants, workloads: data.workloads, path };
    if (data.defaultVariant !== undefined) m.defaultVariant = data.defaultVariant;
    return m;
  }
  return null;
}
