import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

// One graphql module instance for the schema and the tests (its ESM and CJS
// builds would otherwise be two "realms" that reject each other's types).
const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['tests/**/*.test.ts'],
    // The fault-injection suite kills processes on purpose; it has its own config (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, 'tests/chaos/**'],
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
