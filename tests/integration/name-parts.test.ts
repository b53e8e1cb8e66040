/**
 * Name parts and transliteration on the real services (issue 26, item 3): a
 * surname alone finds the report, a given name misspelt finds it by sound,
 * a name in Arabic, Cyrillic or Hebrew meets its Latin spelling both ways,
 * an investigator of the other desk gets only the desk notice, and store
 * migration 3 files the reports of the release before under the new terms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { auditEntries, findReport, recordCall, triageDirectly } from '../support/desk.js';
import { createMigrationRunner, MIGRATIONS } from '../../src/migrations/index.js';
import { NAME_PARTS_MIGRATION } from '../../src/migrations/0003-name-parts.js';
import { createUserRepository } from '../../src/auth/repository.js';
import { createMfaRepository } from '../../src/auth/mfa-repository.js';
import { createLogger } from '../../src/logger.js';
import { indexTermsOf, searchTermsOf } from '../../src/reports/model/indexed-content.js';
import { createContentVault } from '../../src/reports/content/vault.js';
import { createSearchIndex } from '../../src/reports/store/search-index.js';
import type { Db } from 'mongodb';

let app: TestApp;
let handler: { token: string };
let so12: { token: string };
let so13: { token: string };
let supervisor: { token: string };
const ids = {} as Record<'rashid' | 'tarik' | 'arabic' | 'latin' | 'cyrillic' | 'hebrew', string>;

const SEARCH = `query($filter: ReportSearchInput!) {
  searchReports(filter: $filter, first: 50) { edges { node { matches report { id } } } deconfliction { desk message } }
}`;
const hits = async (token: string, subjectName: string) => {
  const res = await app.gql(SEARCH, { filter: { subjectName } }, token);
  expect(res.errors).toBeUndefined();
  return new Map<string, string[]>(res.data.searchReports.edges.map((e: any) => [e.node.report.id, e.node.matches]));
};
const call = async (i: number, name: string, desk: 'SO12' | 'SO13') => {
  const id = await recordCall(app, handler.token, i, { subjects: [{ name }], vehicles: [], locations: [] });
  await triageDirectly(app, id, desk, 'P3');
  return id;
};

beforeAll(async () => {
  app = await bootApp();
  [handler, so12, so13, supervisor] = await Promise.all([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
    createStaff(app, 'SUPERVISOR'),
  ]);
  ids.rashid = await call(1, 'Ahmed Rashid', 'SO12');
  ids.tarik = await call(2, 'Tarik Hasan', 'SO12');
  ids.arabic = await call(3, 'محمد', 'SO12');
  ids.latin = await call(4, 'Mohammed Iqbal', 'SO12');
  ids.cyrillic = await call(5, 'Владимир Путин', 'SO12');
  ids.hebrew = await call(6, 'דוד כהן', 'SO12');
});
afterAll(() => app?.close());

describe('name parts', () => {
  it('a surname alone finds the report, and says it matched a part of the name', async () => {
    const found = await hits(so12.token, 'Rashid');
    expect(found.get(ids.rashid)).toEqual(['subjectName:NAME_PART']);
    expect(found.has(ids.tarik)).toBe(false);
  });

  it('a given name misspelt finds the report by sound', async () => {
    expect((await hits(so12.token, 'Tarek')).get(ids.tarik)).toEqual(['subjectName:NAME_PART_PHONETIC']);
    expect((await hits(so12.token, 'hassan')).get(ids.tarik)).toEqual(['subjectName:NAME_PART_PHONETIC']);
  });

  it('an investigator of the other desk gets one desk notice and no hit', async () => {
    const res = await app.gql(SEARCH, { filter: { subjectName: 'Rashid' } }, so13.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.searchReports.edges).toEqual([]);
    expect(res.data.searchReports.deconfliction).toEqual([{ desk: 'SO12', message: 'A report on desk SO12 matches one of your terms' }]);
  });

  it('the search audit carries blind values of the parts, never the name typed', async () => {
    const entries = await auditEntries(app, 'report.search');
    const text = JSON.stringify(entries);
    expect(text).not.toContain('Rashid');
    expect(text).not.toContain('Tarek');
    const part = app.deps.crypto.blindIndex.partQueryTermsFor('Rashid').exact[0]!;
    expect(text).toContain(part);
  });
});

describe('transliteration', () => {
  it('محمد finds Mohammed, and Mohammed finds محمد', async () => {
    const fromArabic = await hits(supervisor.token, 'محمد');
    expect(fromArabic.get(ids.arabic)).toEqual(['subjectName:EXACT']);
    expect(fromArabic.get(ids.latin)).toEqual(['subjectName:NAME_PART_PHONETIC']); // "Mohammed Iqbal": محمد is one of its parts
    const fromLatin = await hits(supervisor.token, 'Mohammed');
    expect(fromLatin.get(ids.arabic)).toEqual(['subjectName:PHONETIC']);
    expect(fromLatin.get(ids.latin)).toEqual(['subjectName:NAME_PART']);
    expect((await hits(supervisor.token, 'Muhammad')).get(ids.arabic)).toEqual(['subjectName:PHONETIC']);
  });

  it('Cyrillic and Hebrew names meet their Latin spellings', async () => {
    expect((await hits(supervisor.token, 'Vladimir Putin')).get(ids.cyrillic)).toEqual(['subjectName:PHONETIC']);
    expect((await hits(supervisor.token, 'Putin')).get(ids.cyrillic)).toEqual(['subjectName:NAME_PART_PHONETIC']);
    expect((await hits(supervisor.token, 'David Cohen')).get(ids.hebrew)).toEqual(['subjectName:PHONETIC']);
    expect((await hits(supervisor.token, 'Cohen')).get(ids.hebrew)).toEqual(['subjectName:NAME_PART_PHONETIC']);
  });
});

describe('migration 3: reports of the release before are filed under the new terms', () => {
  const runner = () =>
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
      migrations: MIGRATIONS,
    });

  it('files old reports by name part, audits each read, and a second run files nothing', async () => {
    const ix = app.deps.crypto.blindIndex;
    // The release before filed a report under its bidx terms and the untransliterated phonetic codes of its names only.
    for (const id of [ids.rashid, ids.tarik]) {
      const doc = await findReport(app, id);
      const values = createContentVault({ crypto: app.deps.crypto, reports: app.deps.reports, audit: app.deps.services.audit }).openIndexed(doc).values;
      await app.deps.reports.fileSearchTerms(id, [...indexTermsOf(ix, values), ...values.name.flatMap((n) => ix.phoneticTermsFor(n))]);
    }
    await app.deps.database.db.collection<{ _id: string }>('migrations').deleteOne({ _id: NAME_PARTS_MIGRATION });
    expect((await hits(so12.token, 'Rashid')).has(ids.rashid)).toBe(false);
    const reads = async () => (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.migration === NAME_PARTS_MIGRATION).length;
    const before = await reads();

    const first = await runner().run();
    expect(first.applied.map((a) => a.id)).toEqual([NAME_PARTS_MIGRATION]);
    expect(first.applied[0]!.outcome).toMatchObject({ refiled: 2, refused: 0 });
    expect((await hits(so12.token, 'Rashid')).get(ids.rashid)).toEqual(['subjectName:NAME_PART']);
    expect((await hits(so12.token, 'Tarek')).get(ids.tarik)).toEqual(['subjectName:NAME_PART_PHONETIC']);
    expect((await reads()) - before).toBe(first.applied[0]!.outcome.examined);

    await app.deps.database.db.collection<{ _id: string }>('migrations').deleteOne({ _id: NAME_PARTS_MIGRATION });
    const again = await runner().run();
    expect(again.applied[0]!.outcome).toMatchObject({ refiled: 0, refused: 0 });
  });

  it('files add-only: a term a change filed after the migration read the report stays filed', async () => {
    // Plays a follow-up committed between the migration's read of the report and its filing: a term the read lacks.
    const late = app.deps.crypto.blindIndex.termFor('vehicle', 'LT24 NEW')!;
    const doc = await findReport(app, ids.rashid);
    const values = createContentVault({ crypto: app.deps.crypto, reports: app.deps.reports, audit: app.deps.services.audit }).openIndexed(doc).values;
    await app.deps.reports.fileSearchTerms(ids.rashid, [...searchTermsOf(app.deps.crypto.blindIndex, values), late]);
    await app.deps.database.db.collection<{ _id: string }>('migrations').deleteOne({ _id: NAME_PARTS_MIGRATION });
    expect((await runner().run()).applied[0]!.outcome).toMatchObject({ refiled: 0, refused: 0 });
    const filed = await app.deps.reports.search.read(late, await app.deps.reports.search.count(late), 10);
    expect(filed.map((s) => s.reportId)).toContain(ids.rashid);
  });

  it('an add-only filing keeps in the manifest the slots a sync filed meanwhile, so erasure blanks them', async () => {
    const db = app.deps.database.db;
    const real = db.collection('search_terms');
    const reportId = `addonly-${Date.now()}`;
    const [t1, t2, t3, t4] = ['t1', 't2', 't3', 't4'].map((t) => `test-addonly:${reportId}:${t}`) as [string, string, string, string];
    const exact = createSearchIndex(db, app.deps.crypto.linkIds);
    // An index whose first read of the report's manifest is answered as it was, after an exact sync files another term.
    const raced = (extra: string) => {
      let raced = false;
      const coll = new Proxy(real, {
        get(target, prop) {
          if (prop === 'findOne') {
            return async (filter: { _id?: unknown }, options?: object) => {
              const before = await target.findOne(filter as never, options as never);
              if (!raced && filter._id === `@${reportId}`) {
                raced = true;
                await exact.sync(reportId, [t1, extra]);
              }
              return before;
            };
          }
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      return createSearchIndex({ collection: (name: string) => (name === 'search_terms' ? coll : db.collection(name)) } as unknown as Db, app.deps.crypto.linkIds);
    };
    const holds = async (term: string) => (await exact.read(term, await exact.count(term), 10)).map((s) => s.reportId);
    await exact.sync(reportId, [t1]);
    // Nothing new to file: no write, so the concurrent sync's slot stays listed.
    expect(await raced(t2).sync(reportId, [t1], { addOnly: true })).toBe(0);
    // Something new to file: the manifest is read again and merged before it is written.
    expect(await raced(t3).sync(reportId, [t1, t4], { addOnly: true })).toBe(1);
    expect(await holds(t4)).toEqual([reportId]);
    // Erasure follows the manifest: every slot the report was filed in is blanked.
    await exact.remove(reportId);
    for (const term of [t1, t2, t3, t4]) expect(await holds(term), term).toEqual(['']);
  });
});
