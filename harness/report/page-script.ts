/**
 * The report page's script: harness/report/page/*.ts, type-checked with the DOM library and joined
 * into one file by the build (scripts/postbuild.mjs), read here once to be inlined into each
 * report.html.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FaultlineError, EXIT } from '../cli/exit.js';

/** Where the build puts it: beside this module in dist/, or in dist/ when this runs from source. */
const CANDIDATES = [new URL('./report-page.js', import.meta.url), new URL('../../dist/harness/report/report-page.js', import.meta.url)];

let cache: string | null = null;

/** The page script; a FaultlineError when the build did not make it. */
export function reportPageScript(): string {
  if (cache !== null) return cache;
  const file = CANDIDATES.map((u) => fileURLToPath(u)).find((f) => existsSync(f));
  if (file === undefined) throw new FaultlineError(`the report page script is not built (${fileURLToPath(CANDIDATES[0]!)}): run npm run build`, EXIT.crash);
  cache = readFileSync(file, 'utf8');
  return cache;
}
