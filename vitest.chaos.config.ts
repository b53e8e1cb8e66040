/**
 * The fault-injection suite (`npm run test:chaos`): real API and worker child
 * processes on their own FerretDB and Redis, killed with SIGKILL on purpose.
 * Same set-up as vitest.config.ts (its globalSetup provides the shared
 * throwaway services the scale test uses), but only tests/chaos, one file at
 * a time (two cores, and each file runs a small cluster), with generous
 * timeouts; every loop in the tests is bounded in count and time.
 */
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['tests/chaos/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
  },
});
