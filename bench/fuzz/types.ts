/**
 * The shape every fuzz surface shares: `bench/fuzz/<surface>.ts` exports
 * `fuzz<Surface>(cases, seed): Promise<FuzzReport>`, used by `test/fuzz/<surface>.test.ts`
 * (a small, seeded count from FAULTLINE_FUZZ_CASES) and by `npm run bench:fuzz` (10,000 each).
 *
 * A failure is a crash (an exit code or status outside the documented ones, a stack trace), a
 * hang (no answer within the surface's bound) or a silent acceptance of nonsense; each is one line
 * that names the case so it can be replayed.
 */
export interface FuzzReport {
  surface: string;
  tried: number;
  failures: string[];
}

export type FuzzSurface = (cases: number, seed: number) => Promise<FuzzReport>;

/** Cases for a test run: FAULTLINE_FUZZ_CASES when set, else the surface's own small default. */
export function testCases(fallback: number): number {
  const env = process.env.FAULTLINE_FUZZ_CASES;
  if (env === undefined || env === '') return fallback;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`FAULTLINE_FUZZ_CASES must be a positive integer, got ${JSON.stringify(env)}`);
  return n;
}
