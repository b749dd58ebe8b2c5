/**
 * Suite files: what `faultline suite <file>` runs.
 *
 * A suite file (JSON or YAML) holds a `matrix`: a list of rows, each naming one or more systems,
 * variants, workloads, nemeses and seeds, and what each resulting run is expected to conclude
 * (`expect: valid | invalid | any`). `loadSuite` reads and validates the file (zod, strict: an
 * unknown field is an error) and `expandSuite` multiplies each row out into entries, one per run,
 * each with a stable id. Every error names the file and the path of the bad field, and is a
 * `UsageError` (exit 254), so a typo fails the suite before any run starts.
 *
 * ```yaml
 * name: smoke
 * defaults: { timeLimitS: 5, nodes: 3 }
 * matrix:
 *   - { system: atomic-kv, workload: register, nemesis: "kill,pause", seed: [1, 2], expect: valid }
 *   - { system: stale-kv, nemesis: partition, expect: invalid }
 * ```
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { FaultlineError, UsageError } from '../cli/exit.js';
import { parseRunArgv, PHASE_LIMITS, resolveRunConfig, runArgv, runNumberSchema, validateWorkloadOptions } from '../run/config.js';
import { workloads as workloadTable } from '../../workloads/index.js';
import { lineAt, lineOfPath, parseJsonText, stripBom } from '../source-text.js';
import { locateSystem, readManifest, type SystemManifest } from '../cluster/manifest.js';
import { MAELSTROM_PREFIX } from '../maelstrom/params.js';

/** A `maelstrom:<program>` system with a relative program: relative to the suite file, as manifest paths are. */
function maelstromBesideSuite(sysRef: string, baseDir: string): string {
  if (!sysRef.startsWith(MAELSTROM_PREFIX)) return sysRef;
  const bin = sysRef.slice(MAELSTROM_PREFIX.length);
  return bin === '' || isAbsolute(bin) ? sysRef : `${MAELSTROM_PREFIX}${resolve(baseDir, bin)}`;
}
import { pickTuning, type RunTuning } from './entry.js';

/** The largest suite file read, in bytes: a suite is a short list, not data. */
export const SUITE_FILE_BYTES_MAX = 1_000_000;
/** The largest number of entries one suite may expand to. */
export const SUITE_ENTRIES_MAX = 10_000;

/** What a run is expected to conclude. `any` accepts valid, invalid and unknown, but not a crash. */
export type Expectation = 'valid' | 'invalid' | 'any';

/** `faultline run` flags that the suite sets from an entry's fields, so `args` may not repeat them. */
const SUITE_SET_FLAGS = ['--system', '--variant', '--workload', '--nemesis', '--seed', '--time-limit', '--nodes', '--concurrency', '--rate', '--nemesis-interval', '--op-timeout', '--min-ok-per-f', '--min-observed-reads', '--min-effective-faults', '--workload-options', '--run-dir', '--results-dir', '--json'];

const nameRe = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const nemesisRe = /^(none|[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*)$/;

const name = z.string().regex(nameRe, 'must be a name of letters, digits, ".", "_" or "-"');
const systemRef = z
  .string()
  .min(1)
  .refine((s) => nameRe.test(s) || s.endsWith('.json') || s.startsWith('maelstrom:'), 'must be a system name, a path to a faultline.system.json, or maelstrom:<program>');
const nemesisSpec = z
  .string()
  .regex(nemesisRe, 'must be "none", "default" or a comma-separated list of fault names such as "partition,kill"');
const seed = runNumberSchema('seed');
const oneOrMany = <T extends z.ZodTypeAny>(t: T) => z.union([t, z.array(t).min(1).max(1000)]);

/** Run options that a matrix row or the suite's `defaults` may set. */
const runOptions = {
  timeLimitS: runNumberSchema('timeLimitS').optional(),
  nodes: runNumberSchema('nodes').optional(),
  concurrency: runNumberSchema('concurrency').optional(),
  rateOpsPerSec: runNumberSchema('rateOpsPerSec').optional(),
  nemesisIntervalS: runNumberSchema('nemesisIntervalS').optional(),
  opTimeoutMs: runNumberSchema('opTimeoutMs').optional(),
  /** The workload's own options (`{ consistencyModel: serializable }`), checked by the workload. */
  workloadOptions: z.record(z.string(), z.unknown()).optional(),
  /** The verdict's thresholds: below them a run that found nothing is unknown, which fails `expect: valid`. */
  minOkPerF: runNumberSchema('minOkPerF').optional(),
  minObservedReads: runNumberSchema('minObservedReads').optional(),
  minEffectiveFaults: runNumberSchema('minEffectiveFaults').optional(),
  /** Wall-clock limit of one entry's process; past it the run is stopped and counted as an error. */
  entryTimeoutS: z.number().positive().max(48 * 3600).optional(),
  /** Further `faultline run` flags, passed as they are (for example ["--toxiproxy", "http://..."]). */
  args: z
    .array(z.string().max(1000))
    .max(100)
    .refine((a) => !a.some((x) => SUITE_SET_FLAGS.includes(x.split('=')[0]!)), {
      message: `may not set flags the suite sets itself (${SUITE_SET_FLAGS.join(', ')}): use the fields of the same meaning`,
    })
    .optional(),
  expect: z.enum(['valid', 'invalid', 'any']).optional(),
};

const defaultsSchema = z.object(runOptions).strict();

const rowSchema = z
  .object({
    system: oneOrMany(systemRef),
    variant: z.union([z.literal('all'), oneOrMany(name)]).optional(),
    workload: oneOrMany(name).optional(),
    nemesis: oneOrMany(nemesisSpec).optional(),
    seed: oneOrMany(seed).optional(),
    ...runOptions,
  })
  .strict();

const suiteSchema = z
  .object({
    name: name.optional(),
    description: z.string().max(10_000).optional(),
    defaults: defaultsSchema.optional(),
    matrix: z.array(rowSchema).min(1).max(10_000),
  })
  .strict();

/** A suite file as written, after validation. */
export type SuiteFile = z.infer<typeof suiteSchema>;
type Row = z.infer<typeof rowSchema>;

/** One run of a suite: everything `faultline run` needs, plus the expectation. */
export interface SuiteEntry extends RunTuning {
  /** Stable id, the same in every shard and every run of the same file, e.g. `stale-kv/correct/register/partition/seed-1`. */
  id: string;
  /** Position in the expanded suite (0-based). */
  index: number;
  /** The system as written (a name, or a manifest path resolved to an absolute path). */
  system: string;
  /** The name of the system as its manifest states it. */
  systemName: string;
  variant: string;
  workload: string;
  /** Fault names; empty for none. */
  nemesis: string[];
  seed: number;
  timeLimitS: number;
  entryTimeoutS: number;
  /** The workload's own options, when the row or the defaults give them. */
  workloadOptions?: Record<string, unknown>;
  args: string[];
  expect: Expectation;
}

/** A suite loaded from a file and expanded. */
export interface Suite {
  name: string;
  /** Absolute path of the suite file. */
  file: string;
  entries: SuiteEntry[];
}

/** Defaults for what neither a row nor the suite's `defaults` sets. */
export const SUITE_DEFAULTS = { timeLimitS: 10, seed: 1, expect: 'valid' as Expectation };

/** Time allowed, besides the run's own bounds, for starting and restarting nodes and writing the report. */
const ENTRY_SLACK_S = 60;

/**
 * How long an entry may take before it is stopped: twice its time limit (ops in flight, faults
 * being undone), the longest final phase and checking a run may take, and some slack; so that a
 * run whose checker uses its whole budget ends with its own verdict (unknown), not a timeout.
 */
export function defaultEntryTimeoutS(timeLimitS: number): number {
  return Math.ceil(timeLimitS * 2 + (PHASE_LIMITS.finalPhaseMsMax + PHASE_LIMITS.checkTimeLimitMs) / 1000 + ENTRY_SLACK_S);
}

/** Reads, validates and expands a suite file. Throws `UsageError` (exit 254) naming the file and field. */
export function loadSuite(file: string, opts: { systemsDir?: string } = {}): Suite {
  const path = resolve(file);
  const text = stripBom(readSuiteText(path));
  const parsed = parseSuiteText(text, path);
  return expandSuite(parsed, path, { ...opts, text });
}

function readSuiteText(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`${path}: suite file not found`);
  }
  if (size > SUITE_FILE_BYTES_MAX) throw new UsageError(`${path}: suite file is ${size} bytes, more than ${SUITE_FILE_BYTES_MAX}`);
  return readFileSync(path, 'utf8');
}

/** Parses suite text (JSON for `.json`, YAML otherwise) and validates it. */
export function parseSuiteText(text: string, path: string): SuiteFile {
  let data: unknown;
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    data = parseJsonText(text, path);
  } else if (ext === '.yaml' || ext === '.yml') {
    const doc = parseDocument(stripBom(text), { prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = lineAt(text, e.pos[0]);
      throw new UsageError(`${path}:${line}: not valid YAML: ${e.message.split('\n')[0]}`);
    }
    try {
      data = doc.toJS();
    } catch (err) {
      // An alias bomb (aliases of aliases, expanding to millions of nodes) is refused by the parser.
      throw new UsageError(`${path}: not a usable YAML suite: ${(err as Error).message}`);
    }
  } else {
    throw new UsageError(`${path}: a suite file must end in .json, .yaml or .yml`);
  }
  const result = suiteSchema.safeParse(data);
  if (!result.success) {
    const issue = deepestIssue(result.error.issues[0]!);
    const line = lineOfPath(text, issue.path);
    throw new UsageError(`${path}${line ? `:${line}` : ''}: ${formatPath(issue.path)}: ${issueMessage(issue)}`);
  }
  return result.data;
}

/**
 * For a value that may be one item or a list (`seed: 1` or `seed: [1, 2]`), the issue inside the
 * list when there is one (`seed[1]: Expected number, received string`) rather than the union's
 * complaint about the list as a whole.
 */
function deepestIssue(issue: z.ZodIssue): z.ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  let best: z.ZodIssue = issue;
  for (const u of issue.unionErrors) {
    for (const inner of u.issues) {
      const deep = deepestIssue(inner);
      if (deep.path.length > best.path.length) best = deep;
    }
  }
  return best;
}

function issueMessage(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (issue.code === 'invalid_union') {
    // Show the most specific message among the alternatives rather than zod's "Invalid input".
    for (const u of issue.unionErrors) {
      const inner = u.issues.find((i) => i.code !== 'invalid_type');
      if (inner) return inner.message;
    }
    const first = issue.unionErrors[0]?.issues[0];
    return first ? `${first.message} (a single value or a list of them)` : 'must be a single value or a list of them';
  }
  return issue.message;
}

/** Formats a zod path as `matrix[2].nemesis`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

const list = <T>(v: T | T[] | undefined, dflt: T[]): T[] => (v === undefined ? dflt : Array.isArray(v) ? v : [v]);

/**
 * Multiplies each matrix row out into entries. Systems are checked against their manifests (name,
 * variants, workloads), so that a typo is reported with its field path before anything runs.
 */
export function expandSuite(suite: SuiteFile, file: string, opts: { systemsDir?: string; text?: string } = {}): Suite {
  const baseDir = dirname(file);
  const entries: SuiteEntry[] = [];
  const seen = new Map<string, number>();
  const manifests = new Map<string, SystemManifest>();
  suite.matrix.forEach((row: Row, r) => {
    const at = (field: string, i?: number) => {
      const indexed = i !== undefined && Array.isArray(row[field as keyof Row]);
      const line = opts.text ? lineOfPath(opts.text, indexed ? ['matrix', r, field, i] : ['matrix', r, field]) : null;
      return `${file}${line ? `:${line}` : ''}: matrix[${r}].${field}${indexed ? `[${i}]` : ''}`;
    };
    const merged = { ...suite.defaults, ...stripUndefined(row) };
    const systems = list(row.system, []);
    systems.forEach((sysRef, si) => {
      const system = sysRef.endsWith('.json') && !isAbsolute(sysRef) ? resolve(baseDir, sysRef) : maelstromBesideSuite(sysRef, baseDir);
      const manifestPath = locateSystem(system, opts.systemsDir);
      if (manifestPath === null) {
        throw new UsageError(`${at('system', si)}: unknown system ${JSON.stringify(sysRef)} (no faultline.system.json found for it)`);
      }
      const manifest = manifests.get(manifestPath) ?? readManifest(manifestPath);
      manifests.set(manifestPath, manifest);
      const variants = variantsOf(row, manifest, (i) => at('variant', i));
      const workloads = list(row.workload, [manifest.defaultWorkload ?? manifest.workloads[0] ?? 'register']);
      workloads.forEach((w, wi) => {
        if (manifest.workloads.length > 0 && !manifest.workloads.includes(w)) {
          throw new UsageError(`${at('workload', wi)}: system ${manifest.name} does not serve workload ${JSON.stringify(w)} (it serves: ${manifest.workloads.join(', ')})`);
        }
        const workload = Object.hasOwn(workloadTable, w) ? workloadTable[w] : undefined;
        if (merged.workloadOptions !== undefined && workload !== undefined) {
          // Named where it is written: the row, or the suite's defaults.
          const path = row.workloadOptions !== undefined ? ['matrix', r, 'workloadOptions'] : ['defaults', 'workloadOptions'];
          validateWorkloadOptions(w, workload, merged.workloadOptions, (option) => {
            const line = opts.text ? lineOfPath(opts.text, [...path, option]) : null;
            return `${file}${line ? `:${line}` : ''}: ${formatPath([...path, option])}`;
          });
        }
      });
      const nemeses = list(row.nemesis, ['none']);
      const seeds = list(row.seed, [SUITE_DEFAULTS.seed]);
      for (const variant of variants) {
        for (const workload of workloads) {
          for (const nem of nemeses) {
            for (const s of seeds) {
              const nemesis = nem === 'none' ? [] : nem.split(',');
              const timeLimitS = merged.timeLimitS ?? SUITE_DEFAULTS.timeLimitS;
              const base = `${manifest.name}/${variant}/${workload}/${nemesis.join('+') || 'none'}/seed-${s}`;
              const n = (seen.get(base) ?? 0) + 1;
              seen.set(base, n);
              const entry: SuiteEntry = {
                id: n === 1 ? base : `${base}#${n}`,
                index: entries.length,
                system,
                systemName: manifest.name,
                variant,
                workload,
                nemesis,
                seed: s,
                timeLimitS,
                entryTimeoutS: merged.entryTimeoutS ?? defaultEntryTimeoutS(timeLimitS),
                args: merged.args ?? [],
                expect: merged.expect ?? SUITE_DEFAULTS.expect,
              };
              Object.assign(entry, pickTuning(merged));
              if (merged.workloadOptions !== undefined) entry.workloadOptions = merged.workloadOptions;
              validateEntry(entry, manifest, () => {
                const line = opts.text ? lineOfPath(opts.text, ['matrix', r]) : null;
                return `${file}${line ? `:${line}` : ''}: matrix[${r}]`;
              });
              entries.push(entry);
              if (entries.length > SUITE_ENTRIES_MAX) {
                throw new UsageError(`${file}: the matrix expands to more than ${SUITE_ENTRIES_MAX} entries`);
              }
            }
          }
        }
      }
    });
  });
  return { name: suite.name ?? basenameNoExt(file), file, entries };
}

/**
 * Checks an entry the way `faultline run` will check it, with the same code (its argv read by the
 * run's flag table, then resolved against the system's manifest), so that an entry that would fail
 * at its start fails the suite before anything runs.
 */
function validateEntry(entry: SuiteEntry, manifest: SystemManifest, where: () => string): void {
  try {
    resolveRunConfig(parseRunArgv(runArgv(entry)), manifest);
  } catch (err) {
    if (err instanceof FaultlineError) throw new UsageError(`${where()}: entry ${entry.id}: ${err.message}`);
    throw err;
  }
}

function variantsOf(row: Row, manifest: SystemManifest, at: (i?: number) => string): string[] {
  const known = Object.keys(manifest.variants);
  if (row.variant === 'all') {
    if (known.length === 0) throw new UsageError(`${at()}: system ${manifest.name} lists no variants`);
    return known;
  }
  const variants = list(row.variant, [manifest.defaultVariant ?? known[0] ?? 'correct']);
  variants.forEach((v, i) => {
    if (known.length > 0 && !known.includes(v)) {
      throw new UsageError(`${at(i)}: system ${manifest.name} has no variant ${JSON.stringify(v)} (it has: ${known.join(', ')})`);
    }
  });
  return variants;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function basenameNoExt(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? 'suite';
  return base.replace(/\.(json|ya?ml)$/i, '');
}
