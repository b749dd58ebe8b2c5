/**
 * Runs `faultline maelstrom test` on a node program in a temp folder, and reads back what the run
 * left: results.json, and the pids of every shim and Maelstrom node it started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { recordedPids, runCli, tempDir } from '../../support/cli.js';
import { repoRoot } from '../../support/systems.js';

/** A program of examples/maelstrom or of the test's own nodes/, by path from the repository root. */
export function program(rel: string): string {
  return resolve(repoRoot, rel);
}

/** What a `maelstrom test` run gave. */
export interface MaelstromRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  runDir: string;
  results: Record<string, any> | null;
}

/** Runs `faultline maelstrom test --bin <bin> <args> --run-dir <temp>`. */
export async function maelstromTest(bin: string, args: string[], timeoutMs = 90_000): Promise<MaelstromRun> {
  const runDir = join(tempDir('faultline-maelstrom-'), 'run');
  const r = await runCli(['maelstrom', 'test', '--bin', bin, '--run-dir', runDir, ...args], { timeoutMs });
  let results: Record<string, any> | null = null;
  try {
    results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as Record<string, any>;
  } catch {
    results = null;
  }
  return { ...r, runDir, results };
}

/** Pids of the Maelstrom node processes the shims started (the `started ... as pid N` log lines). */
export function nodePids(runDir: string): number[] {
  const dir = join(runDir, 'nodes');
  const pids: number[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.log'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/started .* as pid (\d+)/g)) pids.push(Number(m[1]));
  }
  return pids;
}

/** Every pid the run started: shims (and the reaper) from `<run>/pids`, and the nodes. */
export function allPids(runDir: string): number[] {
  return [...recordedPids(runDir), ...nodePids(runDir)];
}
