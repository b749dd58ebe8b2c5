/**
 * Where the reference corpora (Porcupine, Knossos, Elle histories) are, if anywhere.
 *
 * They are read in place from `../shared/corpus` beside the checkout (or the folder named by
 * FAULTLINE_CORPUS) and never copied into the project. When absent, corpus tests skip and say why.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The corpus folder, or null when it is not there. */
export function corpusDir(): string | null {
  const candidates = [process.env.FAULTLINE_CORPUS, join(repoRoot, '..', 'shared', 'corpus')];
  for (const c of candidates) {
    if (c && existsSync(c)) return c;
  }
  return null;
}

/** The message a skipped corpus test prints. */
export function corpusMissingMessage(sub: string): string {
  return `skipped: corpus ${sub} not found (looked in $FAULTLINE_CORPUS and ${join(repoRoot, '..', 'shared', 'corpus')})`;
}
