/**
 * Links that say why (issue 26, item 2), on the real services with triage
 * driven by hand: names that only sound alike (Tarik Hasan / Tariq Hassan,
 * محمد / Mohammed) make a POSSIBLE link that does not steer routing; a
 * viewer who may read both reports sees the values shared, anyone else only
 * the kinds; investigators propose links and confirm or reject possible ones
 * (audited, "linked by" shown only to those who may read both), and cannot
 * unlink a link triage confirmed by an exact value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageProcessorOf } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { auditEntries, codeOf, findReport, recordCall } from '../support/desk.js';
import type { Desk } from '../../src/auth/types.js';

let app: TestApp;
let handler: { token: string };
const staff = {} as Record<'SO12' | 'SO13', { token: string; username: string }>;
let supervisor: { token: string };

const REPORT = `query($id: ID!) { report(id: $id) { id desk links { reportId reference desk reasons readable manual strength linkedBy sharedValues { kind value theirs } } } }`;
const M = (op: string) => `mutation($a: ID!, $b: ID!, $reason: String!) { ${op}(a: $a, b: $b, reason: $reason) { id } }`;

const call = (i: number, only: Record<string, unknown>) => recordCall(app, handler.token, i, { categories: ['FINANCE'], subjects: [], vehicles: [], locations: [], ...only });
const routed = async (i: number, only: Record<string, unknown>) => {
  const id = await call(i, only);
  expect(await triageProcessorOf(app.deps).route(id)).toBe('routed');
  return findReport(app, id);
};
const other = (d: Desk | null): 'SO12' | 'SO13' => (d === 'SO12' ? 'SO13' : 'SO12');
const linksOf = async (id: string, token: string) => {
  const res = await app.gql(REPORT, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data.report.links as any[];
};
/** Moves a report to a desk as a referral would (the referral's own path is tested elsewhere). */
const moveTo = async (id: string, desk: Desk) => {
  const doc = await findReport(app, id);
  await app.deps.reports.applyChange(doc, { set: { desk }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'referred', from: { desk: doc.desk }, to: { desk }, reason: 'test' }] });
};

beforeAll(async () => {
  app = await bootApp();
  [handler, staff.SO12, staff.SO13, supervisor] = (await Promise.all<any>([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
    createStaff(app, 'SUPERVISOR'),
  ])) as any[];
});
afterAll(() => app?.close());

describe('possible links', () => {
  it('names that only sound alike make a POSSIBLE link, never steering routing; a viewer of both sees both spellings', async () => {
    const a = await routed(1, { subjects: [{ name: 'Tarik Hasan' }] });
    const b = await routed(2, { subjects: [{ name: 'Tariq Hassan' }] });
    expect(await app.deps.reports.findLinkEdge(a._id, b._id)).toMatchObject({ reasons: ['namePhonetic'] });
    expect(b.triage!.reasons.some((r) => r.startsWith('linked-desk'))).toBe(false);
    const desk = b.desk as 'SO12' | 'SO13';
    const seen = (await linksOf(b._id, staff[desk].token)).find((l) => l.reportId === a._id);
    if (a.desk === b.desk) {
      expect(seen).toMatchObject({ strength: 'POSSIBLE', readable: true, linkedBy: null, sharedValues: [{ kind: 'namePhonetic', value: 'Tariq Hassan', theirs: 'Tarik Hasan' }] });
    } else {
      expect(seen).toMatchObject({ strength: 'POSSIBLE', readable: false, sharedValues: null });
    }
    // A supervisor reads both: the values, and the read of the other report audited (purpose link-values).
    const before = (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.purpose === 'link-values' && e.target?.id === a._id).length;
    const bySupervisor = (await linksOf(b._id, supervisor.token)).find((l) => l.reportId === a._id);
    expect(bySupervisor.sharedValues).toEqual([{ kind: 'namePhonetic', value: 'Tariq Hassan', theirs: 'Tarik Hasan' }]);
    const after = (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.purpose === 'link-values' && e.target?.id === a._id).length;
    expect(after - before).toBe(1);
    // A search hit's report carries the links without their values: a page of hits cannot cost a decrypt per link.
    const hits = await app.gql(
      `query($f: ReportSearchInput!) { searchReports(filter: $f) { edges { node { reportId report { links { reportId sharedValues { kind value } linkedBy } } } } } }`,
      { f: { subjectName: 'Tariq Hassan' } },
      supervisor.token,
    );
    expect(hits.errors, JSON.stringify(hits.errors)).toBeUndefined();
    const hitB = hits.data.searchReports.edges.find((e: any) => e.node.reportId === b._id);
    expect(hitB.node.report.links.find((l: any) => l.reportId === a._id)).toEqual({ reportId: a._id, sharedValues: null, linkedBy: null });
    const afterSearch = (await auditEntries(app, 'report.read')).filter((e: any) => e.details?.purpose === 'link-values' && e.target?.id === a._id).length;
    expect(afterSearch).toBe(after);
  });

  it('محمد and Mohammed make a possible link', async () => {
    const a = await routed(3, { subjects: [{ name: 'محمد' }] });
    const b = await routed(4, { subjects: [{ name: 'Mohammed' }] });
    expect(await app.deps.reports.findLinkEdge(a._id, b._id)).toMatchObject({ reasons: ['namePhonetic'] });
  });

  it('an exact shared value stays AUTOMATIC and shows the value; the other desk sees only the kind', async () => {
    const a = await routed(5, { vehicles: [{ registration: 'LV70 QRS' }] });
    const b = await routed(6, { vehicles: [{ registration: 'lv70qrs' }] });
    const desk = b.desk as 'SO12' | 'SO13';
    expect((await linksOf(b._id, staff[desk].token)).find((l) => l.reportId === a._id)).toMatchObject({
      strength: 'AUTOMATIC',
      reasons: ['vehicle'],
      sharedValues: [{ kind: 'vehicle', value: 'lv70qrs', theirs: null }],
    });
    // The other report moved to the other desk: this desk's investigator now sees the kind only.
    await moveTo(a._id, other(desk));
    const seen = (await linksOf(b._id, staff[desk].token)).find((l) => l.desk === other(desk));
    expect(seen).toMatchObject({ reportId: null, reference: null, readable: false, reasons: ['vehicle'], sharedValues: null, linkedBy: null });
    expect(JSON.stringify(seen)).not.toMatch(/lv70|LV70/i);
    // An investigator cannot remove it: only a possible link can be flagged wrong (and a supervisor unlinks).
    await moveTo(a._id, desk);
    const wrong = await app.gql(M('markLinkWrong'), { a: b._id, b: a._id, reason: 'Not the same van at all' }, staff[desk].token);
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
  });
});

describe("investigators' judgement", () => {
  it('proposes a link between two reports they may read: CONFIRMED, linked by them, audited; hidden from a viewer of one end', async () => {
    const a = await routed(7, { subjects: [{ name: 'Oswin Pargeter' }] });
    const b = await routed(8, { subjects: [{ name: 'Bartholomew Ince' }] });
    await moveTo(b._id, a.desk!);
    const desk = a.desk as 'SO12' | 'SO13';
    // The other desk's investigator may read neither: NOT_FOUND, as `report` answers.
    expect(codeOf(await app.gql(M('proposeLink'), { a: a._id, b: b._id, reason: 'Same phone seen in notes' }, staff[other(desk)].token))).toBe('NOT_FOUND');
    const res = await app.gql(M('proposeLink'), { a: a._id, b: b._id, reason: 'Same phone seen in notes' }, staff[desk].token);
    expect(res.errors).toBeUndefined();
    expect((await linksOf(a._id, staff[desk].token)).find((l) => l.reportId === b._id)).toMatchObject({ strength: 'CONFIRMED', manual: true, linkedBy: staff[desk].username });
    const entries = (await auditEntries(app, 'report.link')).filter((e: any) => e.details?.review === 'proposed');
    expect(entries.map((e: any) => e.target.id).sort()).toEqual([a._id, b._id].sort());
    // b moves to the other desk: its viewer of a sees the link exists, not who made it.
    await moveTo(b._id, other(desk));
    expect((await linksOf(a._id, staff[desk].token)).find((l) => l.desk === other(desk))).toMatchObject({ readable: false, linkedBy: null, strength: 'CONFIRMED' });
  });

  it('confirms a possible link, or flags one wrong (dismissed: gone from both ends)', async () => {
    const a = await routed(9, { subjects: [{ name: 'Yusuf Karim' }] });
    const b = await routed(10, { subjects: [{ name: 'Yousef Kareem' }] });
    const c = await routed(11, { subjects: [{ name: 'Youssef Carim' }] });
    for (const d of [b, c]) await moveTo(d._id, a.desk!);
    const desk = a.desk as 'SO12' | 'SO13';
    expect(await app.deps.reports.findLinkEdge(a._id, b._id)).toMatchObject({ reasons: ['namePhonetic'] });
    expect(await app.deps.reports.findLinkEdge(a._id, c._id)).toMatchObject({ reasons: ['namePhonetic'] });
    expect((await app.gql(M('confirmLink'), { a: a._id, b: b._id, reason: 'Same date of birth in both' }, staff[desk].token)).errors).toBeUndefined();
    expect((await linksOf(b._id, staff[desk].token)).find((l) => l.reportId === a._id)).toMatchObject({ strength: 'CONFIRMED', linkedBy: staff[desk].username });
    // Confirming it again is idempotent.
    expect((await app.gql(M('confirmLink'), { a: a._id, b: b._id, reason: 'Same date of birth in both' }, staff[desk].token)).errors).toBeUndefined();

    expect((await app.gql(M('markLinkWrong'), { a: a._id, b: c._id, reason: 'Different person, different age' }, staff[desk].token)).errors).toBeUndefined();
    expect((await linksOf(a._id, staff[desk].token)).some((l) => l.reportId === c._id)).toBe(false);
    expect((await linksOf(c._id, staff[desk].token)).some((l) => l.reportId === a._id)).toBe(false);
    expect((await auditEntries(app, 'report.unlink')).filter((e: any) => e.details?.review === 'wrong')).toHaveLength(2);
    // A supervisor still unlinks the confirmed one.
    expect((await app.gql(M('unlinkReports'), { a: a._id, b: b._id, reason: 'Supervisor review: not linked' }, supervisor.token)).errors).toBeUndefined();
    // ...and that unlink stands: an investigator cannot link the pair again, a supervisor can.
    const again = await app.gql(M('proposeLink'), { a: a._id, b: b._id, reason: 'I still think so' }, staff[desk].token);
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toMatch(/supervisor unlinked/);
    expect((await app.gql(M('linkReports'), { a: a._id, b: b._id, reason: 'Supervisor: linked after all' }, supervisor.token)).errors).toBeUndefined();
    // "Linked by" names the supervisor who linked it now, never the investigator who confirmed it before.
    expect((await linksOf(a._id, staff[desk].token)).find((l) => l.reportId === b._id)).toMatchObject({ manual: true, linkedBy: expect.not.stringContaining(staff[desk].username) });
  });

  it('a pair flagged wrong and linked again by a supervisor does not say it was linked by the one who flagged it', async () => {
    const a = await routed(12, { subjects: [{ name: 'Ismail Rahman' }] });
    const b = await routed(13, { subjects: [{ name: 'Ismael Rehman' }] });
    await moveTo(b._id, a.desk!);
    const desk = a.desk as 'SO12' | 'SO13';
    expect((await app.gql(M('markLinkWrong'), { a: a._id, b: b._id, reason: 'Different men' }, staff[desk].token)).errors).toBeUndefined();
    expect((await app.gql(M('linkReports'), { a: a._id, b: b._id, reason: 'Same man: passport seen' }, supervisor.token)).errors).toBeUndefined();
    const seen = (await linksOf(a._id, staff[desk].token)).find((l) => l.reportId === b._id);
    expect(seen).toMatchObject({ manual: true, strength: 'CONFIRMED' });
    expect(seen.linkedBy).not.toBe(staff[desk].username);
    expect(seen.linkedBy).toBeTruthy();
  });

  it("a supervisor's unlink of a pair an investigator flagged wrong is recorded, and stands against another investigator", async () => {
    const a = await routed(14, { subjects: [{ name: 'Hamza Siddiqui' }] });
    const b = await routed(15, { subjects: [{ name: 'Hamzah Sidiqi' }] });
    await moveTo(b._id, a.desk!);
    const desk = a.desk as 'SO12' | 'SO13';
    const second = await createStaff(app, 'INVESTIGATOR', desk);
    expect(await app.deps.reports.findLinkEdge(a._id, b._id)).toMatchObject({ reasons: ['namePhonetic'] });
    expect((await app.gql(M('markLinkWrong'), { a: a._id, b: b._id, reason: 'Different men, different towns' }, staff[desk].token)).errors).toBeUndefined();
    const flagged = await app.deps.reports.findLinkEdge(a._id, b._id);
    expect(flagged?.dismissedAt).toBeInstanceOf(Date);
    expect(flagged?.by).toBeTruthy();

    expect((await app.gql(M('unlinkReports'), { a: a._id, b: b._id, reason: 'Supervisor review: keep apart' }, supervisor.token)).errors).toBeUndefined();
    // The supervisor's decision is on record on each report, with its own audit event (no `review`: not an investigator's flag).
    const bySupervisor = (await auditEntries(app, 'report.unlink')).filter((e: any) => [a._id, b._id].includes(e.target?.id) && !e.details?.review);
    expect(bySupervisor.map((e: any) => e.target.id).sort()).toEqual([a._id, b._id].sort());
    for (const id of [a._id, b._id]) {
      const entries = (await findReport(app, id)).history.filter((h) => h.action === 'unlinked');
      expect(entries.map((h) => h.to?.review ?? null)).toEqual(['wrong', null]);
    }
    // The tombstone is now a supervisor's: same time, nobody named.
    const tomb = await app.deps.reports.findLinkEdge(a._id, b._id);
    expect(tomb).toMatchObject({ dismissedAt: flagged!.dismissedAt, by: null });
    // Another investigator cannot link the pair again.
    const again = await app.gql(M('proposeLink'), { a: a._id, b: b._id, reason: 'Looks like the same man' }, second.token);
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toMatch(/supervisor unlinked/);
    expect((await app.deps.reports.findLinkEdge(a._id, b._id))?.dismissedAt).toBeInstanceOf(Date);
  });
  it("a supervisor's link of a pair an investigator proposed or confirmed is recorded as the supervisor's", async () => {
    const a = await routed(16, { subjects: [{ name: 'Dmitri Volkov' }] });
    const b = await routed(17, { subjects: [{ name: 'Anselm Whitcombe' }] });
    const c = await routed(18, { subjects: [{ name: 'Dimitri Wolkow' }] });
    for (const d of [b, c]) await moveTo(d._id, a.desk!);
    const desk = a.desk as 'SO12' | 'SO13';
    const sup = await createStaff(app, 'SUPERVISOR');
    expect((await app.gql(M('proposeLink'), { a: a._id, b: b._id, reason: 'Same phone seen in notes' }, staff[desk].token)).errors).toBeUndefined();
    expect(await app.deps.reports.findLinkEdge(a._id, c._id)).toMatchObject({ reasons: ['namePhonetic'] });
    expect((await app.gql(M('confirmLink'), { a: a._id, b: c._id, reason: 'Same date of birth' }, staff[desk].token)).errors).toBeUndefined();

    for (const [x, y] of [[a, b], [c, a]] as const) {
      const res = await app.gql(M('linkReports'), { a: x._id, b: y._id, reason: 'Supervisor review: linked' }, sup.token);
      expect(res.errors).toBeUndefined();
      const pair = app.deps.crypto.integrity.mac('linkId', ['pair', ...[x._id, y._id].sort()].join('\n'));
      // Each report: the investigator's entry, then the supervisor's own (no review), with their reason.
      for (const id of [x._id, y._id]) {
        const entries = (await findReport(app, id)).history.filter((h) => h.action === 'linked_manually' && h.to?.link === pair);
        expect(entries.map((h) => [h.actor.name, h.to?.review ?? null])).toEqual([
          [staff[desk].username, x === a ? 'proposed' : 'confirmed'],
          [sup.username, null],
        ]);
      }
      const events = (await auditEntries(app, 'report.link')).filter((e: any) => [x._id, y._id].includes(e.target?.id) && e.details?.link === pair && !e.details?.review && e.actor?.id === sup.user.id);
      expect(events.map((e: any) => e.target.id).sort()).toEqual([x._id, y._id].sort());
      // "Linked by" now names the supervisor, on both ends.
      for (const [from, to] of [[x, y], [y, x]] as const) {
        expect((await linksOf(from._id, staff[desk].token)).find((l) => l.reportId === to._id)).toMatchObject({ strength: 'CONFIRMED', manual: true, linkedBy: sup.username });
      }
      expect((await app.deps.reports.findLinkEdge(x._id, y._id))?.by).toBe(sup.user.id);
    }
    // Linking again changes nothing: no third entry, no new event.
    const before = (await auditEntries(app, 'report.link')).length;
    expect((await app.gql(M('linkReports'), { a: a._id, b: b._id, reason: 'Again' }, sup.token)).errors).toBeUndefined();
    expect((await auditEntries(app, 'report.link')).length).toBe(before);
    expect((await findReport(app, a._id)).history.filter((h) => h.action === 'linked_manually' && !h.to?.review)).toHaveLength(2);
  });
});
