/**
 * Entity pages (issue 26, item 1) on the real services: every report filed
 * under a value (exact; names also by sound and by part), with reference,
 * desk, status, date, categories, borough and how it matched; the other
 * desk's reports only as one notice per desk; opened by an opaque reference
 * resolved after the read check (never the value); audited as a search with
 * blind values only, and as a read of the source report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { auditEntries, codeOf, recordCall, triageDirectly } from '../support/desk.js';

let app: TestApp;
let handler: { token: string };
let so12: { token: string };
let so13: { token: string };
let auditor: { token: string };
const ids = {} as Record<'source' | 'older' | 'sounds' | 'part' | 'other' | 'van', string>;

const REFS = `query($id: ID!) { report(id: $id) { entities { kind value ref } } }`;
const ENTITY = `query($ref: ID!) { entity(ref: $ref) { kind value fromReportId reports {
  edges { node { reference desk status receivedAt categories borough matches } }
  pageInfo { hasNextPage } deconfliction { desk message } } } }`;

const call = async (i: number, only: Record<string, unknown>, desk: 'SO12' | 'SO13') => {
  const id = await recordCall(app, handler.token, i, { subjects: [], vehicles: [], locations: [], borough: 'CAMDEN', ...only });
  await triageDirectly(app, id, desk, 'P3');
  return id;
};
const refsOf = async (id: string, token: string) => {
  const res = await app.gql(REFS, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data.report.entities as { kind: string; value: string; ref: string }[];
};

beforeAll(async () => {
  app = await bootApp();
  [handler, so12, so13, auditor] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO12'), createStaff(app, 'INVESTIGATOR', 'SO13'), createStaff(app, 'AUDITOR')]);
  ids.older = await call(1, { subjects: [{ name: 'Rashid' }] }, 'SO12');
  ids.sounds = await call(2, { subjects: [{ name: 'Rasheed' }] }, 'SO12');
  ids.part = await call(3, { subjects: [{ name: 'Ahmed Rashid' }] }, 'SO12');
  ids.other = await call(4, { subjects: [{ name: 'Rashid' }] }, 'SO13');
  ids.source = await call(5, { subjects: [{ name: 'Rashid', phone: '020 7946 0018' }], vehicles: [{ registration: 'LV70 QRS' }] }, 'SO12');
  ids.van = await call(6, { vehicles: [{ registration: 'lv70qrs' }] }, 'SO13');
});
afterAll(() => app?.close());

describe('entity pages', () => {
  it('each subject name, phone and vehicle of a readable report has a page by an opaque reference', async () => {
    const refs = await refsOf(ids.source, so12.token);
    expect(refs.map((r) => [r.kind, r.value])).toEqual([
      ['name', 'Rashid'],
      ['phone', '020 7946 0018'],
      ['vehicle', 'LV70 QRS'],
    ]);
    for (const r of refs) {
      expect(r.ref).toMatch(new RegExp(`^${ids.source}\\.(name|phone|vehicle)\\.\\d+$`));
      expect(r.ref).not.toContain(r.value);
    }
  });

  it('lists every readable report filed under a name: exact, by sound and by part, with its state and how it matched; the other desk as one notice', async () => {
    const name = (await refsOf(ids.source, so12.token)).find((r) => r.kind === 'name')!;
    const res = await app.gql(ENTITY, { ref: name.ref }, so12.token);
    expect(res.errors).toBeUndefined();
    const page = res.data.entity;
    expect(page).toMatchObject({ kind: 'name', value: 'Rashid', fromReportId: ids.source });
    const byMatch = Object.fromEntries(page.reports.edges.map((e: any) => [e.node.matches[0], e.node]));
    expect(page.reports.edges).toHaveLength(4);
    expect(byMatch['subjectName:PHONETIC']).toMatchObject({ desk: 'SO12', status: 'TRIAGED', borough: 'CAMDEN', categories: expect.any(Array), receivedAt: expect.any(String) });
    expect(byMatch['subjectName:NAME_PART']).toBeDefined();
    expect(page.reports.edges.filter((e: any) => e.node.matches[0] === 'subjectName:EXACT')).toHaveLength(2); // itself and the older one
    expect(page.reports.deconfliction).toEqual([{ desk: 'SO13', message: 'A report on desk SO13 matches one of your terms' }]);
    // Nothing of the SO13 report: neither its reference nor its date.
    const otherRef = (await app.deps.reports.findById(ids.other))!.reference;
    expect(JSON.stringify(page)).not.toContain(otherRef);
  });

  it('is audited as a search with blind values only, and as a read of the source report', async () => {
    const vehicle = (await refsOf(ids.source, so12.token)).find((r) => r.kind === 'vehicle')!;
    const res = await app.gql(ENTITY, { ref: vehicle.ref }, so12.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.entity.reports.edges.map((e: any) => e.node.matches)).toEqual([['vehicleRegistration:EXACT']]);
    expect(res.data.entity.reports.deconfliction.map((d: any) => d.desk)).toEqual(['SO13']);
    const searches = await auditEntries(app, 'report.search');
    expect(JSON.stringify(searches)).not.toMatch(/LV70|lv70|Rashid/);
    expect(JSON.stringify(searches)).toContain(app.deps.crypto.blindIndex.termFor('vehicle', 'LV70 QRS')!);
    const reads = (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.purpose === 'entity' && e.target?.id === ids.source);
    expect(reads.map((e: any) => e.details.kind)).toEqual(expect.arrayContaining(['name', 'vehicle']));
  });

  it('a reference the viewer may not follow is NOT_FOUND, the same for every reason', async () => {
    const name = (await refsOf(ids.source, so12.token)).find((r) => r.kind === 'name')!;
    expect(codeOf(await app.gql(ENTITY, { ref: name.ref }, so13.token))).toBe('NOT_FOUND'); // another desk's report
    expect(codeOf(await app.gql(ENTITY, { ref: `${ids.source}.name.7` }, so12.token))).toBe('NOT_FOUND'); // no such value
    expect(codeOf(await app.gql(ENTITY, { ref: 'Rashid' }, so12.token))).toBe('NOT_FOUND'); // a value is not a reference
    expect(codeOf(await app.gql(ENTITY, { ref: name.ref }, auditor.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(ENTITY, { ref: name.ref }, handler.token))).toBe('FORBIDDEN');
  });
});
