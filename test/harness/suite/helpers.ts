/**
 * Shared pieces of the suite tests: temporary folders, a systems folder with manifests, and the
 * paths of the built CLI and the byo-kv example.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const cli = join(repoRoot, 'dist', 'harness', 'cli', 'main.js');
export const byoManifest = join(repoRoot, 'examples', 'byo-kv', 'faultline.system.json');

/** A fresh temporary folder. */
export function tempDir(prefix = 'faultline-suite-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a file (creating folders) and returns its path. */
export function write(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A systems folder holding manifests for `kv` (variants correct, broken) and `_fixtures/fx`. */
export function systemsDir(): string {
  const dir = tempDir('faultline-systems-');
  const manifest = (name: string, variants: Record<string, string>, workloads: string[]) =>
    JSON.stringify({ name, variants, defaultVariant: Object.keys(variants)[0], workloads, start: { command: 'node', args: [] } });
  write(join(dir, 'kv', 'faultline.system.json'), manifest('kv', { correct: 'ok', broken: 'bad' }, ['register', 'list-append']));
  write(join(dir, '_fixtures', 'fx', 'faultline.system.json'), manifest('fx', { correct: 'ok' }, ['register']));
  return dir;
}
