/**
 * Runs the store migrations (index.ts) and checks the store at start-up.
 *
 * - Which are applied: the records in `migrations` (store.ts). The store's
 *   version is the highest version applied; a process whose code knows a
 *   lower highest version refuses to start ("store migrated by a newer
 *   version (N > M)"), as it would read documents of a shape it does not
 *   know.
 * - Pending ones, at start-up (`atStart`, from src/deps.ts): run there when
 *   `config.migrations.runOnStart` (development, or MIGRATE_ON_START=true in
 *   production); otherwise the process refuses to start and names them, so
 *   a production upgrade runs them on purpose (`npm run admin -- migrate`).
 * - One runner at a time: a run holds the insert-only lock (store.ts); a
 *   process that does not get it waits (polling) until the holder finishes,
 *   then finds nothing pending and goes on, or takes the lock over once its
 *   holder has not renewed it for `lockStaleMs` (killed mid-run), and
 *   resumes from the dead run's last checkpoint. Waiting longer than
 *   `waitMs` is a refusal.
 * - Each migration run is audited (`migration.apply`, success or failure)
 *   before it is recorded as applied: a crash between the two only runs the
 *   (idempotent) migration again.
 * - A new store (no user and no report yet: a first start, or the first
 *   admin command of an install) holds nothing of an old shape: every known
 *   migration is recorded as applied at once (`outcome.newStore`, no run and
 *   so no `migration.apply` entry), in production too, so an install starts
 *   at this code's version without a `migrate` step.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import { createMigrationStore, type LockRecord } from './store.js';
import type { Migration, MigrationContext, MigrationDeps, MigrationOutcome } from './types.js';

/** A start-up or a run refused: a newer store, pending migrations in production, a lock never released. */
export class MigrationRefusal extends Error {
  override name = 'MigrationRefusal';
}

export interface MigrationStatus {
  /** The highest version this code knows. */
  known: number;
  /** The highest version the store has applied (0: none). */
  storeVersion: number;
  rows: { version: number; id: string; description: string; appliedAt: Date | null; progress: { cursor: string; done: number; at: Date } | null }[];
  pending: readonly Migration[];
  lock: LockRecord | null;
}

export interface MigrationRunnerOptions {
  db: Db;
  deps: MigrationDeps;
  migrations: readonly Migration[];
  /** This runner's name in the lock and the audit log (default host/pid/random). */
  holder?: string;
  /** Documents per batch (default 200). */
  batchSize?: number;
  /** A lock not renewed for this long is taken over (default 10 minutes: far above one batch's time). */
  lockStaleMs?: number;
  /** How long a runner waits for another's run before it refuses (default twice lockStaleMs). */
  waitMs?: number;
  pollMs?: number;
}

export type MigrationRunner = ReturnType<typeof createMigrationRunner>;

export function createMigrationRunner(opts: MigrationRunnerOptions) {
  const store = createMigrationStore(opts.db);
  const migrations = [...opts.migrations].sort((a, b) => a.version - b.version);
  const holder = opts.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const batchSize = opts.batchSize ?? 200;
  const lockStaleMs = opts.lockStaleMs ?? 10 * 60_000;
  const waitMs = opts.waitMs ?? 2 * lockStaleMs;
  const pollMs = opts.pollMs ?? 250;
  const known = migrations.at(-1)?.version ?? 0;
  const { deps } = opts;

  async function status(): Promise<MigrationStatus> {
    const applied = await store.applied();
    const byId = new Map(applied.map((r) => [r._id, r]));
    const versionOf = (r: { _id: string; version?: number }) => (typeof r.version === 'number' ? r.version : (migrations.find((m) => m.id === r._id)?.version ?? 0));
    const storeVersion = Math.max(0, ...applied.map(versionOf));
    const rows = await Promise.all(
      migrations.map(async (m) => {
        const record = byId.get(m.id);
        const progress = record ? null : await store.progressOf(m.id);
        return { version: m.version, id: m.id, description: m.description, appliedAt: record?.at ?? null, progress: progress && { cursor: progress.cursor, done: progress.done, at: progress.at } };
      }),
    );
    return { known, storeVersion, rows, pending: migrations.filter((m) => !byId.has(m.id)), lock: await store.lock.held() };
  }

  /** No user and no report: nothing an old release stored can need migrating. */
  async function isNewStore(): Promise<boolean> {
    const [users, noReport] = await Promise.all([deps.users.list(), deps.reports.isEmpty()]);
    return !users.length && noReport;
  }

  /** Records every pending migration as applied on a new store; true when it did. */
  async function stampIfNew(st: MigrationStatus): Promise<boolean> {
    if (!st.pending.length || !(await isNewStore())) return false;
    for (const m of st.pending) await store.markApplied(m.id, m.version, { newStore: true });
    return true;
  }

  function refuseNewer(st: MigrationStatus) {
    if (st.storeVersion > st.known)
      throw new MigrationRefusal(`store migrated by a newer version (${st.storeVersion} > ${st.known}): run the release that applied migration ${st.storeVersion} or a later one, or restore a backup taken before that upgrade`);
  }

  async function apply(m: Migration, tookOverFrom: LockRecord | null): Promise<MigrationOutcome> {
    const progress = await store.progressOf(m.id);
    const started = Date.now();
    const ctx: MigrationContext = {
      ...deps,
      resumeFrom: progress?.cursor ?? null,
      batchSize,
      async checkpoint(cursor, done) {
        if (!(await store.lock.renew(holder))) throw new MigrationRefusal(`migration ${m.id}: the lock was taken over by another runner (this one was judged dead); stopping`);
        await store.saveProgress(m.id, cursor, done);
      },
    };
    const base = { version: m.version, migration: m.id, runner: holder, resumed: progress !== null, tookOverFrom: tookOverFrom?.holder ?? null };
    let outcome: MigrationOutcome;
    try {
      outcome = await m.up(ctx);
    } catch (err) {
      deps.log.error({ migration: m.id, errName: (err as Error)?.name, message: (err as Error)?.message }, 'store migration failed: it resumes from its last checkpoint at the next run');
      await deps.audit
        .record({ action: 'migration.apply', actor: { type: 'system', id: 'migration' }, target: { type: 'system', id: m.id }, outcome: 'failure', details: { ...base, error: (err as Error)?.name ?? 'Error', ms: Date.now() - started } })
        .catch(() => undefined);
      throw err;
    }
    await deps.audit.record({ action: 'migration.apply', actor: { type: 'system', id: 'migration' }, target: { type: 'system', id: m.id }, outcome: 'success', details: { ...base, ...outcome, ms: Date.now() - started } });
    await store.markApplied(m.id, m.version, outcome);
    await store.clearProgress(m.id);
    deps.log.info({ migration: m.id, version: m.version, ...outcome }, 'store migration applied');
    return outcome;
  }

  /** Runs every pending migration in order, behind the lock; waits for another runner's run instead when it holds the lock. */
  async function run(): Promise<{ applied: { id: string; outcome: MigrationOutcome }[]; waited: boolean }> {
    const applied: { id: string; outcome: MigrationOutcome }[] = [];
    const deadline = Date.now() + waitMs;
    let waited = false;
    for (;;) {
      const st = await status();
      refuseNewer(st);
      if (!st.pending.length || (await stampIfNew(st))) return { applied, waited };
      const got = await store.lock.acquire(holder, lockStaleMs);
      if (!got.acquired) {
        if (Date.now() > deadline)
          throw new MigrationRefusal(`store migrations are being run by ${got.heldBy?.holder ?? 'another runner'} (lock renewed ${got.heldBy?.at.toISOString() ?? '?'}); waited ${Math.round(waitMs / 1000)} s`);
        waited = true;
        await sleep(pollMs);
        continue;
      }
      try {
        // Read again under the lock: another runner may have applied some meanwhile.
        const locked = await status();
        refuseNewer(locked);
        for (const m of locked.pending) applied.push({ id: m.id, outcome: await apply(m, got.tookOverFrom) });
        return { applied, waited };
      } finally {
        await store.lock.release(holder).catch(() => undefined);
      }
    }
  }

  return {
    holder,
    status,
    run,
    /**
     * The start-up check (src/deps.ts): refuses a store migrated by a newer
     * version; with pending migrations, runs them when `runOnStart`, else
     * refuses and names them.
     */
    async atStart(policy: { runOnStart: boolean }) {
      const st = await status();
      refuseNewer(st);
      if (!st.pending.length || (await stampIfNew(st))) return { applied: [], waited: false };
      if (!policy.runOnStart)
        throw new MigrationRefusal(
          `${st.pending.length} store migration(s) pending (${st.pending.map((m) => `${m.version} ${m.id}`).join(', ')}): run \`npm run admin -- migrate\` first, or start one process with MIGRATE_ON_START=true`,
        );
      return run();
    },
  };
}
