/**
 * What a migration is (src/migrations/index.ts lists them, one file each):
 * a change to the shape of stored documents, applied once per store, in
 * order of `version`. Its `up` must be idempotent (a document already of
 * the new shape is left alone, so a second run changes nothing) and
 * resumable (it works in batches and records how far it got through
 * `ctx.checkpoint`, so a run killed halfway goes on from there).
 */
import type { AuditLog } from '../audit/types.js';
import type { Crypto } from '../crypto/index.js';
import type { Logger } from '../logger.js';
import type { MfaRepository } from '../auth/mfa-repository.js';
import type { UserRepository } from '../auth/repository.js';
import type { ReportRepository } from '../reports/store/repository.js';

/** What a migration may use: the store's repositories and the keys, never a service that serves requests. */
export interface MigrationDeps {
  users: UserRepository;
  mfa: MfaRepository;
  reports: ReportRepository;
  crypto: Crypto;
  audit: Pick<AuditLog, 'record'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface MigrationContext extends MigrationDeps {
  /** Where the previous, unfinished run of this migration stopped (null: from the start). */
  resumeFrom: string | null;
  /** Documents a batch handles before it records its progress. */
  batchSize: number;
  /**
   * Records that every document up to `cursor` (in the migration's own
   * order) is done, and renews the run's lock; throws when the lock was
   * taken over (another runner judged this one dead), so two runners never
   * work on one store.
   */
  checkpoint(cursor: string, done: number): Promise<void>;
}

/** What a run of `up` reports (written in the `migration.apply` audit entry: counts and ids only, never content). */
export type MigrationOutcome = Record<string, number | string | boolean | null>;

export interface Migration {
  /** Its place in the order: 1, 2, 3… with no gaps (a test checks). */
  version: number;
  /** Stable name, also the `_id` of its record in the `migrations` collection. */
  id: string;
  /** One sentence for `migrate --status` and the audit log. */
  description: string;
  up(ctx: MigrationContext): Promise<MigrationOutcome>;
}
