import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files share one FerretDB and one Redis (each file uses its own database
    // and queue prefix); two cores, so keep parallelism modest.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
  },
});
