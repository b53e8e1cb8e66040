/**
 * The consonant skeleton filed under its script's code (issue 26, names in
 * other scripts), on the real services: a skeleton confirms only when one of
 * the two names is not Latin, so a Latin name ("Ahmed") no longer reads,
 * decrypts and audits the Latin names sharing its skeleton ("Hamid"), in
 * search or in linking, while محمد still meets Mohammed both ways, as a
 * search hit and as a possible link; and store migration 4 files the
 * reports of the release before under the new codes, takes them out of the
 * bare ones (a report changed meanwhile read again first), runs twice to no
 * effect and resumes when killed.
 *
 * The index key is fixed (not random as in other tests): terms are 16-bit,
 * so a random key could make Hamid a coincidental candidate of Ahmed; with
 * this key the test checks that no term of theirs coincides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageProcessorOf } from '../../src/worker.js';
import { createMigrationRunner, MIGRATIONS, type Migration } from '../../src/migrations/index.js';
import { SKELETON_SCRIPTS_MIGRATION } from '../../src/migrations/0004-skeleton-scripts.js';
import { createUserRepository } from '../../src/auth/repository.js';
import { createMfaRepository } from '../../src/auth/mfa-repository.js';
import { createLogger } from '../../src/logger.js';
import { searchTermsOf } from '../../src/reports/model/indexed-content.js';
import { createContentVault } from '../../src/reports/content/vault.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { auditEntries, findReport, recordCall } from '../support/desk.js';

const INDEX_KEY = Buffer.alloc(32, 33).toString('base64');

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
const ids = {} as Record<'hamid' | 'arabic' | 'ahmed' | 'mohammed' | 'arabicHamid', string>;

const SEARCH = `query($filter: ReportSearchInput!) {
  searchReports(filter: $filter, first: 50) { edges { node { matches report { id } } } }
}`;
const hits = async (subjectName: string) => {
  const res = await app.gql(SEARCH, { filter: { subjectName } }, supervisor.token);
  expect(res.errors).toBeUndefined();
  return new Map<string, string[]>(res.data.searchReports.edges.map((e: any) => [e.node.report.id, e.node.matches]));
};
/** A call naming one subject, routed by triage (linking included). */
const routed = async (i: number, name: string) => {
  const id = await recordCall(app, handler.token, i, { categories: ['FINANCE'], subjects: [{ name }], vehicles: [], locations: [], caller: null });
  expect(await triageProcessorOf(app.deps).route(id)).toBe('routed');
  return id;
};
/** Every decryption of a report is audited as a `report.read` under it: how many so far. */
const readsOf = async (id: string) => (await auditEntries(app, 'report.read', id)).length;

beforeAll(async () => {
  app = await bootApp({ env: { HOTLINE_INDEX_KEY: INDEX_KEY } });
  [handler, supervisor] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'SUPERVISOR')]);
  ids.hamid = await routed(1, 'Hamid');
  ids.arabic = await routed(2, 'محمد');
});
afterAll(() => app?.close());

describe('a Latin name and the Latin names that share only its skeleton', () => {
  it('the fixed key makes no coincidence: Ahmed looks up no term Hamid is filed under, where the bare skeleton was one', () => {
    const ix = app.deps.crypto.blindIndex;
    const hamidFiled = [ix.termFor('name', 'Hamid')!, ...ix.phoneticTermsFor('Hamid')];
    const ahmedLooks = [...ix.phoneticLookupTermsFor('Ahmed'), ...Object.values(ix.partQueryTermsFor('Ahmed')).flat()];
    expect(ahmedLooks.filter((t) => hamidFiled.includes(t))).toEqual([]);
    // Up to migration 3 both were filed, and Ahmed looked up, under the one bare skeleton term.
    expect(ix.retiredSkeletonTermsFor('Ahmed')).toEqual(ix.retiredSkeletonTermsFor('Hamid'));
  });

  it('linking Ahmed reads no Hamid, and links them not', async () => {
    const before = await readsOf(ids.hamid);
    ids.ahmed = await routed(3, 'Ahmed');
    expect(await readsOf(ids.hamid)).toBe(before);
    expect(await app.deps.reports.findLinkEdge(ids.ahmed, ids.hamid)).toBeNull();
  });

  it('searching Ahmed decrypts no Hamid', async () => {
    const before = await readsOf(ids.hamid);
    const found = await hits('Ahmed');
    expect(found.get(ids.ahmed)).toEqual(['subjectName:EXACT']);
    expect(found.has(ids.hamid)).toBe(false);
    expect(await readsOf(ids.hamid)).toBe(before);
  });

  it('a name in another script still meets both: حامد finds Hamid and Ahmed by their skeleton, and a report naming it links possibly to each', async () => {
    const found = await hits('حامد');
    expect(found.get(ids.hamid)).toEqual(['subjectName:PHONETIC']);
    expect(found.get(ids.ahmed)).toEqual(['subjectName:PHONETIC']);
    const arabicHamid = await routed(5, 'حامد');
    for (const latin of [ids.hamid, ids.ahmed]) expect(await app.deps.reports.findLinkEdge(arabicHamid, latin)).toMatchObject({ reasons: ['namePhonetic'] });
    ids.arabicHamid = arabicHamid;
  });
});

describe('محمد and Mohammed (no Double Metaphone code in common: the skeleton alone)', () => {
  it('make a possible link', async () => {
    ids.mohammed = await routed(4, 'Mohammed');
    expect(await app.deps.reports.findLinkEdge(ids.arabic, ids.mohammed)).toMatchObject({ reasons: ['namePhonetic'] });
  });

  it('find each other in search, both ways', async () => {
    expect((await hits('Mohammed')).get(ids.arabic)).toEqual(['subjectName:PHONETIC']);
    expect((await hits('محمد')).get(ids.mohammed)).toEqual(['subjectName:PHONETIC']);
  });
});

describe('migration 4: reports of the release before are filed under the scripted skeleton codes', () => {
  const runner = (opts: { migrations?: readonly Migration[]; batchSize?: number } = {}) =>
    createMigrationRunner({
      db: app.deps.database.db,
      deps: {
        users: createUserRepository(app.deps.database.db),
        mfa: createMfaRepository(app.deps.database.db),
        reports: app.deps.reports,
        crypto: app.deps.crypto,
        audit: app.deps.services.audit,
        log: createLogger('silent'),
      },
      migrations: opts.migrations ?? MIGRATIONS,
      batchSize: opts.batchSize,
    });
  const forget = () => app.deps.database.db.collection<{ _id: string }>('migrations').deleteOne({ _id: SKELETON_SCRIPTS_MIGRATION });
  const migrationReads = async () => (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.migration === SKELETON_SCRIPTS_MIGRATION).length;
  const all = () => [ids.hamid, ids.arabic, ids.ahmed, ids.mohammed, ids.arabicHamid];

  /** Files the report as the release before did: its skeleton under the bare `~` code, of any script. */
  async function fileAsBefore(id: string) {
    const ix = app.deps.crypto.blindIndex;
    const values = createContentVault({ crypto: app.deps.crypto, reports: app.deps.reports, audit: app.deps.services.audit }).openIndexed(await findReport(app, id)).values;
    // One-word names with one Double Metaphone code: their other phonetic term is the scripted skeleton's.
    const scripted = values.name.flatMap((n) => ix.phoneticTermsFor(n).filter((t) => t !== ix.termFor('namePhonetic', n)));
    expect(scripted).toHaveLength(values.name.length);
    const bare = values.name.flatMap((n) => ix.retiredSkeletonTermsFor(n));
    await app.deps.reports.fileSearchTerms(id, [...searchTermsOf(ix, values).filter((t) => !scripted.includes(t)), ...bare]);
    return { scripted, bare };
  }
  /** The reports filed under `term` now (blanked slots left out). */
  const holders = async (term: string) => (await app.deps.reports.search.read(term, await app.deps.reports.search.count(term), 100)).map((s) => s.reportId).filter(Boolean);

  it('files old reports under the new codes, takes them out of the bare ones, audits each read; a second run does nothing', async () => {
    const old = await Promise.all(all().map(fileAsBefore));
    await forget();
    // The old shape: Mohammed does not find محمد (filed only under the bare skeleton nothing looks up).
    expect((await hits('Mohammed')).has(ids.arabic)).toBe(false);
    const before = await migrationReads();

    const first = await runner().run();
    expect(first.applied.map((a) => a.id)).toEqual([SKELETON_SCRIPTS_MIGRATION]);
    expect(first.applied[0]!.outcome).toMatchObject({ examined: 5, refiled: 5, unchanged: 0, unfiled: 5, retiredLater: 0, refused: 0 });
    expect((await hits('Mohammed')).get(ids.arabic)).toEqual(['subjectName:PHONETIC']);
    expect((await hits('محمد')).get(ids.mohammed)).toEqual(['subjectName:PHONETIC']);
    for (const [i, id] of all().entries()) {
      for (const t of old[i]!.scripted) expect(await holders(t)).toContain(id);
      for (const t of old[i]!.bare) expect(await holders(t)).not.toContain(id);
    }
    expect((await migrationReads()) - before).toBe(5);

    await forget();
    const again = await runner().run();
    expect(again.applied[0]!.outcome).toMatchObject({ examined: 5, refiled: 0, unchanged: 5, unfiled: 0, refused: 0 });
  });

  it('a report changed between its read and its unfiling is read again from its new version before it leaves the bare terms', async () => {
    await Promise.all(all().map(fileAsBefore));
    await forget();
    const before = await migrationReads();
    let changed = false;
    // Plays a referral committed right after the migration filed Hamid's new terms from its read.
    const reports = new Proxy(app.deps.reports, {
      get(target, prop, receiver) {
        if (prop !== 'fileSearchTerms') return Reflect.get(target, prop, receiver);
        return async (id: string, terms: readonly string[], opts?: { addOnly?: boolean }) => {
          const filed = await target.fileSearchTerms(id, terms, opts);
          if (id === ids.hamid && !changed) {
            changed = true;
            const doc = await findReport(app, id);
            const desk = doc.desk === 'SO12' ? 'SO13' : 'SO12';
            await target.applyChange(doc, { set: { desk }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'referred', from: { desk: doc.desk }, to: { desk }, reason: 'test' }] });
          }
          return filed;
        };
      },
    });
    const run = await createMigrationRunner({
      db: app.deps.database.db,
      deps: { users: createUserRepository(app.deps.database.db), mfa: createMfaRepository(app.deps.database.db), reports, crypto: app.deps.crypto, audit: app.deps.services.audit, log: createLogger('silent') },
      migrations: MIGRATIONS,
    }).run();
    expect(changed).toBe(true);
    expect(run.applied[0]!.outcome).toMatchObject({ examined: 5, refiled: 5, unfiled: 5, retiredLater: 0, refused: 0 });
    expect((await migrationReads()) - before).toBe(6); // Hamid read twice: as it was, then as referred
    for (const t of app.deps.crypto.blindIndex.retiredSkeletonTermsFor('Hamid')) expect(await holders(t)).not.toContain(ids.hamid);
  });

  it('killed halfway, the next run resumes from its last checkpoint and decrypts no report twice', async () => {
    await Promise.all(all().map(fileAsBefore));
    await forget();
    const before = await migrationReads();
    let checkpoints = 0;
    const index = MIGRATIONS.findIndex((m) => m.id === SKELETON_SCRIPTS_MIGRATION);
    const real = MIGRATIONS[index]!;
    const killed: Migration = {
      ...real,
      up: (ctx) =>
        real.up({
          ...ctx,
          async checkpoint(cursor, done) {
            await ctx.checkpoint(cursor, done);
            if (++checkpoints === 1) throw new Error('killed');
          },
        }),
    };
    await expect(runner({ migrations: MIGRATIONS.map((m, i) => (i === index ? killed : m)), batchSize: 2 }).run()).rejects.toThrow('killed');
    expect((await migrationReads()) - before).toBe(2);
    const resumed = await runner({ batchSize: 2 }).run();
    expect(resumed.applied[0]!.outcome).toMatchObject({ examined: 3, refiled: 3, unfiled: 3, refused: 0 });
    expect((await migrationReads()) - before).toBe(5);
    expect((await hits('Mohammed')).get(ids.arabic)).toEqual(['subjectName:PHONETIC']);
    const ix = app.deps.crypto.blindIndex;
    for (const id of all()) {
      const values = createContentVault({ crypto: app.deps.crypto, reports: app.deps.reports, audit: app.deps.services.audit }).openIndexed(await findReport(app, id)).values;
      for (const t of values.name.flatMap((n) => ix.retiredSkeletonTermsFor(n))) expect(await holders(t)).not.toContain(id);
    }
  });
});
