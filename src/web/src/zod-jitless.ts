/**
 * Imported first by main.tsx, before any module defines a schema: the
 * console's CSP allows no eval, and zod's JIT probe (`Function('')`, run
 * when the first object schema is built) would be refused and reported as a
 * `securitypolicyviolation`. Without its JIT zod parses the same.
 * tests/e2e/link-chart.test.ts counts the violations (none).
 */
import { config } from 'zod';

config({ jitless: true });
