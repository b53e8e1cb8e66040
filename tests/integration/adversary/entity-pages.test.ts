/**
 * Adversary walk of entity pages and links (issue 26, "Bad input and
 * trust"): an investigator of the other desk, a call handler and an auditor
 * walk every entity page and every link they can reach, and nothing of an
 * SO12 report they may not read appears: not its values, its reference, its
 * date, a count, or which term matched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff } from '../../support/factories.js';
import { codeOf, findReport, recordCall, triageDirectly } from '../../support/desk.js';

let app: TestApp;
let handler: { token: string };
let so13: { token: string };
let auditor: { token: string };
let secret: { id: string; reference: string; receivedAt: string };
let mine: string;

const SECRET_VALUES = ['Zacharias Quillfeather', 'Quillfeather', 'LX19 ZZQ', '020 7946 0999', 'N1 9GU'];
const REPORT = `query($id: ID!) { report(id: $id) { id entities { kind value ref } links { reportId reference desk reasons readable strength linkedBy sharedValues { kind value theirs } } } }`;
const ENTITY = `query($ref: ID!) { entity(ref: $ref) { kind value fromReportId reports {
  edges { node { reportId reference desk status receivedAt categories borough matches } } pageInfo { hasNextPage } deconfliction { desk message } deconflictionComplete } } }`;

beforeAll(async () => {
  app = await bootApp();
  [handler, so13, auditor] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO13'), createStaff(app, 'AUDITOR')]);
  const values = { subjects: [{ name: 'Zacharias Quillfeather', phone: '020 7946 0999' }], vehicles: [{ registration: 'LX19 ZZQ' }], locations: [{ postcode: 'N1 9GU' }] };
  const id = await recordCall(app, handler.token, 1, values);
  await triageDirectly(app, id, 'SO12', 'P3');
  const doc = await findReport(app, id);
  secret = { id, reference: doc.reference, receivedAt: doc.receivedAt.toISOString() };
  // SO13's own report shares every value (one with a sound-alike name), and is linked to the secret one.
  mine = await recordCall(app, handler.token, 2, { ...values, subjects: [{ name: 'Zakarias Quilfeather', phone: '020 7946 0999' }] });
  await triageDirectly(app, mine, 'SO13', 'P3');
  const other = await findReport(app, mine);
  await app.deps.reports.recordManualLink({ ...(await import('../../../src/reports/store/links.js')).edgeOf(app.deps.crypto, doc, other, ['vehicle', 'phone'], new Date()), by: undefined });
});
afterAll(() => app?.close());

/** Nothing of the secret report in `text`, beyond that a report on SO12 exists. */
function assertNothingOfSecret(text: string) {
  expect(text).not.toContain(secret.id);
  expect(text).not.toContain(secret.reference);
  expect(text).not.toContain(secret.receivedAt); // to the millisecond: the own report was received the same minute
}

describe('an investigator of the other desk', () => {
  it('walks every entity page of their own report and its links: the SO12 report is one notice per page, nothing else', async () => {
    const res = await app.gql(REPORT, { id: mine }, so13.token);
    expect(res.errors).toBeUndefined();
    const { entities, links } = res.data.report;
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ reportId: null, reference: null, desk: 'SO12', readable: false, sharedValues: null, linkedBy: null });
    assertNothingOfSecret(JSON.stringify(links));
    expect(entities.length).toBeGreaterThanOrEqual(4);
    for (const e of entities) {
      const page = await app.gql(ENTITY, { ref: e.ref }, so13.token);
      expect(page.errors).toBeUndefined();
      const r = page.data.entity.reports;
      // Only their own report is a row; the SO12 one is a notice naming the desk only (no count, date or matched term).
      expect(r.edges.map((x: any) => x.node.reportId)).toEqual([mine]);
      expect(r.deconfliction).toEqual([{ desk: 'SO12', message: 'A report on desk SO12 matches one of your terms' }]);
      assertNothingOfSecret(JSON.stringify(page.data));
    }
  });

  it("cannot open the SO12 report's entity pages by forging references: NOT_FOUND, the same answer as for nonsense", async () => {
    for (const kind of ['name', 'phone', 'vehicle', 'postcode']) {
      const res = await app.gql(ENTITY, { ref: `${secret.id}.${kind}.0` }, so13.token);
      expect(codeOf(res)).toBe('NOT_FOUND');
      expect(JSON.stringify(res)).not.toMatch(new RegExp(SECRET_VALUES.map((v) => v.replace(/ /g, '\\s?')).join('|'), 'i'));
    }
    expect(codeOf(await app.gql(ENTITY, { ref: `${secret.id}.name.99` }, so13.token))).toBe('NOT_FOUND');
  });
});

describe('a call handler and an auditor', () => {
  it('reach no entity page, and see no link or value of the report', async () => {
    for (const who of [handler, auditor]) {
      for (const ref of [`${secret.id}.name.0`, `${mine}.name.0`]) {
        const res = await app.gql(ENTITY, { ref }, who.token);
        expect(codeOf(res)).toBe('FORBIDDEN');
        expect(JSON.stringify(res)).not.toMatch(/Quillfeather|LX19|0999|N1 9GU/i);
      }
      const report = await app.gql(REPORT, { id: secret.id }, who.token);
      expect(report.data?.report ?? null).toBeNull();
      expect(JSON.stringify(report)).not.toMatch(/Quillfeather|LX19|0999|N1 9GU/i);
    }
  });
});
