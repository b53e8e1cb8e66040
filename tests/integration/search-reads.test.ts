/**
 * A search page in store commands (the driver's command monitoring, switched on through the connection string, as
 * tests/integration/list-reads.test.ts counts the lists). Before, the deconfliction walk read every slot of every
 * walked term a second time and located every report under them again, on every page, whatever the page walk had
 * read: for an investigator, "awaiting triage" is never noticed when no report under the terms awaits triage, so
 * the walk always ran to each term's end. Now it starts from what the page walk read, and looks for a report
 * awaiting triage only above each term's routed floor (reports/store/search-index.ts `routedFloor`), which a walk
 * that covered the term raises. What the notices say is unchanged: the floor never hides a report awaiting triage
 * (played here), and tests/integration/adversary/search-oracle.test.ts keeps the answers free of any oracle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { Q, recordCall, triageDirectly } from '../support/desk.js';

const SEARCH = `query($filter: ReportSearchInput!, $first: Int) {
  searchReports(filter: $filter, first: $first) { edges { node { reference desk } } pageInfo { hasNextPage } deconfliction { desk message } deconflictionComplete }
}`;

const STATUS = `query($filter: ReportSearchInput!) { searchReports(filter: $filter, first: 5) { edges { node { status } } } }`;

/** Two dozen reports under one name, every other one on SO12 (readable to the viewer) and SO13 (not), all triaged. */
const CROWDED = 'Bartholomew Quintavalle';
const REPORTS = 24;
/** A name whose reports the test sends to triage and back, one at a time. */
const PENDING = 'Evangeline Thistlewood';

let app: TestApp;
let handler: { token: string };
let so12: { token: string };
let supervisor: { token: string };
let commands: string[] = [];

const call = (i: number, name: string) => recordCall(app, handler.token, i, { subjects: [{ name }], vehicles: [], locations: [], caller: null });

const ENTITY = `query($ref: ID!) { entity(ref: $ref) { value reports { edges { node { reference } } deconfliction { desk } } } }`;
const REFS = `query($id: ID!) { report(id: $id) { entities { kind ref } } }`;

/** The store commands (`<command> <collection>`) one search sends to this test's database, and its answer. */
async function counted(filter: Record<string, unknown>, first: number, token = so12.token) {
  commands = [];
  const res = await app.gql(SEARCH, { filter, first }, token);
  const seen = [...commands];
  expect(res.errors).toBeUndefined();
  return { answer: res.data.searchReports, finds: (collection: string) => seen.filter((c) => c === `find ${collection}`).length, total: seen.length };
}

/** The terms a search for `name` walks (its phonetic lookup terms: a name of two words has no part terms to walk). */
const walked = (name: string) => [...new Set(app.deps.crypto.blindIndex.phoneticLookupTermsFor(name))];

beforeAll(async () => {
  // No worker: a recorded call stays awaiting triage until the test routes it.
  app = await bootMonitored((e) => commands.push(commandOf(e)));
  [handler, so12, supervisor] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO12'), createStaff(app, 'SUPERVISOR')]);
  for (let i = 0; i < REPORTS; i++) await triageDirectly(app, await call(900 + i, CROWDED), i % 2 ? 'SO13' : 'SO12', 'P4');
});
afterAll(() => app?.close());

const SO13_ONLY = [{ desk: 'SO13', message: 'A report on desk SO13 matches one of your terms' }];
const SO13_AND_AWAITING = [...SO13_ONLY, { desk: null, message: 'A report awaiting triage matches one of your terms' }];

describe('a search page in store commands', () => {
  it('locates each report under the terms once, then reads no slot the page walk read or the routed floor covers', async () => {
    const slots = (await Promise.all(walked(CROWDED).map((t) => app.deps.reports.search.count(t)))).reduce((a, b) => a + b, 0);
    expect(slots).toBeGreaterThanOrEqual(REPORTS);

    // The first search of the terms walks them to their ends (no floor yet): each report is read or located once.
    const cold = await counted({ subjectName: CROWDED }, 5);
    expect(cold.answer.edges).toHaveLength(5);
    expect(cold.answer.pageInfo.hasNextPage).toBe(true);
    expect(cold.answer.edges.every((e: { node: { desk: string } }) => e.node.desk === 'SO12')).toBe(true);
    expect({ notices: cold.answer.deconfliction, complete: cold.answer.deconflictionComplete }).toEqual({ notices: SO13_ONLY, complete: true });
    expect(cold.finds('reports')).toBeLessThanOrEqual(REPORTS);
    // It left each walked term's floor at its count: no report under it awaits triage.
    for (const t of walked(CROWDED)) expect(await app.deps.reports.search.routedFloor(t)).toBe(await app.deps.reports.search.count(t));

    // The same page again: the page walk's reads, and nothing of the deconfliction walk but the floors.
    const warm = await counted({ subjectName: CROWDED }, 5);
    expect({ notices: warm.answer.deconfliction, complete: warm.answer.deconflictionComplete }).toEqual({ notices: SO13_ONLY, complete: true });
    expect(warm.answer.edges).toEqual(cold.answer.edges);
    // Before: every slot of every walked term read again (plus their counts and the page's), every report located again.
    expect(warm.finds('search_terms')).toBeLessThan(slots);
    expect(warm.finds('reports')).toBeLessThan(REPORTS);
    // The readable candidates the first page read were kept (src/reports/store/report-cache.ts): not read again, only
    // the other desk's, which are never kept unchecked (at most the 12 on SO13; 14 reads before copies were kept).
    expect(warm.finds('reports')).toBeLessThanOrEqual(REPORTS / 2);
    // The same freshness checks as the first page (two lookups each): a kept copy's in place of a fresh read's, and
    // another desk's candidate still not checked unless it is decrypted (one SO13 report here).
    expect(warm.finds('report_versions')).toBe(cold.finds('report_versions'));
    console.info(
      `search page (first 5, ${REPORTS} reports under ${walked(CROWDED).length} walked terms, ${slots} slots): cold ${cold.total} store commands ` +
        `(find search_terms ${cold.finds('search_terms')}, find reports ${cold.finds('reports')}), warm ${warm.total} (find search_terms ${warm.finds('search_terms')}, find reports ${warm.finds('reports')}, find report_versions ${warm.finds('report_versions')})`,
    );
  });

  it('still notices a report awaiting triage, below or above a floor, and only while it awaits; a floor never passes one', async () => {
    const notices = async () => {
      const { answer } = await counted({ subjectName: PENDING }, 5);
      return { notices: answer.deconfliction, complete: answer.deconflictionComplete, desks: answer.edges.map((e: { node: { desk: string } }) => e.node.desk) };
    };
    const floorsNow = () => Promise.all(walked(PENDING).map((t) => app.deps.reports.search.routedFloor(t)));
    const countsNow = () => Promise.all(walked(PENDING).map((t) => app.deps.reports.search.count(t)));
    // The oldest report under the name awaits triage, with routed ones filed after it.
    const oldest = await call(950, PENDING);
    for (let i = 0; i < 6; i++) await triageDirectly(app, await call(951 + i, PENDING), 'SO13', 'P4');
    for (let round = 0; round < 2; round++) expect(await notices()).toEqual({ notices: SO13_AND_AWAITING, complete: true, desks: [] });
    expect(await floorsNow()).toEqual(walked(PENDING).map(() => 0));
    // Routed: no longer awaiting. The walk covers the terms, and raises their floors past it.
    await triageDirectly(app, oldest, 'SO13', 'P4');
    for (let round = 0; round < 2; round++) expect(await notices()).toEqual({ notices: SO13_ONLY, complete: true, desks: [] });
    const raised = await countsNow();
    expect(await floorsNow()).toEqual(raised);

    // Filed above the floor and awaiting triage, below where the page walk stops (a dozen readable reports filed after
    // it, then one on SO13 the page walk notices): the deconfliction walk finds it between the floor and the page.
    const later = await call(960, PENDING);
    for (let i = 0; i < 12; i++) await triageDirectly(app, await call(961 + i, PENDING), 'SO12', 'P4');
    await triageDirectly(app, await call(973, PENDING), 'SO13', 'P4');
    expect(await notices()).toEqual({ notices: SO13_AND_AWAITING, complete: true, desks: ['SO12', 'SO12', 'SO12', 'SO12', 'SO12'] });
    // The floors did not pass it while it awaited triage.
    expect(await floorsNow()).toEqual(raised);
    await triageDirectly(app, later, 'SO12', 'P4');
    expect(await notices()).toEqual({ notices: SO13_ONLY, complete: true, desks: ['SO12', 'SO12', 'SO12', 'SO12', 'SO12'] });
    expect(await floorsNow()).toEqual(await countsNow());

    // A slot whose report is not stored (an intake between filing and storing it) holds a floor below it.
    const [term] = walked(PENDING);
    const ghostSlot = await app.deps.reports.search.count(term!);
    await app.deps.reports.fileSearchTerms(`not-stored-${Date.now()}`, [term!]);
    await triageDirectly(app, await call(974, PENDING), 'SO13', 'P4');
    expect(await notices()).toEqual({ notices: SO13_ONLY, complete: true, desks: ['SO12', 'SO12', 'SO12', 'SO12', 'SO12'] });
    expect((await floorsNow())[0]).toBe(ghostSlot);
  });

  it('sees a candidate it kept from an earlier search as it is now: claimed, then referred to a desk the viewer may not read', async () => {
    const name = 'Peregrine Featherstonehaugh';
    const id = await call(990, name);
    await triageDirectly(app, id, 'SO12', 'P4');
    const page = async () => (await counted({ subjectName: name }, 5)).answer;
    const first = await page();
    expect(first.edges.map((e: { node: { desk: string } }) => e.node.desk)).toEqual(['SO12']);
    // Kept by that search (src/reports/store/report-cache.ts): the next one reads its version claim, not the report.
    const again = await counted({ subjectName: name }, 5);
    expect(again.finds('reports')).toBe(0);
    const claimed = await app.gql(Q.claim, { id }, so12.token);
    expect(claimed.errors).toBeUndefined();
    expect((await app.gql(STATUS, { filter: { subjectName: name } }, so12.token)).data.searchReports.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(['ASSIGNED']);
    const referred = await app.gql(Q.refer, { id, desk: 'SO13', reason: 'Their case' }, so12.token);
    expect(referred.errors).toBeUndefined();
    // Not a hit from the copy: another desk's report now, which the viewer only hears of.
    expect(await page()).toMatchObject({ edges: [], deconfliction: SO13_ONLY, deconflictionComplete: true });
  });

  it("checks another desk's candidate once when it is a copy kept by an earlier search: not again before it is decrypted", async () => {
    const name = 'Hieronymus Wolstenholme';
    await triageDirectly(app, await call(995, name), 'SO13', 'P4');
    // A supervisor may read every desk: their search checks the SO13 report and keeps it (report-cache.ts).
    const bySupervisor = await counted({ subjectName: name }, 5, supervisor.token);
    expect(bySupervisor.answer.edges.map((e: { node: { desk: string } }) => e.node.desk)).toEqual(['SO13']);
    // The SO12 investigator's page walk takes the kept copy (its claim and tombstone looked up); the deconfliction then
    // decrypts it for the notice without looking them up again (two claim lookups before).
    const byInvestigator = await counted({ subjectName: name }, 5);
    expect(byInvestigator.answer).toMatchObject({ edges: [], deconfliction: SO13_ONLY, deconflictionComplete: true });
    expect(byInvestigator.finds('reports')).toBe(0);
    expect(byInvestigator.finds('report_versions')).toBe(1);
  });

  it('opens an entity page a second time from the reports the first kept: their freshness records read, not the reports', async () => {
    const name = 'Leopoldina Ravenscroft';
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await call(996 + i, name));
      await triageDirectly(app, ids[i]!, 'SO12', 'P4');
    }
    const refs = await app.gql(REFS, { id: ids[0] }, so12.token);
    expect(refs.errors).toBeUndefined();
    const ref = (refs.data.report.entities as { kind: string; ref: string }[]).find((e) => e.kind === 'name')!.ref;
    const open = async () => {
      commands = [];
      const res = await app.gql(ENTITY, { ref }, so12.token);
      expect(res.errors).toBeUndefined();
      return { page: res.data.entity, finds: (c: string) => commands.filter((x) => x === `find ${c}`).length };
    };
    const first = await open();
    expect(first.page.value).toBe(name);
    expect(first.page.reports.edges).toHaveLength(3);
    expect(first.finds('reports')).toBeGreaterThanOrEqual(1);
    // The page's own report (its value opened) and its search's hits come from the copies: before, the page's report
    // was read again on every opening.
    const second = await open();
    expect(second.page).toEqual(first.page);
    expect(second.finds('reports')).toBe(0);
    expect(second.finds('report_versions')).toBeGreaterThanOrEqual(1);
  });

  it('keeps the routed floor sealed to its term: a forged or copied one is not believed', async () => {
    const [term] = walked(CROWDED);
    const [other] = walked(PENDING);
    const floors = app.deps.database.db.collection<{ _id: string; floor: unknown }>('search_terms');
    const stored = await floors.findOne({ _id: `${term}#r` });
    expect(stored).not.toBeNull();
    expect(JSON.stringify(stored)).not.toContain(`"floor":${await app.deps.reports.search.count(term!)}`);
    // Copied to another term, or written in the clear: worth nothing (0: walk the whole term).
    await floors.replaceOne({ _id: `${other}#r` }, { floor: stored!.floor }, { upsert: true });
    expect(await app.deps.reports.search.routedFloor(other!)).toBe(0);
    await floors.replaceOne({ _id: `${other}#r` }, { floor: 1_000_000 }, { upsert: true });
    expect(await app.deps.reports.search.routedFloor(other!)).toBe(0);
  });
});
