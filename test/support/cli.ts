/**
 * Runs the built faultline CLI as a child process, for end-to-end tests (the build comes first:
 * `npm test` builds). Output goes to a fresh temp folder per call site.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built CLI entry. */
export const CLI = join(repoRoot, 'dist', 'harness', 'cli', 'main.js');

/** Throws a clear error when the build is missing. */
export function requireBuild(): void {
  if (!existsSync(CLI) || !existsSync(join(repoRoot, 'dist', 'systems', '_fixtures', 'atomic-kv', 'main.js'))) {
    throw new Error(`the build is missing (${CLI}): run npm run build, or npm test`);
  }
}

/** A new empty temp folder. */
export function tempDir(prefix = 'faultline-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** How to run the CLI: its folder, its time limit, and whether output keeps its last newline. */
export interface CliOptions {
  cwd?: string;
  timeoutMs?: number;
  keepFinalNewline?: boolean;
}

/** Starts `faultline <args>` without waiting for it. */
export function startCli(args: string[], opts: CliOptions = {}) {
  return execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? tempDir(),
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    stripFinalNewline: !opts.keepFinalNewline,
    env: { FORCE_COLOR: '0' },
  });
}

/** Runs `faultline <args>` to the end. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await startCli(args, opts);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** True when the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The pids a run recorded in `<run>/pids` (`<id> <pid>` lines). */
export function recordedPids(runDir: string): number[] {
  const p = join(runDir, 'pids');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.split(' ')[1]));
}

/** `faultline check <args>` run to its end, synchronously: its exit code and output. */
export function runCheckSync(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'check', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
