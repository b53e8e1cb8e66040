/**
 * Linking at a bounded cost, with no silent caps: a link is an edge of its
 * own (`report_links`), never a write into the other report, read from
 * either end; every report is filed under every term however many share it;
 * a term shared by more reports than LINK_SHARED_THRESHOLD has its most
 * recent ones compared and linked, the report's view says so, and it does
 * not steer routing; closed reports are linked but never pull a new report
 * to their desk; erasure takes a report off its terms and later reports keep
 * filing; a retried job records no edge twice. The processor is driven by
 * hand (no worker) so that the order in which reports are filed is the test's.
 */
import { pairKey } from '../../src/reports/store/links.js';
import { triageProcessorOf } from '../../src/worker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { closingOutcome, findReport, Q, recordCall } from '../support/desk.js';
import type { ReportDoc } from '../../src/reports/model/types.js';

let app: TestApp;
let handler: { token: string };

beforeAll(async () => {
  app = await bootApp({ env: { LINK_SHARED_THRESHOLD: '3', LINK_MAX_CANDIDATES: '10' } });
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

const db = () => app.deps.database.db;

function processor() {
  return triageProcessorOf(app.deps);
}

/** A call whose only linkable value is `only` (nothing else indexed). */
const call = (i: number, categories: string[], only: Record<string, unknown>) =>
  recordCall(app, handler.token, i, { categories, subjects: [], vehicles: [], locations: [], ...only });

describe('links as edges', () => {
  it('links two reports sharing a vehicle both ways, visible from either one, without writing into the earlier one', async () => {
    const p = processor();
    const a = await call(1, ['HOSTILE_RECONNAISSANCE'], { vehicles: [{ registration: 'LV70 QRS' }] });
    expect(await p.route(a)).toBe('routed');
    const before = await findReport(app, a);
    const b = await call(2, ['FINANCE'], { vehicles: [{ registration: 'lv70qrs' }] });
    expect(await p.route(b)).toBe('routed');

    // The earlier report is not written to: same version, no history entry, no embedded link.
    const after = await findReport(app, a);
    expect(after.version).toBe(before.version);
    expect(after.links).toEqual([]);
    const later = await findReport(app, b);
    expect(later).toMatchObject({ desk: 'SO13', priority: 'P2' });
    expect(later.triage!.reasons).toContain('linked-desk:SO13');
    expect(await app.deps.reports.findLinkEdge(a, b)).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{64}$/),
      older: { id: a, reference: after.reference, desk: 'SO13' },
      newer: { id: b, reference: later.reference, desk: 'SO13' },
      reasons: ['vehicle'],
    });

    // Read from either end through the API; another desk sees that the link exists, not the reference.
    const so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const fromA = await app.gql(Q.report, { id: a }, so13.token);
    expect(fromA.errors).toBeUndefined();
    expect(fromA.data.report.links).toEqual([{ reportId: b, reference: later.reference, desk: 'SO13', reasons: ['vehicle'], readable: true }]);
    const fromB = await app.gql(Q.report, { id: b }, so13.token);
    expect(fromB.data.report.links).toEqual([{ reportId: a, reference: after.reference, desk: 'SO13', reasons: ['vehicle'], readable: true }]);
    expect((await app.gql(Q.refer, { id: b, desk: 'SO12', reason: 'Financial angle: SO12 to develop' }, so13.token)).errors).toBeUndefined();
    const redacted = await app.gql(Q.report, { id: a }, so13.token);
    expect(redacted.data.report.links).toEqual([{ reportId: null, reference: null, desk: 'SO12', reasons: ['vehicle'], readable: false }]);
  });

  it('files every report under a postcode shared by more than the threshold, links the newest to the most recent three, says so in its view, and routes as if the postcode were absent', async () => {
    const p = processor();
    const station = { locations: [{ address: 'Station forecourt', postcode: 'N1C 4QP' }] };
    // Four on SO13 at P2 (a link steering routing would pull a report there), then one that the rules send to SO12 at P3.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await call(10 + i, ['HOSTILE_RECONNAISSANCE'], station));
      expect(await p.route(ids[i]!)).toBe('routed');
    }
    const fifth = await call(14, ['FINANCE'], station);
    expect(await p.route(fifth)).toBe('routed');
    const docs = await Promise.all([...ids, fifth].map((id) => findReport(app, id)));
    const linkedTo = async (doc: ReportDoc) => (await app.deps.reports.linksOf(doc)).map((l) => l.reportId).sort();

    // Up to the threshold the postcode links as usual: the fourth meets the three before it, with no note.
    expect(await linkedTo(docs[3]!)).toEqual([ids[0], ids[1], ids[2], fifth].sort());
    expect(docs[3]!.triage!.reasons).toEqual(['rule:hostile-reconnaissance']);
    // Beyond it: the three most recent are compared and linked, the oldest is not, and the report says so...
    expect(await linkedTo(docs[4]!)).toEqual([ids[1], ids[2], ids[3]].sort());
    expect(await app.deps.reports.findLinkEdge(ids[0]!, fifth)).toBeNull();
    expect(docs[4]!.triage!.reasons).toEqual(['rule:finance', 'shared-by-more-than:postcode:3:3']);
    // ...and the crowded postcode does not steer routing: the rules alone.
    expect(docs[4]).toMatchObject({ desk: 'SO12', priority: 'P3' });

    // The view says it in plain words, to the desk that holds it.
    const so12 = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const view = await app.gql(`query($id: ID!) { report(id: $id) { linkWarnings triageReasons links { desk readable } } }`, { id: fifth }, so12.token);
    expect(view.errors).toBeUndefined();
    expect(view.data.report.linkWarnings).toEqual(['postcode shared by more than 3 reports: the 3 most recent were compared; search finds the others']);
    expect(view.data.report.links).toEqual([1, 2, 3].map(() => ({ desk: 'SO13', readable: false })));

    // Nothing dropped: all five are filed under the postcode's term, newest first, each once, and a page at a time.
    const term = docs[0]!.bidx.find((t) => docs.every((d) => d.bidx.includes(t)))!;
    expect(term).toBeTruthy();
    const all = await app.deps.reports.linkTermEntries(term, 100);
    expect(all).toEqual({ reportIds: [fifth, ...[...ids].reverse()], next: null, filings: 5 });
    const first = await app.deps.reports.linkTermEntries(term, 2);
    expect(first.reportIds).toEqual([fifth, ids[3]]);
    const rest = await app.deps.reports.linkTermEntries(term, 10, first.next);
    expect(rest.reportIds).toEqual([ids[2], ids[1], ids[0]]);
    // The table names no report in plaintext, and no "#many" marker stops filing any more.
    const raw = await db().collection('link_terms').find({}).toArray();
    for (const id of [...ids, fifth]) expect(JSON.stringify(raw)).not.toContain(id);
    expect(raw.some((e) => String(e._id).endsWith('#many'))).toBe(false);
  });

  it('treats a name whose sound more than the threshold share as crowded: possible links to the most recent three only, said in the view', async () => {
    const p = processor();
    // Five spellings of one name: none equal, all the same sound (Double Metaphone TRK HSN).
    const names = ['Tariq Hassan', 'Tarik Hasan', 'Tarick Hassan', 'Tarique Hasan', 'Tareq Hassen'];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      ids.push(await call(40 + i, ['STORAGE'], { subjects: [{ name }] }));
      expect(await p.route(ids[i]!)).toBe('routed');
    }
    const linkedTo = async (id: string) => (await app.deps.reports.linksOf(await findReport(app, id))).filter((l) => l.reportId !== null);
    // Up to the threshold every earlier sound-alike is compared: the fourth has possible links to the three before it, and no note.
    const fourth = await findReport(app, ids[3]!);
    expect((await linkedTo(ids[3]!)).filter((l) => ids.slice(0, 3).includes(l.reportId!)).map((l) => l.reasons)).toEqual([['namePhonetic'], ['namePhonetic'], ['namePhonetic']]);
    expect(fourth.triage!.reasons.filter((r) => r.startsWith('shared-by'))).toEqual([]);
    // Beyond it the sound is crowded: the fifth is compared with the three most recent only, and says so.
    const fifth = await findReport(app, ids[4]!);
    expect((await linkedTo(ids[4]!)).map((l) => l.reportId).sort()).toEqual(ids.slice(1, 4).sort());
    expect(await app.deps.reports.findLinkEdge(ids[0]!, ids[4]!)).toBeNull();
    expect(fifth.triage!.reasons).toContain('shared-by-more-than:namePhonetic:3:3');
    const so13 = await createStaff(app, 'INVESTIGATOR', fifth.desk!);
    const view = await app.gql(`query($id: ID!) { report(id: $id) { linkWarnings } }`, { id: ids[4] }, so13.token);
    expect(view.errors).toBeUndefined();
    expect(view.data.report.linkWarnings).toEqual(['sound-alike subject name shared by more than 3 reports: the 3 most recent were compared; search finds the others']);
  });

  it('still finds a sound-alike name crowded when the newest slots are blanked by erasure: read on, never cut silently', async () => {
    const p = processor();
    // Seven spellings of one sound (Double Metaphone KML RXT), none equal.
    const names = ['Kamal Rashid', 'Kamaal Rasheed', 'Kamel Rashid', 'Kamal Rasheed', 'Kamil Rashid', 'Kammal Rashid', 'Kamaal Rashid'];
    const ids: string[] = [];
    for (const [i, name] of names.slice(0, 6).entries()) {
      ids.push(await call(60 + i, ['STORAGE'], { subjects: [{ name }] }));
      expect(await p.route(ids[i]!)).toBe('routed');
    }
    // The two newest are erased: their slots under the sound are blanked, and still the newest slots.
    const sup = await createStaff(app, 'SUPERVISOR');
    for (const id of ids.slice(4)) {
      const res = await app.gql(`mutation($id: ID!) { eraseReport(id: $id, reason: "Duplicate record, erased in the linking test") { id status } }`, { id }, sup.token);
      expect(res.errors).toBeUndefined();
    }
    const newest = await call(66, ['STORAGE'], { subjects: [{ name: names[6]! }] });
    expect(await p.route(newest)).toBe('routed');
    // Four live reports share the sound (more than the threshold of 3): crowded, the 3 most recent compared, and said.
    const doc = await findReport(app, newest);
    expect(doc.triage!.reasons).toContain('shared-by-more-than:namePhonetic:3:3');
    const linked = (await app.deps.reports.linksOf(doc)).filter((l) => l.reportId !== null).map((l) => l.reportId);
    expect(linked.sort()).toEqual(ids.slice(1, 4).sort());
  });

  it('links a new report to a closed one, without the closed report pulling it to its desk', async () => {
    const p = processor();
    const older = await call(30, ['HOSTILE_RECONNAISSANCE'], { vehicles: [{ registration: 'YK68 HJU' }] });
    expect(await p.route(older)).toBe('routed');
    // Closed through the workflow by the desk that holds it.
    const so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
    expect((await app.gql(Q.claim, { id: older }, so13.token)).errors).toBeUndefined();
    for (const [to, reason] of [['UNDER_RESEARCH', ''], ['NO_FURTHER_ACTION', 'Vehicle accounted for'], ['CLOSED', 'Nothing further']] as const) {
      const v = (await findReport(app, older)).version;
      const res = await app.gql(Q.transition, { id: older, to, reason, v, ...closingOutcome(to) }, so13.token);
      expect(res.errors).toBeUndefined();
    }
    expect((await findReport(app, older)).status).toBe('CLOSED');

    const newer = await call(31, ['FINANCE'], { vehicles: [{ registration: 'yk68hju' }] });
    expect(await p.route(newer)).toBe('routed');
    const doc = await findReport(app, newer);
    // Linked (an edge, read from both ends)...
    expect(await app.deps.reports.findLinkEdge(older, newer)).toMatchObject({ reasons: ['vehicle'] });
    expect((await app.deps.reports.linksOf(doc)).map((l) => l.reportId)).toEqual([older]);
    expect((await app.deps.reports.linksOf(await findReport(app, older))).map((l) => l.reportId)).toEqual([newer]);
    // ...but routed by the rules alone: a closed report's desk and priority do not pull.
    expect(doc).toMatchObject({ desk: 'SO12', priority: 'P3' });
    expect(doc.triage!.reasons).toEqual(['rule:finance']);
    expect(doc.history.filter((h) => h.action === 'linked')).toHaveLength(1);
  });

  it('takes an erased report off its terms, and later reports keep filing past its emptied slot', async () => {
    const p = processor();
    const van = { vehicles: [{ registration: 'WU17 KLM' }] };
    const first = await call(40, ['STORAGE'], van);
    expect(await p.route(first)).toBe('routed');
    const erased: string[] = [];
    for (let i = 41; i < 44; i++) {
      erased.push(await call(i, ['STORAGE'], van));
      expect(await p.route(erased.at(-1)!)).toBe('routed');
    }
    const sup = await createStaff(app, 'SUPERVISOR');
    for (const id of erased) expect((await app.gql(Q.erase, { id, reason: 'Retention period over' }, sup.token)).errors).toBeUndefined();

    // The next report meets only the one left, and is not told of a crowd: emptied slots are skipped, not counted.
    const next = await call(44, ['STORAGE'], van);
    expect(await p.route(next)).toBe('routed');
    const nextDoc = await findReport(app, next);
    expect((await app.deps.reports.linksOf(nextDoc)).map((l) => l.reportId)).toEqual([first]);
    expect(nextDoc.triage!.reasons).toEqual(['rule:storage']);
    const firstDoc = await findReport(app, first);
    const [shared, ...others] = nextDoc.bidx.filter((t) => firstDoc.bidx.includes(t));
    expect(shared).toBeTruthy();
    expect(others).toEqual([]);
    const entries = await app.deps.reports.linkTermEntries(shared!, 100);
    expect(entries.reportIds).toEqual([next, first]);
    expect(entries.filings).toBe(5); // the erased reports' slots stay, emptied
    // No backref names an erased report's slot any more: two filings, two backrefs.
    const backrefs = await db().collection('link_terms').find({}).toArray();
    expect(backrefs.filter((e) => String(e._id).startsWith(`${shared}#by#`))).toHaveLength(2);

    // Dead slots cap nothing: four more file, and the last compares the three most recent and says the rest exist.
    const later: string[] = [];
    for (let i = 45; i < 49; i++) {
      later.push(await call(i, ['STORAGE'], van));
      expect(await p.route(later.at(-1)!)).toBe('routed');
    }
    const last = await findReport(app, later.at(-1)!);
    expect((await app.deps.reports.linksOf(last)).map((l) => l.reportId).sort()).toEqual(later.slice(0, 3).sort());
    expect(last.triage!.reasons).toEqual(['rule:storage', 'shared-by-more-than:vehicle:3:3']);
    expect((await app.deps.reports.linkTermEntries(shared!, 100)).reportIds).toEqual([...[...later].reverse(), next, first]);
  });

  it('files reports filed at once under one term in distinct slots, each meeting all those filed before it', async () => {
    const term = 'test:concurrent-term';
    const ids = Array.from({ length: 6 }, (_, i) => `concurrent-${i}`);
    const results = await Promise.all(ids.map((id) => app.deps.reports.fileLinkTerms(id, [term], 10)));
    const entries = await app.deps.reports.linkTermEntries(term, 100);
    expect([...entries.reportIds].sort()).toEqual([...ids].sort());
    expect(entries.filings).toBe(6);
    // Every pair is seen by one of the two: the later in slot order meets the earlier.
    const order = [...entries.reportIds].reverse();
    order.forEach((id, slot) => expect([...(results[ids.indexOf(id)]!.met.get(term) ?? [])].sort()).toEqual(order.slice(0, slot).sort()));
    // Filing again finds each one's own slot and claims nothing new.
    await Promise.all(ids.map((id) => app.deps.reports.fileLinkTerms(id, [term], 10)));
    expect((await app.deps.reports.linkTermEntries(term, 100)).filings).toBe(6);
  });

  it('files under a term holding more slots than a window reads as crowded, meeting the newest few the window begins with, at once too', async () => {
    const term = 'test:deep-term';
    // Window 3, so a read stops after 3 × 4 slots: 13 filings, then 4 at once asking only the 2 newest of a crowded term.
    for (let n = 0; n < 13; n++) await app.deps.reports.fileLinkTerms(`deep-${n}`, [term], 3);
    const ids = Array.from({ length: 4 }, (_, i) => `deep-at-once-${i}`);
    const results = await Promise.all(ids.map((id) => app.deps.reports.fileLinkTerms(id, [term], 3, 2)));
    const order = [...(await app.deps.reports.linkTermEntries(term, 100)).reportIds].reverse(); // oldest first
    expect(order).toHaveLength(17);
    // Each is crowded and meets the two filed just before it, whoever filed them.
    for (const [i, id] of ids.entries()) {
      const slot = order.indexOf(id);
      expect(results[i]!.crowded).toEqual([term]);
      expect(results[i]!.met.get(term)).toEqual(order.slice(slot - 2, slot).reverse());
    }
    // Filing again finds its own slot: the same answer, nothing new claimed; the full window begins with the same two.
    const last = order.at(-1)!;
    expect((await app.deps.reports.fileLinkTerms(last, [term], 3, 2)).met.get(term)).toEqual(order.slice(-3, -1).reverse());
    expect((await app.deps.reports.fileLinkTerms(last, [term], 3)).met.get(term)).toEqual(order.slice(-4, -1).reverse());
    expect((await app.deps.reports.linkTermEntries(term, 100)).filings).toBe(17);
  });

  it('records no edge twice when a triage job runs twice, even at once', async () => {
    const p = processor();
    const a = await call(20, ['STORAGE'], { vehicles: [{ registration: 'GF19 WXY' }] });
    expect(await p.route(a)).toBe('routed');
    const b = await call(21, ['STORAGE'], { vehicles: [{ registration: 'GF19WXY' }] });
    const outcomes = await Promise.all([p.route(b), p.route(b)]);
    expect(outcomes.sort()).toEqual(['routed', 'skipped']);
    expect(await p.route(b)).toBe('skipped');

    // One edge, filed once under each end; stored without either id in plaintext.
    const edges = await db().collection('report_links').find({}).toArray();
    expect(edges.filter((e) => String(e._id) === pairKey(app.deps.crypto, a, b))).toHaveLength(1);
    expect(JSON.stringify(edges)).not.toContain(a);
    // Filed once under the vehicle's term too, though both runs filed it at once.
    const aTerms = (await findReport(app, a)).bidx;
    const [term] = (await findReport(app, b)).bidx.filter((t) => aTerms.includes(t));
    expect((await app.deps.reports.linkTermEntries(term!, 100)).reportIds).toEqual([b, a]);
    const slots = await db().collection('report_link_slots').find({ edge: pairKey(app.deps.crypto, a, b) }).toArray();
    expect(slots).toHaveLength(2);
    expect(JSON.stringify(slots)).not.toContain(a);
    const fromA = await app.deps.reports.linksOf(await findReport(app, a));
    expect(fromA.map((l) => l.reportId)).toEqual([b]);
    const fromB = await findReport(app, b);
    expect((await app.deps.reports.linksOf(fromB)).map((l) => l.reportId)).toEqual([a]);
    expect(fromB.history.filter((h) => h.action === 'linked')).toHaveLength(1);
  });
});
