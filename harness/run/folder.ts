/**
 * The run folder (docs/formats.md): its name, run.json, results.json, and the `latest` link.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, FaultlineError, UsageError } from '../cli/exit.js';
import { VERSION } from '../cli/version.js';
import type { RunConfig } from './config.js';

/** `20261124T053000123` for a date, in UTC. */
export function timestampName(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
}

/** A folder that cannot be made (a file in the way, no permission): a bad flag, not a crash. */
function cannotCreate(flag: string, value: string, err: unknown): UsageError {
  return new UsageError(`${flag} ${value}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
}

/**
 * `mkdir -p`, one level at a time from the deepest folder that exists. Node's own recursive
 * mkdirSync never returns under a pseudo file system such as /proc (each attempt fails with
 * ENOENT and is retried); here the first level that cannot be made throws its error.
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      // Made meanwhile by someone else (a parallel run): fine.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Makes a folder (and its parents) that a flag names; a UsageError naming the flag when it cannot. */
export function makeFlagDir(flag: string, value: string, path: string = value): void {
  try {
    makeDirs(path);
  } catch (err) {
    throw cannotCreate(flag, value, err);
  }
}

/** Creates the folder of a new run: `runDir` exactly, or a fresh one under `resultsDir`. */
export function createRunDir(config: RunConfig, now: Date): { runDir: string; named: boolean } {
  if (config.runDir) {
    const dir = resolve(config.runDir);
    try {
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`--run-dir ${config.runDir}: the folder is not empty`);
      makeDirs(dir);
    } catch (err) {
      throw err instanceof UsageError ? err : cannotCreate('--run-dir', config.runDir, err);
    }
    return { runDir: dir, named: false };
  }
  const base = `${timestampName(now)}-${config.system}-${config.variant}-${config.workload}`;
  const parent = resolve(config.resultsDir);
  makeFlagDir('--results-dir', config.resultsDir, parent);
  for (let i = 1; ; i++) {
    const dir = join(parent, i === 1 ? base : `${base}-${i}`);
    try {
      mkdirSync(dir);
      return { runDir: dir, named: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw cannotCreate('--results-dir', config.resultsDir, err);
    }
  }
}

/** Points `<results>/latest` at the run (a relative symlink, replaced atomically). */
export function linkLatest(runDir: string): void {
  const parent = dirname(runDir);
  const tmp = join(parent, `.latest-${process.pid}`);
  try {
    rmSync(tmp, { force: true });
    symlinkSync(basename(runDir), tmp);
    renameSync(tmp, join(parent, 'latest'));
  } catch {
    rmSync(tmp, { force: true });
  }
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The git commit of the faultline checkout, when there is one. */
export function gitSha(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim() || null;
  } catch {
    return null;
  }
}

/**
 * Writes a file atomically (write a temporary file beside it, then rename): a reader, or a harness
 * killed half-way, sees the old contents or the new ones, never a torn file.
 */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    // A full disk fails the write half-way: the torn temporary file must not stay behind.
    rmSync(tmp, { force: true });
    throw new FaultlineError(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT.crash);
  }
}

/** Writes a JSON file with a trailing newline, atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The contents of run.json. */
export interface RunRecord extends Omit<RunConfig, 'runDir' | 'resultsDir'> {
  versions: { faultline: string; node: string };
  gitSha: string | null;
  startedAt: string;
  command: string;
  manifest: string;
}

/** Builds run.json's contents. */
export function runRecord(config: RunConfig, manifestPath: string, startedAt: Date, command: string): RunRecord {
  const { runDir: _runDir, resultsDir: _resultsDir, ...rest } = config;
  return {
    ...rest,
    versions: { faultline: VERSION, node: process.version },
    gitSha: gitSha(),
    startedAt: startedAt.toISOString(),
    command,
    manifest: manifestPath,
  };
}

/** Reads a run's run.json; a UsageError when it is missing or broken. */
export function readRunRecord(runDir: string): Partial<RunRecord> {
  const p = join(runDir, 'run.json');
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Partial<RunRecord>;
  } catch (err) {
    throw new UsageError(`${p}: cannot read run.json (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
