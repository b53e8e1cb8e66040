/**
 * The link chart in store commands (issue 26's speed: the lever is fewer lookups by `_id` per report on FerretDB),
 * counted with the driver's command monitoring over a small cluster whose links are recorded through the link store
 * as triage records them:
 *
 *   H ──── M1..M6 (each linked to the hub), M1─M2, M3─M4, M5─M6, and Mi ──── Oi (one outer report each)
 *
 * A supervisor's depth-2 chart of H expands H, then M1..M6. Before (each link's edge read besides its slot, and
 * each report reached read twice: its desk, then whole) it sent 105 finds on the chart's collections: slots 39,
 * edges 15, reports 25, report_versions 13, report_tombstones 13. Now a slot filed by the run that stored its edge
 * carries the edge (reports/store/links.ts) and a report whose desk at link time the viewer may read is read whole
 * at once (reports/desk/neighbourhood.ts): 78 (slots 39, edges 0, reports 13, freshness 26). Now a process that
 * knows a report's slot count reads exactly its slots and the free one (links.ts `knownSlots`), and a chart reads the
 * tombstones once per batch of reports instead of one lookup each (freshness.ts `assertAllCurrent`): 60 (slots 31,
 * edges 0, reports 13, claims 13, tombstones 3).
 * Then the rules those levers must keep: a link dismissed after its slots were filed is not drawn and a manual one
 * is drawn manual (their edges read, and only theirs); a slot of the earlier shape (no copy) still reads its edge; a
 * report moved since it was linked to a desk the viewer may not read is a placeholder of its desk, never a node,
 * and nothing reached only through it is drawn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeOf } from '../../src/reports/store/links.js';
import { bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { auditEntries, findReport, Q, recordCall, triageDirectly } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { NEIGHBOURHOOD } from '../support/neighbourhood.js';

let app: TestApp;
let handler: { token: string };
let supervisor: Awaited<ReturnType<typeof createStaff>>;
let so13: { token: string };
let commands: string[] = [];
const ids = { H: '', M: [] as string[], O: [] as string[] };

/** The chart's store reads by collection (`find <collection>`), for one call. */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; finds: (collection: string) => number }> {
  commands = [];
  const result = await run();
  const seen = [...commands];
  return { result, finds: (collection) => seen.filter((c) => c === `find ${collection}`).length };
}

/** The collections a chart reads for its reports and links (the rest are sign-in and audit, unchanged). */
const CHART_COLLECTIONS = ['report_link_slots', 'report_links', 'reports', 'report_versions', 'report_tombstones', 'report_cards'];

interface Chart {
  nodes: { id: string; kind: string; reportId: string | null; desk: string | null; status?: string }[];
  edges: { id: string; kind: string; source: string; target: string; manual: boolean }[];
  truncated: string[];
}
const chartOf = async (token: string, id: string, depth: number) => {
  const res = await app.gql(NEIGHBOURHOOD, { id, depth }, token);
  expect(res.errors).toBeUndefined();
  return res.data.reportNeighbourhood as Chart;
};
const linkBetween = (chart: Chart, a: string, b: string) => chart.edges.find((e) => e.kind === 'LINK' && [e.source, e.target].sort().join() === [`report:${a}`, `report:${b}`].sort().join());

beforeAll(async () => {
  app = await bootMonitored((e) => commands.push(commandOf(e)));
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
  // Every report on SO13, triaged without linking; the links are recorded below, as triage records them.
  const report = async (i: number) => {
    const id = await recordCall(app, handler.token, 7_700 + i);
    await triageDirectly(app, id, 'SO13', 'P3');
    return findReport(app, id);
  };
  const hub = await report(0);
  const members = [];
  const outers = [];
  for (let i = 1; i <= 6; i++) members.push(await report(i));
  for (let i = 1; i <= 6; i++) outers.push(await report(10 + i));
  const link = (a: typeof hub, b: typeof hub, kind: string) => app.deps.reports.recordLink(edgeOf(app.deps.crypto, a, b, [kind], new Date()));
  for (const m of members) await link(hub, m, 'vehicle');
  for (let i = 0; i < 6; i += 2) await link(members[i]!, members[i + 1]!, 'name');
  for (const [i, m] of members.entries()) await link(m, outers[i]!, 'phone');
  ids.H = hub._id;
  ids.M = members.map((m) => m._id);
  ids.O = outers.map((o) => o._id);
}, 120_000);
afterAll(() => app?.close());

describe('the link chart in store reads', () => {
  it('a supervisor’s depth-2 chart takes each link from its slot and reads each report once', async () => {
    const { result: chart, finds } = await counted(() => chartOf(supervisor.token, ids.H, 2));
    const reports = chart.nodes.filter((n) => n.kind === 'REPORT').map((n) => n.reportId);
    expect(reports.sort()).toEqual([ids.H, ...ids.M, ...ids.O].sort());
    expect(chart.edges.filter((e) => e.kind === 'LINK')).toHaveLength(15);
    expect(chart.truncated).toEqual([]);
    // No edge read: every slot carries its edge, and no hand changed one.
    expect(finds('report_links')).toBe(0);
    // Each of the 13 reports read once (whole), with its freshness check: a claim lookup each, and the tombstones
    // read whole for each batch of reports read (the 6 members, then the 6 outer reports) besides the root's lookup;
    // then once more by the filing of their cards (none yet: these links were recorded by hand, and triage files the
    // cards of what it links), which looks for each of the 12 others first.
    expect(finds('reports')).toBe(13);
    expect(finds('report_versions')).toBe(13);
    expect(finds('report_tombstones')).toBe(3 + 1);
    expect(finds('report_cards')).toBe(12);
    // Slots: this process filed them (the links were recorded here), so it knows each report's count and reads its
    // slots and the free one after them at once: the hub's 6 + 1 and each member's 3 + 1 (in windows, not knowing
    // the counts: 6 (1, 4, 4 lookups) and 3 (1, 4), 39).
    expect(finds('report_link_slots')).toBe(7 + 6 * 4);
    // 60 in all on these collections, and 13 for the cards (the earlier code sent 78, and before that 105).
    expect(CHART_COLLECTIONS.reduce((n, c) => n + finds(c), 0)).toBeLessThanOrEqual(60 + 13);
  });

  it('charts again without reading whole the reports it kept: their version claims say they have not changed', async () => {
    const { result: chart, finds } = await counted(() => chartOf(supervisor.token, ids.H, 2));
    expect(chart.nodes.filter((n) => n.kind === 'REPORT')).toHaveLength(13);
    // The root is read as `report` reads it; the 12 others are the copies kept by the first chart (report-cache.ts),
    // each checked by its claim lookup, and the tombstones read once.
    expect(finds('reports')).toBe(1);
    expect(finds('report_versions')).toBe(13);
    expect(finds('report_tombstones')).toBe(3); // the root's lookup, then once for each batch (the members, the outer reports)
  });

  it('draws no link dismissed after its slots were filed, draws a manual one as manual, and reads only their edges', async () => {
    const [m1, m2, m3] = ids.M as [string, string, string];
    const o4 = ids.O[3]!;
    expect(await app.deps.reports.dismissLink(m1, m2, new Date())).toBe(true);
    const [a, b] = [await findReport(app, m3), await findReport(app, o4)];
    await app.deps.reports.recordManualLink({ ...edgeOf(app.deps.crypto, a, b, ['vehicle'], new Date()), manual: true, by: supervisor.user.id });
    const { result: chart, finds } = await counted(() => chartOf(supervisor.token, ids.H, 2));
    expect(linkBetween(chart, m1, m2)).toBeUndefined();
    expect(linkBetween(chart, m3, o4)).toMatchObject({ manual: true });
    expect(linkBetween(chart, ids.H, m1)).toMatchObject({ manual: false });
    expect(chart.edges.filter((e) => e.kind === 'LINK')).toHaveLength(15); // one gone, one made
    // The two edges changed by hand are read (their hand entries say so); every other link comes from its slot.
    expect(finds('report_links')).toBe(2);
    // The same from the link store directly, for each end.
    expect((await app.deps.reports.linksOf({ _id: m1, links: [] })).map((l) => l.reportId)).not.toContain(m2);
    expect((await app.deps.reports.linksOf({ _id: o4, links: [] })).find((l) => l.reportId === m3)).toMatchObject({ manual: true });
  });

  it('reads a slot of the earlier shape (no copy) from its edge', async () => {
    const slots = app.deps.database.db.collection('report_link_slots');
    const [m5, m6] = [ids.M[4]!, ids.M[5]!];
    const before = await chartOf(supervisor.token, ids.H, 2);
    expect(linkBetween(before, m5, m6)).toBeDefined();
    // Every slot as filed before slots carried their edges: the edge's id alone.
    await slots.updateMany({}, { $unset: { ends: '', reasons: '', at: '' } });
    expect(await slots.countDocuments({ ends: { $exists: true } })).toBe(0);
    const { result: chart, finds } = await counted(() => chartOf(supervisor.token, ids.H, 2));
    expect(chart.edges.filter((e) => e.kind === 'LINK').map((e) => e.id).sort()).toEqual(before.edges.filter((e) => e.kind === 'LINK').map((e) => e.id).sort());
    // Each of the 16 edges the expanded reports file (6 from the hub, 3 between members, 6 to outer reports, the manual one).
    expect(finds('report_links')).toBe(16);
  });

  it('shows an investigator a report moved to another desk since it was linked as that desk’s placeholder, and nothing beyond it', async () => {
    const [m6, o6] = [ids.M[5]!, ids.O[5]!];
    const moved = await app.gql(Q.refer, { id: m6, desk: 'SO12', reason: 'Moved after linking (chart test)' }, supervisor.token);
    expect(moved.errors).toBeUndefined();
    const chart = await chartOf(so13.token, ids.H, 2);
    const reports = chart.nodes.filter((n) => n.kind === 'REPORT').map((n) => n.reportId);
    expect(reports).not.toContain(m6);
    expect(reports).not.toContain(o6); // linked only through the moved report
    expect(reports).toContain(ids.M[4]);
    expect(chart.nodes.filter((n) => n.kind === 'PLACEHOLDER')).toEqual([expect.objectContaining({ id: 'held:SO12', desk: 'SO12', reportId: null })]);
    expect(chart.edges.filter((e) => e.kind === 'HELD').map((e) => e.source).sort()).toEqual([`report:${ids.H}`, `report:${ids.M[4]}`].sort());
    expect(JSON.stringify(chart)).not.toContain(m6);
  });

  it('draws a kept report as it is now once it has changed, and drops an erased one without an integrity alarm', async () => {
    const [m1, m2] = [ids.M[0]!, ids.M[1]!];
    await chartOf(supervisor.token, ids.H, 1); // both kept
    expect((await app.gql(Q.claim, { id: m1 }, so13.token)).errors).toBeUndefined();
    const changed = await counted(() => chartOf(supervisor.token, ids.H, 1));
    expect(changed.result.nodes.find((n) => n.reportId === m1)).toMatchObject({ status: 'ASSIGNED' });
    expect(changed.finds('reports')).toBe(2); // the root, and m1 read again: its claim for the next version is there
    expect((await app.gql(Q.erase, { id: m2, reason: 'Malicious hoax, erasure approved (chart test)' }, supervisor.token)).errors).toBeUndefined();
    const after = await chartOf(supervisor.token, ids.H, 1);
    expect(after.nodes.map((n) => n.reportId)).not.toContain(m2); // its links went with it
    // Still kept from the chart before; the erasure removed its version claims, so its tombstone is what says it changed.
    const [erased] = await app.deps.reports.findManyById([m2], 8);
    expect(erased).toMatchObject({ _id: m2, status: 'ERASED', content: null });
    expect(await auditEntries(app, 'report.integrity_failure', m2)).toEqual([]);
  });
});
