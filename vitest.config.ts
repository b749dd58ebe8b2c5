import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The JSON report lets CI print one plain closing line with the counts.
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that start real processes compete for two cores; keep files in a small pool.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
