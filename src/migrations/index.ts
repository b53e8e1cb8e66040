/**
 * THE list of store migrations, in order: one file each, named by its number (`0001-credential-reseal.ts`),
 * each a `Migration` (types.ts) with its version, id, description and an
 * idempotent, resumable `up`. The highest version here is what this code
 * knows; the store records each migration it applied (store.ts), and a
 * process refuses to start against a store that applied more than it knows
 * (runner.ts `atStart`). A change to the shape of stored documents that old
 * documents must follow is a new file appended here, never an edit of an
 * applied one.
 * Guarded by: tests/integration/migrations.test.ts (each migration on old-shape documents, twice, killed halfway; versions 1..n in order).
 */
import { credentialReseal } from './0001-credential-reseal.js';
import { searchTermsFiled } from './0002-search-terms.js';
import { nameParts } from './0003-name-parts.js';
import { skeletonScripts } from './0004-skeleton-scripts.js';
import { createMigrationRunner, type MigrationRunnerOptions } from './runner.js';
import type { Migration } from './types.js';

export const MIGRATIONS: readonly Migration[] = [credentialReseal, searchTermsFiled, nameParts, skeletonScripts];

/** The runner over THE list (tests pass their own list to createMigrationRunner). */
export const createStoreMigrations = (opts: Omit<MigrationRunnerOptions, 'migrations'>) => createMigrationRunner({ ...opts, migrations: MIGRATIONS });

export type { Migration, MigrationContext, MigrationDeps, MigrationOutcome } from './types.js';
export { createMigrationRunner, MigrationRefusal, type MigrationRunner, type MigrationRunnerOptions, type MigrationStatus } from './runner.js';
