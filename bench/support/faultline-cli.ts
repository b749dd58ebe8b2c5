/**
 * Runs the built `faultline` CLI as a child process, as a user would, for the benchmarks that
 * measure whole runs (bench/detect.ts, bench/raftkv-detect.ts).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI's entry point. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../harness/cli/main.js');

/** What a child `faultline` run gave: its exit code (255 when it could not say) and its output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `faultline <args>`, killed after `timeoutMs`. */
export function faultline(args: readonly string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 255;
      resolve({ code, stdout, stderr });
    });
  });
}
