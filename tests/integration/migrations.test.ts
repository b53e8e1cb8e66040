/**
 * The store migrations (src/migrations/) on the real store: each migration
 * on documents of the old shape, written straight into the database; run
 * twice (the second run changes nothing); killed halfway (the next run
 * resumes from the last checkpoint and finishes, deciphering no report
 * twice); the start-up checks (a store migrated by a newer version, pending
 * migrations in production without MIGRATE_ON_START); and the lock (two
 * runners at once: one runs, the other waits and finds nothing to do; a
 * stale lock taken over).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMfaRepository } from '../../src/auth/mfa-repository.js';
import { createUserRepository } from '../../src/auth/repository.js';
import { legacyUserBody, userSealOk } from '../../src/auth/seal.js';
import { CREDENTIALS_MIGRATION } from '../../src/auth/credential-migration.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { createMigrationRunner, MIGRATIONS, type Migration, type MigrationDeps } from '../../src/migrations/index.js';
import { SEARCH_TERMS_MIGRATION } from '../../src/migrations/0002-search-terms.js';
import { bootApp, type TestApp } from '../support/app.js';
import { startMain } from '../support/spawn.js';
import { createStaff, createUserWithRoles } from '../support/factories.js';
import { auditEntries, recordCall, triageDirectly } from '../support/desk.js';

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
const reportIds: string[] = [];

const db = () => app.deps.database.db;
const migrations = () => db().collection<{ _id: string; [k: string]: unknown }>('migrations');
const searchTerms = () => db().collection('search_terms');
const depsOf = (over: Partial<MigrationDeps> = {}): MigrationDeps => ({
  users: createUserRepository(db()),
  mfa: createMfaRepository(db()),
  reports: app.deps.reports,
  crypto: app.deps.crypto,
  audit: app.deps.services.audit,
  log: createLogger('silent'),
  ...over,
});
const runner = (opts: { migrations?: readonly Migration[]; deps?: MigrationDeps; batchSize?: number; holder?: string } = {}) =>
  createMigrationRunner({ db: db(), deps: opts.deps ?? depsOf(), migrations: opts.migrations ?? MIGRATIONS, batchSize: opts.batchSize, holder: opts.holder });
/** Makes a migration pending again (its applied record removed), as on a store that never ran it. */
const forget = (id: string) => migrations().deleteOne({ _id: id });

const SEARCH = `query($filter: ReportSearchInput!) { searchReports(filter: $filter, first: 20) { edges { node { report { id } } } } }`;
const NAMES = ['Oswald Fairweather', 'Perpetua Nightingale', 'Quentin Blackwood', 'Rosalind Thistlewaite', 'Septimus Harrowgate'];
const found = async (name: string): Promise<string[]> => {
  const res = await app.gql(SEARCH, { filter: { subjectName: name } }, supervisor.token);
  expect(res.errors).toBeUndefined();
  return res.data.searchReports.edges.map((e: any) => e.node.report.id);
};
const migrationReads = async () => (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.purpose === 'migration');
/** The reports as the release before the search table stored them: the table empty, the migration never run. */
const searchTableOfOldRelease = async () => {
  await searchTerms().deleteMany({});
  await forget(SEARCH_TERMS_MIGRATION);
};

beforeAll(async () => {
  app = await bootApp();
  [handler, supervisor] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'SUPERVISOR')]);
  for (const [i, name] of NAMES.entries()) {
    const id = await recordCall(app, handler.token, i, { subjects: [{ name }], vehicles: [], locations: [] });
    await triageDirectly(app, id, 'SO12', 'P3');
    reportIds.push(id);
  }
});
afterAll(() => app?.close());

describe('the list', () => {
  it('numbers its migrations 1..n in order, with distinct ids and a description each', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(new Set(MIGRATIONS.map((m) => m.id)).size).toBe(MIGRATIONS.length);
    for (const m of MIGRATIONS) expect(m.description.length).toBeGreaterThan(20);
  });

  it('a new store starts at this code\'s version: every migration recorded, none run', async () => {
    const fresh = await bootApp();
    try {
      const records = await fresh.deps.database.db.collection('migrations').find({}).toArray();
      expect(records.map((r) => r._id).sort()).toEqual(MIGRATIONS.map((m) => m.id).sort());
      expect(records.every((r) => r.outcome?.newStore === true)).toBe(true);
      const st = await fresh.deps.migrations.status();
      expect(st).toMatchObject({ known: MIGRATIONS.length, storeVersion: MIGRATIONS.length, pending: [] });
      expect(await auditEntries(fresh, 'migration.apply')).toHaveLength(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('migration 2: reports stored before the search table are filed in it', () => {
  it('files every report of the old shape, audits each read, and a second run changes nothing', async () => {
    const filedBefore = await searchTerms().countDocuments();
    await searchTableOfOldRelease();
    expect(await found(NAMES[0]!)).toEqual([]); // the old shape: not findable
    const readsBefore = (await migrationReads()).length;

    const first = await runner().run();
    expect(first.applied.map((a) => a.id)).toEqual([SEARCH_TERMS_MIGRATION]);
    expect(first.applied[0]!.outcome).toMatchObject({ filed: reportIds.length, refused: 0 });
    for (const [i, name] of NAMES.entries()) expect(await found(name)).toEqual([reportIds[i]]);
    // Filed exactly as intake filed them: the same slots and manifests.
    const filed = await searchTerms().countDocuments();
    expect(filed).toBe(filedBefore);
    const reads = await migrationReads();
    expect(reads.length - readsBefore).toBe(reportIds.length);
    const applied = (await auditEntries(app, 'migration.apply', SEARCH_TERMS_MIGRATION))[0] as any;
    expect(applied).toMatchObject({ outcome: 'success', details: { version: 2, migration: SEARCH_TERMS_MIGRATION, filed: reportIds.length, resumed: false } });

    // Run again: nothing pending. And the migration itself once more (its record removed): it files and decrypts nothing.
    expect((await runner().run()).applied).toEqual([]);
    await forget(SEARCH_TERMS_MIGRATION);
    const again = await runner().run();
    expect(again.applied[0]!.outcome).toMatchObject({ examined: reportIds.length, filed: 0 });
    expect(await searchTerms().countDocuments()).toBe(filed);
    expect((await migrationReads()).length).toBe(reads.length);
  });

  it('killed halfway, the next run resumes from its last checkpoint and decrypts no report twice', async () => {
    await searchTableOfOldRelease();
    const readsBefore = (await migrationReads()).length;
    let checkpoints = 0;
    // The same migration, killed right after its first batch (2 reports) is recorded.
    const killed: Migration = {
      ...MIGRATIONS[1]!,
      up: (ctx) =>
        MIGRATIONS[1]!.up({
          ...ctx,
          async checkpoint(cursor, done) {
            await ctx.checkpoint(cursor, done);
            if (++checkpoints === 1) throw new Error('killed');
          },
        }),
    };
    await expect(runner({ migrations: [MIGRATIONS[0]!, killed, ...MIGRATIONS.slice(2)], batchSize: 2 }).run()).rejects.toThrow('killed');
    const sorted = [...reportIds].sort();
    const filedNow = await Promise.all(sorted.map((id) => app.deps.reports.search.isFiled(id)));
    expect(filedNow).toEqual(sorted.map((_, i) => i < 2));
    const st = await app.deps.migrations.status();
    expect(st.pending.map((m) => m.id)).toEqual([SEARCH_TERMS_MIGRATION]);
    expect(st.rows.find((r) => r.id === SEARCH_TERMS_MIGRATION)!.progress).toMatchObject({ cursor: sorted[1], done: 2 });
    expect(st.lock).toBeNull(); // released on the way out
    expect(((await auditEntries(app, 'migration.apply', SEARCH_TERMS_MIGRATION))[0] as any)).toMatchObject({ outcome: 'failure', details: { error: 'Error' } });

    const resumed = await runner({ batchSize: 2 }).run();
    expect(resumed.applied[0]!.outcome).toMatchObject({ examined: reportIds.length - 2, filed: reportIds.length - 2 });
    for (const [i, name] of NAMES.entries()) expect(await found(name)).toEqual([reportIds[i]]);
    expect((await migrationReads()).length - readsBefore).toBe(reportIds.length);
    expect(((await auditEntries(app, 'migration.apply', SEARCH_TERMS_MIGRATION))[0] as any).details).toMatchObject({ resumed: true });
    expect(await migrations().countDocuments({ _id: `progress:${SEARCH_TERMS_MIGRATION}` })).toBe(0);
  });
});

describe('migration 1: user records sealed before credentials were bound', () => {
  const PASSWORD = 'a long enough password for the test';
  /** Two accounts rewritten as the release before stored them (MAC over id, username, roles, desk, disabled). */
  async function oldShapeUsers(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const user = await createUserWithRoles(app.deps, { username: `old-${randomUUID().slice(0, 8)}`, password: PASSWORD, roles: ['CALL_HANDLER'], desk: null });
      const u = (await db().collection('users').findOne({ _id: user.id as never }))!;
      await db()
        .collection('users')
        .updateOne({ _id: user.id as never }, { $set: { mac: app.deps.crypto.integrity.mac('userRecord', legacyUserBody(u as never)) }, $unset: { secondFactor: '', mustChangePassword: '' } });
      ids.push(user.id);
    }
    await forget(CREDENTIALS_MIGRATION);
    return ids;
  }
  const sealOk = async (id: string) => userSealOk(app.deps.crypto.integrity, (await db().collection('users').findOne({ _id: id as never })) as never);
  const reseals = async (ids: string[]) => (await auditEntries(app, 'auth.credentials_reseal')).filter((e: any) => ids.includes(e.target?.id)).length;

  it('re-seals them once; a second run re-seals nothing', async () => {
    const ids = await oldShapeUsers();
    expect(await Promise.all(ids.map(sealOk))).toEqual([false, false]);
    const first = await runner().run();
    expect(first.applied).toEqual([{ id: CREDENTIALS_MIGRATION, outcome: { resealed: 2, failed: 0 } }]);
    expect(await Promise.all(ids.map(sealOk))).toEqual([true, true]);
    expect(await reseals(ids)).toBe(2);
    await forget(CREDENTIALS_MIGRATION);
    const again = await runner().run();
    expect(again.applied).toEqual([{ id: CREDENTIALS_MIGRATION, outcome: { resealed: 0, failed: 0 } }]);
    expect(await reseals(ids)).toBe(2);
  });

  it('killed after its first re-seal, the next run re-seals the rest', async () => {
    const ids = await oldShapeUsers();
    const users = createUserRepository(db());
    let writes = 0;
    const dying = depsOf({
      users: {
        ...users,
        updateSealed: async (...args: Parameters<typeof users.updateSealed>) => {
          if (++writes === 2) throw new Error('killed');
          return users.updateSealed(...args);
        },
      },
    });
    await expect(runner({ deps: dying }).run()).rejects.toThrow('killed');
    expect((await Promise.all(ids.map(sealOk))).filter(Boolean)).toHaveLength(1);
    expect((await app.deps.migrations.status()).pending.map((m) => m.id)).toEqual([CREDENTIALS_MIGRATION]);
    const resumed = await runner().run();
    expect(resumed.applied).toEqual([{ id: CREDENTIALS_MIGRATION, outcome: { resealed: 1, failed: 0 } }]);
    expect(await Promise.all(ids.map(sealOk))).toEqual([true, true]);
    expect(await reseals(ids)).toBe(2);
  });
});

describe('start-up checks', () => {
  it('refuses a store migrated by a newer version, at start-up and in the runner', async () => {
    await migrations().insertOne({ _id: 'from-a-newer-release', version: MIGRATIONS.length + 1, at: new Date() });
    try {
      const expected = `store migrated by a newer version (${MIGRATIONS.length + 1} > ${MIGRATIONS.length})`;
      await expect(createDeps(app.config, createLogger('silent'))).rejects.toThrow(expected);
      await expect(runner().run()).rejects.toThrow(expected);
    } finally {
      await forget('from-a-newer-release');
    }
  });

  it('in production, refuses to start with a migration pending unless MIGRATE_ON_START, and then runs it', { timeout: 60_000 }, async () => {
    await forget(SEARCH_TERMS_MIGRATION);
    await expect(createDeps({ ...app.config, migrations: { runOnStart: false } }, createLogger('silent'))).rejects.toThrow(
      /1 store migration\(s\) pending \(2 search-terms-filed-v1\): run `npm run admin -- migrate` first, or start one process with MIGRATE_ON_START=true/,
    );
    expect((await app.deps.migrations.status()).pending).toHaveLength(1);
    // The service process itself: exit 78, the refusal in its log.
    const proc = startMain({ ...app.env, NODE_ENV: 'production', LOG_LEVEL: 'info' });
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toContain('1 store migration(s) pending (2 search-terms-filed-v1)');
    const deps = await createDeps({ ...app.config, migrations: { runOnStart: true } }, createLogger('silent'));
    await deps.close();
    expect((await app.deps.migrations.status()).pending).toHaveLength(0);
  });
});

describe('the lock', () => {
  /** A migration that takes a while, appended to the list after the real ones; each test removes its record after (else the app's store would be newer than its code). */
  const slow = (runs: { n: number }): Migration => ({
    version: MIGRATIONS.length + 1,
    id: `slow-${randomUUID().slice(0, 8)}`,
    description: 'a test migration that takes half a second',
    async up(ctx) {
      runs.n++;
      await sleep(500);
      await ctx.checkpoint('end', 1);
      return { ran: true };
    },
  });

  it('of two runners started together, one runs and the other waits, then finds nothing to do', async () => {
    const runs = { n: 0 };
    const list = [...MIGRATIONS, slow(runs)];
    const [a, b] = await Promise.all([
      createMigrationRunner({ db: db(), deps: depsOf(), migrations: list, holder: 'runner-a', pollMs: 50 }).run(),
      createMigrationRunner({ db: db(), deps: depsOf(), migrations: list, holder: 'runner-b', pollMs: 50 }).run(),
    ]);
    try {
      expect(runs.n).toBe(1);
      expect([a.applied.length, b.applied.length].sort()).toEqual([0, 1]);
      expect((a.applied.length ? b : a).waited).toBe(true);
      expect(await migrations().countDocuments({ _id: '#lock' })).toBe(0);
    } finally {
      await forget(list.at(-1)!.id);
    }
  });

  it('a live lock makes a runner wait and then refuse; a stale one is taken over, and the audit says whose', async () => {
    const runs = { n: 0 };
    const list = [...MIGRATIONS, slow(runs)];
    await migrations().insertOne({ _id: '#lock', holder: 'alive', at: new Date() });
    try {
      await expect(createMigrationRunner({ db: db(), deps: depsOf(), migrations: list, lockStaleMs: 60_000, waitMs: 300, pollMs: 50 }).run()).rejects.toThrow(/being run by alive/);
      expect(runs.n).toBe(0);
      await migrations().updateOne({ _id: '#lock' }, { $set: { at: new Date(Date.now() - 120_000) } });
      const out = await createMigrationRunner({ db: db(), deps: depsOf(), migrations: list, holder: 'taker', lockStaleMs: 60_000, pollMs: 50 }).run();
      expect(out.applied.map((a) => a.id)).toEqual([list.at(-1)!.id]);
      expect(runs.n).toBe(1);
      expect(((await auditEntries(app, 'migration.apply', list.at(-1)!.id))[0] as any).details).toMatchObject({ runner: 'taker', tookOverFrom: 'alive' });
      expect(await migrations().countDocuments({ _id: '#lock' })).toBe(0);
    } finally {
      await migrations().deleteOne({ _id: '#lock', holder: 'alive' });
      await forget(list.at(-1)!.id);
    }
  });
});
