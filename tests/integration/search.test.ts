/**
 * Finding reports on the real services: search over the blind indexes
 * (exact and phonetic names, open and closed reports, the deconfliction
 * view for another desk, filters, confirmation by decryption, the audit
 * carrying blind values only), reportByReference and myReports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { auditEntries, codeOf, findReport, Q, recordCall, triageDirectly } from '../support/desk.js';
import { indexedValuesOf, searchTermsOf } from '../../src/reports/model/indexed-content.js';

let app: TestApp;
let handler: { token: string };
let so12: { token: string };
let so13: { token: string };
let supervisor: { token: string };

const SEARCH = `query($filter: ReportSearchInput!, $first: Int, $after: String) {
  searchReports(filter: $filter, first: $first, after: $after) {
    edges { cursor node { reference desk matches report { id reference status narrative } } }
    pageInfo { hasNextPage endCursor }
    deconfliction { desk message }
    deconflictionComplete
  }
}`;
const BY_REFERENCE = `query($reference: String!) { reportByReference(reference: $reference) { id reference narrative } }`;
const MINE = `{ myReports { id reference status assignee } }`;

/** A call whose only indexed values are the ones given. */
const call = (i: number, only: Record<string, unknown>) => recordCall(app, handler.token, i, { subjects: [], vehicles: [], locations: [], ...only });

const ids = {} as Record<"mohammed" | "muhammad" | "closed" | "other", string>;

beforeAll(async () => {
  app = await bootApp();
  [handler, so12, so13, supervisor] = await Promise.all([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
    createStaff(app, 'SUPERVISOR'),
  ]);
  ids.mohammed = await call(1, { subjects: [{ name: 'Mohammed Khan', phone: '020 7946 0001' }], borough: 'CAMDEN' });
  ids.muhammad = await call(2, { subjects: [{ name: 'Muhammad Khan' }], vehicles: [{ registration: 'LV70 QRS' }], borough: 'HACKNEY' });
  ids.closed = await call(3, { subjects: [{ name: 'Mohammed Khan' }], locations: [{ postcode: 'E1 6AN' }], borough: 'CAMDEN' });
  ids.other = await call(4, { subjects: [{ name: 'Jane Doe' }], vehicles: [{ registration: 'AB12 CDE' }] });
  await triageDirectly(app, ids.mohammed, 'SO12', 'P3');
  await triageDirectly(app, ids.muhammad, 'SO13', 'P3');
  await triageDirectly(app, ids.closed, 'SO12', 'P4');
  await triageDirectly(app, ids.other, 'SO12', 'P4');
  // Closed as the workflow leaves it (the state machine's path is covered elsewhere).
  const doc = await findReport(app, ids.closed);
  await app.deps.reports.applyChange(doc, {
    set: { status: 'CLOSED', closedAt: new Date() },
    history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'closed', from: { status: 'TRIAGED' }, to: { status: 'CLOSED' }, reason: null }],
  });
});
afterAll(() => app?.close());

const search = (token: string, filter: Record<string, unknown>, first?: number, after?: string) => app.gql(SEARCH, { filter, first, after }, token);
const refOf = async (id: string) => (await findReport(app, id)).reference;

describe('searchReports', () => {
  it('meets spelling variants of a name through the phonetic index, open and closed, and says how each matched', async () => {
    const res = await search(supervisor.token, { subjectName: 'mohammed  KHAN' });
    expect(res.errors).toBeUndefined();
    const hits = res.data.searchReports.edges.map((e: any) => e.node);
    const byRef = new Map(hits.map((h: any) => [h.reference, h]));
    expect(hits).toHaveLength(3);
    expect(byRef.get(await refOf(ids.mohammed))).toMatchObject({ desk: 'SO12', matches: ['subjectName:EXACT'] });
    expect(byRef.get(await refOf(ids.muhammad))).toMatchObject({ desk: 'SO13', matches: ['subjectName:PHONETIC'] });
    const closed: any = byRef.get(await refOf(ids.closed));
    expect(closed).toMatchObject({ matches: ['subjectName:EXACT'] });
    // A supervisor reads every desk: nothing to deconflict.
    expect(res.data.searchReports.deconfliction).toEqual([]);
    expect(closed.report).toMatchObject({ id: ids.closed, status: 'CLOSED' });
    expect(closed.report.narrative).toEqual(expect.any(String));
  });

  it('shows an investigator of the other desk one deconfliction notice for that desk, and no hit of it', async () => {
    const res = await search(so13.token, { subjectName: 'Mohammed Khan', desk: 'SO12' });
    expect(res.errors).toBeUndefined();
    // Their own desk's phonetic match is not on SO12: no hit; the two SO12 reports are one notice, with no reference.
    expect(res.data.searchReports.edges).toEqual([]);
    expect(res.data.searchReports.deconfliction).toEqual([{ desk: 'SO12', message: 'A report on desk SO12 matches one of your terms' }]);
    expect(res.data.searchReports.deconflictionComplete).toBe(true);
    // Their own desk's report is readable to them.
    const own = await search(so13.token, { vehicleRegistration: 'lv70qrs' });
    expect(own.data.searchReports.edges[0].node).toMatchObject({ report: { id: ids.muhammad } });
    expect(own.data.searchReports.deconfliction).toEqual([]);
  });

  it('narrows with combined terms and filters', async () => {
    const both = await search(supervisor.token, { subjectName: 'Mohammed Khan', postcode: 'e16an' });
    expect(both.data.searchReports.edges.map((e: any) => e.node.reference)).toEqual([await refOf(ids.closed)]);
    const open = await search(supervisor.token, { subjectName: 'Mohammed Khan', status: 'TRIAGED', borough: 'CAMDEN' });
    expect(open.data.searchReports.edges.map((e: any) => e.node.reference)).toEqual([await refOf(ids.mohammed)]);
    const none = await search(supervisor.token, { subjectName: 'Mohammed Khan', receivedTo: '2000-01-01T00:00:00Z' });
    expect(none.data.searchReports.edges).toEqual([]);
    const phone = await search(supervisor.token, { phone: '+44 (0)20 7946 0001' });
    expect(phone.data.searchReports.edges.map((e: any) => e.node.reference)).toEqual([await refOf(ids.mohammed)]);
  });

  it('pages with a cursor', async () => {
    const first = await search(supervisor.token, { subjectName: 'Muhammad Khan' }, 2);
    expect(first.data.searchReports.edges).toHaveLength(2);
    expect(first.data.searchReports.pageInfo.hasNextPage).toBe(true);
    const rest = await search(supervisor.token, { subjectName: 'Muhammad Khan' }, 2, first.data.searchReports.pageInfo.endCursor);
    expect(rest.data.searchReports.edges).toHaveLength(1);
    expect(rest.data.searchReports.pageInfo.hasNextPage).toBe(false);
    const all = [...first.data.searchReports.edges, ...rest.data.searchReports.edges].map((e: any) => e.node.reference).sort();
    expect(all).toEqual([await refOf(ids.mohammed), await refOf(ids.muhammad), await refOf(ids.closed)].sort());
  });

  it('refuses a search with no term, and a term that does not normalise', async () => {
    expect(codeOf(await search(supervisor.token, { desk: 'SO12' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await search(supervisor.token, { subjectName: '   ' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await search(supervisor.token, { phone: 'not a phone' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await search(handler.token, { subjectName: 'Mohammed' }))).toBe('FORBIDDEN');
  });

  it('confirms candidates by decryption: a report filed under a colliding term is not returned, but its read is audited', async () => {
    // Plays a collision of the truncated index: `other` filed under the vehicle term of LV70 QRS.
    const term = app.deps.crypto.blindIndex.termFor('vehicle', 'LV70QRS')!;
    const other = await findReport(app, ids.other);
    await app.deps.reports.fileSearchTerms(ids.other, [...searchTermsOf(app.deps.crypto.blindIndex, indexedValuesOf({ vehicles: [{ registration: 'AB12 CDE' }], subjects: [{ name: 'Jane Doe' }] } as never)), term]);
    const res = await search(supervisor.token, { vehicleRegistration: 'LV70QRS' });
    expect(res.data.searchReports.edges.map((e: any) => e.node.reference)).toEqual([await refOf(ids.muhammad)]);
    const reads = (await auditEntries(app, 'report.read', other._id)).filter((e) => e.details.purpose === 'search');
    expect(reads.some((e) => e.details.matched === false && e.details.disclosed === false)).toBe(true);
  });

  it('audits every search with term kinds and blind-index values, never the plaintext', async () => {
    await search(so12.token, { subjectName: 'Zebedee Quartermaine', vehicleRegistration: 'QX19 ZZZ' });
    const nameTerm = app.deps.crypto.blindIndex.termFor('name', 'Zebedee Quartermaine');
    const entry = (await auditEntries(app, 'report.search')).find((e) => JSON.stringify(e.details).includes(nameTerm!))!;
    expect(entry).toMatchObject({ actor: { type: 'user' }, details: { hits: 0, filters: { desk: null } } });
    const plateTerm = app.deps.crypto.blindIndex.termFor('vehicle', 'QX19 ZZZ');
    expect(entry.details.terms).toEqual([
      { field: 'subjectName', kind: 'name', blindIndex: [nameTerm], variants: app.deps.crypto.blindIndex.phoneticLookupTermsFor('Zebedee Quartermaine') },
      { field: 'vehicleRegistration', kind: 'vehicle', blindIndex: [plateTerm], variants: [] },
    ]);
    const raw = JSON.stringify(await app.deps.database.db.collection('audit').find({}).toArray()).toLowerCase();
    for (const plain of ['zebedee', 'quartermaine', 'qx19', 'mohammed', 'muhammad', 'lv70']) expect(raw).not.toContain(plain);
  });
});

describe('reportByReference and myReports', () => {
  it('reads a report by reference under the rules and audit of `report`', async () => {
    const reference = await refOf(ids.mohammed);
    const res = await app.gql(BY_REFERENCE, { reference: ` ${reference.toLowerCase()} ` }, so12.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.reportByReference).toMatchObject({ id: ids.mohammed, reference, narrative: expect.any(String) });
    expect((await auditEntries(app, 'report.read', ids.mohammed)).some((e) => e.details.reference === reference && !e.details.purpose)).toBe(true);
    expect(codeOf(await app.gql(BY_REFERENCE, { reference }, so13.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(BY_REFERENCE, { reference: 'ATH-2000-999999' }, so12.token))).toBe('NOT_FOUND');
    expect(codeOf(await app.gql(BY_REFERENCE, { reference: 'nonsense' }, so12.token))).toBe('NOT_FOUND');
    expect(codeOf(await app.gql(BY_REFERENCE, { reference }, handler.token))).toBe('FORBIDDEN');
  });

  it('lists the reports I hold, and only mine', async () => {
    expect((await app.gql(Q.claim, { id: ids.other }, so12.token)).errors).toBeUndefined();
    const mine = await app.gql(MINE, {}, so12.token);
    expect(mine.errors).toBeUndefined();
    expect(mine.data.myReports.map((r: any) => r.id)).toEqual([ids.other]);
    expect(mine.data.myReports[0]).toMatchObject({ status: 'ASSIGNED' });
    expect((await app.gql(MINE, {}, so13.token)).data.myReports).toEqual([]);
  });

  it('forgets an erased report: search no longer finds it', async () => {
    const reference = await refOf(ids.muhammad);
    const erased = await app.gql(Q.erase, { id: ids.muhammad, reason: 'Retention: erased at the subject request' }, supervisor.token);
    expect(erased.errors).toBeUndefined();
    const res = await search(supervisor.token, { vehicleRegistration: 'LV70 QRS' });
    expect(res.data.searchReports.edges.map((e: any) => e.node.reference)).not.toContain(reference);
    const slots = await app.deps.database.db.collection('search_terms').find({ _id: `@${ids.muhammad}` as never }).toArray();
    expect(slots).toEqual([]);
  });
});
