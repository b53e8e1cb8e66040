/**
 * Linking at a bounded cost: a link is an edge of its own (`report_links`),
 * never a write into the other report, read from either end; a term shared
 * by more reports than LINK_SHARED_THRESHOLD is recorded as "shared by many"
 * and neither linked nor allowed to steer routing; a retried job records no
 * edge twice. The processor is driven by hand (no worker) so that the order
 * in which reports are filed is the test's.
 */
import { pairKey } from '../../src/reports/links.js';
import { triageProcessorOf } from '../../src/worker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { findReport, Q, recordCall } from '../support/desk.js';

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
    expect(redacted.data.report.links).toEqual([{ reportId: b, reference: null, desk: 'SO12', reasons: ['vehicle'], readable: false }]);
  });

  it('records a postcode shared by more reports than the threshold as "shared by many", links none of them by it, and routes as if it were absent', async () => {
    const p = processor();
    const station = { locations: [{ address: 'Station forecourt', postcode: 'N1C 4QP' }] };
    // Four on SO13 at P2 (a link to any of them would pull a report there), then one that the rules send to SO12 at P3.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await call(10 + i, ['HOSTILE_RECONNAISSANCE'], station));
      expect(await p.route(ids[i]!)).toBe('routed');
    }
    const fifth = await call(14, ['FINANCE'], station);
    expect(await p.route(fifth)).toBe('routed');

    const docs = await Promise.all([...ids, fifth].map((id) => findReport(app, id)));
    // Below the threshold the postcode links as usual (the third meets the first two)...
    expect((await app.deps.reports.linksOf(docs[2]!)).map((l) => l.reportId).sort()).toEqual([ids[0], ids[1]].sort());
    expect(docs[2]!.triage!.reasons).not.toContain('shared-by-many:postcode');
    // ...beyond it, one fact on the report and no link, and routing by the rules alone.
    for (const doc of [docs[3]!, docs[4]!]) {
      expect(doc.triage!.reasons).toContain('shared-by-many:postcode');
      expect(doc.links).toEqual([]);
      expect(await app.deps.reports.linksOf(doc)).toEqual([]);
    }
    expect(docs[4]).toMatchObject({ desk: 'SO12', priority: 'P3' });
    expect(docs[4]!.triage!.reasons).toEqual(['rule:finance', 'shared-by-many:postcode']);
    for (const id of ids) expect(await app.deps.reports.findLinkEdge(id, fifth)).toBeNull();
    // The earlier reports did not gain links from the later ones either.
    expect((await app.deps.reports.linksOf(docs[0]!)).map((l) => l.reportId).sort()).toEqual([ids[1], ids[2]].sort());
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
