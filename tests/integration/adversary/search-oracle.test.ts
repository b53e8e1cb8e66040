/**
 * Search is not an oracle across desks (trust review 2, item 3), played by
 * an SO12 investigator against SO13 material. Before, the filters (status,
 * category, borough, received dates) and every extra term were applied to
 * reports the viewer could not read, and the hit came back with its
 * reference and which terms matched: guessed names and postcodes were
 * confirmed, and status, category and received time learnt (the time by a
 * binary search on dates). Now a report the viewer may not read answers
 * only "a report on desk SO13 matches one of your terms": the same answer
 * whatever the filters, whether one term or both match, and however many
 * such reports there are; the readable hits and their paging do not move
 * with it either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { findReport, recordCall, triageDirectly } from '../../support/desk.js';
import { createStaff } from '../../support/factories.js';

let app: TestApp;
let handler: { token: string };
let so12: { token: string };

/** What the old and the new schema both offer of a hit: a change of this answer is an oracle. */
const HITS = `query($filter: ReportSearchInput!, $first: Int, $after: String) {
  searchReports(filter: $filter, first: $first, after: $after) { edges { cursor node { reference desk matches } } pageInfo { hasNextPage endCursor } }
}`;
const NOTICES = `query($filter: ReportSearchInput!) { searchReports(filter: $filter) { deconfliction { desk message } deconflictionComplete } }`;

const NAME = 'Ignatius Vandersloot';
const POSTCODE = 'SE15 4QN';
const SECRET = { status: 'TRIAGED', category: 'STORAGE', borough: 'SOUTHWARK' } as const;

let secret: { id: string; reference: string; receivedAt: Date };

/** A call naming only what is given. */
const call = (i: number, only: Record<string, unknown>) => recordCall(app, handler.token, i, { subjects: [], vehicles: [], locations: [], caller: null, ...only });

beforeAll(async () => {
  app = await bootApp();
  [handler, so12] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
  // The SO13 report the SO12 investigator probes, and a second one naming the same person (a count must not show).
  const id = await call(1, { subjects: [{ name: NAME }], locations: [{ postcode: POSTCODE }], categories: [SECRET.category], borough: SECRET.borough });
  await triageDirectly(app, id, 'SO13', 'P2');
  const doc = await findReport(app, id);
  secret = { id, reference: doc.reference, receivedAt: doc.receivedAt };
  const second = await call(2, { subjects: [{ name: NAME }], categories: ['FINANCE'], borough: 'CAMDEN' });
  await triageDirectly(app, second, 'SO13', 'P4');
  matching = matchingFilters();
  notMatching = notMatchingFilters();
});
afterAll(() => app?.close());

const hits = async (filter: Record<string, unknown>, first?: number, after?: string) => {
  const res = await app.gql(HITS, { filter, first, after }, so12.token);
  expect(res.errors, JSON.stringify(filter)).toBeUndefined();
  return res.data.searchReports;
};
/** The answer without its cursors (sealed afresh each time, so never equal twice). */
const shape = (answer: any) => ({ nodes: answer.edges.map((e: any) => e.node), hasNextPage: answer.pageInfo.hasNextPage });
const notices = async (filter: Record<string, unknown>) => {
  const res = await app.gql(NOTICES, { filter }, so12.token);
  expect(res.errors, JSON.stringify(filter)).toBeUndefined();
  return res.data.searchReports;
};

const at = (ms: number) => new Date(secret.receivedAt.getTime() + ms).toISOString();

/** Filters that match the SO13 report, and each that does not (the binary search on dates among them). */
const matchingFilters = () => ({ ...SECRET, receivedFrom: at(-60_000), receivedTo: at(60_000) });
const notMatchingFilters = () => [
  { status: 'CLOSED' },
  { status: 'UNDER_RESEARCH' },
  { category: 'FINANCE' },
  { borough: 'CAMDEN' },
  { receivedTo: at(-1) },
  { receivedFrom: at(1) },
  { receivedFrom: at(-3_600_000), receivedTo: at(-1_800_000) },
  { desk: 'SO13' },
];
let matching: ReturnType<typeof matchingFilters>;
let notMatching: ReturnType<typeof notMatchingFilters>;

describe('search across desks, played by an SO12 investigator against SO13 material', () => {
  it('answers the same whether the filters match the unreadable report or not', async () => {
    const terms = { subjectName: NAME, postcode: POSTCODE };
    const baseline = shape(await hits(terms));
    expect(shape(await hits({ ...terms, ...matching }))).toEqual(baseline);
    for (const f of notMatching) expect(shape(await hits({ ...terms, ...f })), JSON.stringify(f)).toEqual(baseline);
    // No hit at all: nothing of the SO13 reports (no reference, no terms matched) comes back as a hit.
    expect(baseline).toEqual({ nodes: [], hasNextPage: false });
  });

  it('answers the same whether one term or both match, and never which', async () => {
    const both = shape(await hits({ subjectName: NAME, postcode: POSTCODE, ...matching }));
    for (const filter of [
      { subjectName: NAME, postcode: 'N1 9GU', ...matching },
      { subjectName: 'Zebedee Quartermaine', postcode: POSTCODE, ...matching },
      { subjectName: NAME },
      { postcode: POSTCODE },
    ]) {
      expect(shape(await hits(filter)), JSON.stringify(filter)).toEqual(both);
    }
  });

  it('says only that a report on SO13 matches one of the terms: one notice, whatever the filters and terms', async () => {
    const expected = { deconfliction: [{ desk: 'SO13', message: 'A report on desk SO13 matches one of your terms' }], deconflictionComplete: true };
    const filters = [{}, matching, ...notMatching];
    const termSets = [{ subjectName: NAME, postcode: POSTCODE }, { subjectName: NAME, postcode: 'N1 9GU' }, { subjectName: 'Zebedee Quartermaine', postcode: POSTCODE }];
    for (const terms of termSets) {
      for (const f of filters) {
        const answer = await notices({ ...terms, ...f });
        expect(answer, JSON.stringify({ ...terms, ...f })).toEqual(expected);
        const text = JSON.stringify(answer);
        expect(text).not.toContain(secret.reference);
        expect(text).not.toContain(secret.id);
      }
    }
    // A term no SO13 report holds: no notice (the notice is about the terms, nothing else).
    expect(await notices({ subjectName: 'Zebedee Quartermaine', postcode: 'N1 9GU' })).toEqual({ deconfliction: [], deconflictionComplete: true });
  });

  it('keeps readable hits and their paging the same whether unreadable reports sit between them or not', async () => {
    const phone = '020 7946 0777';
    const older = await call(10, { subjects: [{ name: 'Older Readable', phone }] });
    await triageDirectly(app, older, 'SO12', 'P4');
    const before = shape(await hits({ phone }, 1));
    // Three SO13 reports filed after it under the same phone, then a newer readable one.
    for (const i of [11, 12, 13]) await triageDirectly(app, await call(i, { subjects: [{ name: 'Hidden Between', phone }], borough: 'CAMDEN' }), 'SO13', 'P3');
    const newer = await call(14, { subjects: [{ name: 'Newer Readable', phone }] });
    await triageDirectly(app, newer, 'SO12', 'P4');
    const refs = { older: (await findReport(app, older)).reference, newer: (await findReport(app, newer)).reference };
    expect(before.nodes.map((n: any) => n.reference)).toEqual([refs.older]);
    // Page by page, newest first: the two readable reports and nothing of the three between them.
    const first = await hits({ phone }, 1);
    expect(shape(first)).toEqual({ nodes: [expect.objectContaining({ reference: refs.newer })], hasNextPage: true });
    const second = await hits({ phone }, 1, first.pageInfo.endCursor);
    expect(shape(second).nodes.map((n: any) => n.reference)).toEqual([refs.older]);
    // The cursor is sealed: it does not carry the slot numbers that would count the reports in between.
    for (const c of [first.pageInfo.endCursor, first.edges[0].cursor]) expect(() => JSON.parse(Buffer.from(c, 'base64url').toString('utf8'))).toThrow();
    // And a filter that the hidden reports meet does not move the readable answer either.
    expect(shape(await hits({ phone, borough: 'CAMDEN' }))).toEqual({ nodes: [], hasNextPage: false });
  });
});
