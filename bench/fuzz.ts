/**
 * `npm run bench:fuzz`: every fuzz surface with many cases (default 10,000 each; first argument
 * overrides, second is the seed), printing cases tried and failures per surface. Exits 1 when any
 * surface failed, printing each failure with the seed that replays it.
 */
import type { FuzzSurface } from './fuzz/types.js';

/** One line per surface: its name and its module under bench/fuzz/. */
const SURFACES: Array<[string, () => Promise<FuzzSurface>]> = [
  ['nemesis', async () => (await import('./fuzz/nemesis.js')).fuzzNemesis],
  ['proxy', async () => (await import('./fuzz/proxy.js')).fuzzProxy],
  ['histories', async () => (await import('./fuzz/histories.js')).fuzzHistories],
  ['flags', async () => (await import('./fuzz/flags.js')).fuzzFlags],
  ['manifests', async () => (await import('./fuzz/manifests.js')).fuzzManifests],
  ['suites', async () => (await import('./fuzz/suites.js')).fuzzSuites],
  ['client-port', async () => (await import('./fuzz/client-port.js')).fuzzClientPort],
  ['peer-port', async () => (await import('./fuzz/peer-port.js')).fuzzPeerPort],
  ['verdicts', async () => (await import('./fuzz/verdicts.js')).fuzzVerdicts],
];

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 10_000);
  const seed = Number(process.argv[3] ?? 1);
  const only = process.argv[4];
  let failed = 0;
  console.log(`fuzz: ${cases} cases per surface, seed ${seed}`);
  console.log('surface            tried  failures   seconds');
  for (const [name, load] of SURFACES) {
    if (only !== undefined && only !== name) continue;
    const t0 = performance.now();
    const r = await (await load())(cases, seed);
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`${name.padEnd(16)} ${String(r.tried).padStart(7)}  ${String(r.failures.length).padStart(8)}  ${s.padStart(8)}`);
    for (const f of r.failures.slice(0, 20)) console.log(`  ${f}`);
    failed += r.failures.length;
  }
  if (failed > 0) {
    console.log(`${failed} failures; replay with: npm run bench:fuzz -- ${cases} ${seed}`);
    process.exitCode = 1;
  }
}

await main();
