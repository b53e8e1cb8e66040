/**
 * The link store's filing on real FerretDB: an edge recorded again (a
 * retried triage job) or twice at once (two workers) is filed once under each
 * end, and a report's links read back in full, once each, after many edges;
 * several reports' links read at once (the link chart's `linksOfMany`: slots
 * read in windows, or in one of the count a process knows, each edge once) are
 * each report's own links; an erasure
 * leaves no copy of an edge or hand entry in the other ends' slots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinkStore, edgeOf } from '../../src/reports/store/links.js';
import { bootApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

const report = (n: number) => ({ _id: `ls-${Date.now()}-${n}`, recordedAt: new Date(Date.now() + n), reference: `ATH-2026-${900000 + n}`, desk: 'SO12' as const });
const filed = (edgeId: string) => app.deps.database.db.collection('report_link_slots').countDocuments({ edge: edgeId });

describe('link store filing', () => {
  it('files a retried edge once under each end', async () => {
    const [a, b] = [report(1), report(2)];
    const edge = edgeOf(app.deps.crypto, a, b, ['vehicle'], new Date());
    await app.deps.reports.recordLink(edge);
    await app.deps.reports.recordLink(edge);
    expect(await filed(edge._id)).toBe(2);
    expect((await app.deps.reports.linksOf({ _id: a._id, links: [] })).map((l) => l.reportId)).toEqual([b._id]);
  });

  it('files one hub report under many edges, recorded at once, and reads them all back', async () => {
    const hub = report(10);
    const others = Array.from({ length: 12 }, (_, i) => report(20 + i));
    const edges = others.map((o) => edgeOf(app.deps.crypto, hub, o, ['postcode'], new Date()));
    await Promise.all(edges.map((e) => app.deps.reports.recordLink(e)));
    for (const e of edges) expect(await filed(e._id)).toBe(2);
    // Retried long after: the edge may no longer sit in the hub's last slots and be filed again there (harmless: reads go by edge).
    await Promise.all(edges.slice(0, 3).map((e) => app.deps.reports.recordLink(e)));
    expect((await app.deps.reports.linksOf({ _id: hub._id, links: [] })).map((l) => l.reportId).sort()).toEqual(others.map((o) => o._id).sort());
  });

  it('reads several reports\' links at once: each its own, across the slot windows, a shared edge on both sides, a dismissed one on neither', async () => {
    // Link counts on either side of the slot windows' edges (1, 4, 4, 8, 16, 32 lookups at once: slots 0, 1-4, 5-8, 9-16, 17-32, 33-64).
    const counts = [0, 1, 2, 5, 6, 9, 17, 33];
    const hubs = counts.map((_, h) => report(100 + h * 100));
    const spokes = counts.map((n, h) => Array.from({ length: n }, (_, i) => report(101 + h * 100 + i)));
    for (const [h, hub] of hubs.entries()) {
      await Promise.all(spokes[h]!.map((o) => app.deps.reports.recordLink(edgeOf(app.deps.crypto, hub, o, ['phone'], new Date()))));
    }
    // Two of the hubs linked to each other (one edge, read once, on both sides), and a dismissed link (on neither).
    const [a, b, c] = [hubs[2]!, hubs[5]!, hubs[3]!];
    await app.deps.reports.recordLink(edgeOf(app.deps.crypto, a, b, ['vehicle'], new Date()));
    await app.deps.reports.recordLink(edgeOf(app.deps.crypto, a, c, ['vehicle'], new Date()));
    expect(await app.deps.reports.dismissLink(a._id, c._id, new Date())).toBe(true);

    const many = await app.deps.reports.linksOfMany(hubs.map((h) => ({ _id: h._id, links: [] })));
    const expected = (h: number) => [...spokes[h]!.map((o) => o._id), ...(h === 2 ? [b._id] : h === 5 ? [a._id] : [])].sort();
    expect(many.map((links) => links.map((l) => l.reportId).sort())).toEqual(hubs.map((_, h) => expected(h)));
    for (const [h, hub] of hubs.entries()) {
      expect((await app.deps.reports.linksOf({ _id: hub._id, links: [] })).map((l) => l.reportId).sort()).toEqual(expected(h));
    }
    // This process filed them, so it knows each hub's slot count; another process (a store of its own) does not, and
    // reads them in the windows above: the same links.
    const elsewhere = await createLinkStore(app.deps.database.db, app.deps.crypto).ofMany(hubs.map((h) => h._id));
    expect(elsewhere.map((links) => links.map((l) => l.reportId).sort())).toEqual(hubs.map((_, h) => expected(h)));
  });

  it('reads past a slot count it knows when another process filed more, and stops short of it after an erasure', async () => {
    const here = createLinkStore(app.deps.database.db, app.deps.crypto);
    const there = createLinkStore(app.deps.database.db, app.deps.crypto);
    const hub = report(4_000);
    const first = Array.from({ length: 3 }, (_, i) => report(4_001 + i));
    const later = Array.from({ length: 9 }, (_, i) => report(4_010 + i));
    for (const o of first) await here.record(edgeOf(app.deps.crypto, hub, o, ['phone'], new Date()));
    expect((await here.of(hub._id)).map((l) => l.reportId).sort()).toEqual(first.map((o) => o._id).sort()); // knows 3
    for (const o of later) await there.record(edgeOf(app.deps.crypto, hub, o, ['phone'], new Date()));
    expect((await here.of(hub._id)).map((l) => l.reportId).sort()).toEqual([...first, ...later].map((o) => o._id).sort()); // 12, past the 3
    await there.eraseLinksOf(hub._id);
    expect(await here.of(hub._id)).toEqual([]); // knows 12; slot 0 is gone
    expect(await here.of(first[0]!._id)).toEqual([]);
  });

  it('erasure empties the other ends\' slots whole: no copy of the edge and no hand entry stays', async () => {
    const [a, b, c] = [report(3_001), report(3_002), report(3_003)];
    const ab = edgeOf(app.deps.crypto, a, b, ['vehicle'], new Date());
    const ac = edgeOf(app.deps.crypto, a, c, ['phone'], new Date());
    await app.deps.reports.recordLink(ab);
    await app.deps.reports.recordLink(ac);
    expect(await app.deps.reports.dismissLink(a._id, b._id, new Date())).toBe(true);
    const slots = app.deps.database.db.collection('report_link_slots');
    // Filed with their copies (the ends sealed, as on the edge), and the dismissal's hand entries besides.
    expect(await slots.countDocuments({ edge: ac._id, ends: { $exists: true } })).toBe(2);
    expect(await slots.countDocuments({ edge: ab._id, hand: true })).toBe(2);
    await app.deps.reports.eraseLinksOf(a._id);
    expect(await slots.countDocuments({ edge: { $in: [ab._id, ac._id] } })).toBe(0);
    expect(await app.deps.database.db.collection('report_links').countDocuments({ _id: { $in: [ab._id, ac._id] } } as never)).toBe(0);
    for (const other of [b, c]) {
      const left = (await app.deps.reports.linksOf({ _id: other._id, links: [] })).map((l) => l.reportId);
      expect(left).not.toContain(a._id);
    }
    // What stays of the other ends' slots is their emptied places: the key and an empty edge, nothing else.
    const emptied = await slots.find({ edge: '' }).toArray();
    expect(emptied.length).toBeGreaterThanOrEqual(3);
    for (const slot of emptied) expect(Object.keys(slot).sort()).toEqual(['_id', 'edge']);
  });
});
