/**
 * The link chart's neighbourhood query on the real stack (src/reports/desk/neighbourhood.ts):
 * readable reports as full nodes, shared values as entity nodes, one
 * placeholder per unreadable desk with nothing reached through it, the
 * timeline, the audit of opening and exporting a chart, and its bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeOf } from '../../src/reports/store/links.js';
import { MAX_NODES, READ_BUDGET } from '../../src/reports/desk/neighbourhood.js';
import { bootMonitored, type TestApp } from '../support/app.js';
import { auditEntries, findReport } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { buildChartWorld, EXPORT_CHART, NEIGHBOURHOOD, SHARED, type ChartWorld } from '../support/neighbourhood.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
let so13: { token: string; username?: string };
let so12: { token: string };
let world: ChartWorld;

beforeAll(async () => {
  // Command monitoring on, so the bounds test can count the store reads a chart makes.
  app = await bootMonitored();
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
  so12 = await createStaff(app, 'INVESTIGATOR', 'SO12');
  world = await buildChartWorld(app, { handler: handler.token, supervisor: supervisor.token }, 1);
}, 120_000);
afterAll(() => app?.close());

interface Node { id: string; kind: string; label: string; reportId: string | null; reference: string | null; desk: string | null; depth: number | null; entityKind: string | null }
interface Edge { id: string; kind: string; source: string; target: string; reasons: string[]; manual: boolean }
const chartOf = async (token: string, id: string, depth: number) => {
  const res = await app.gql(NEIGHBOURHOOD, { id, depth }, token);
  expect(res.errors).toBeUndefined();
  return res.data.reportNeighbourhood as { nodes: Node[]; edges: Edge[]; truncated: string[]; timeline: { reportId: string; kind: string; at: string }[] };
};
const rid = (id: string) => `report:${id}`;

describe('reportNeighbourhood', () => {
  it('draws an SO13 investigator the readable reports at depth 1, the value they share, and SO12 as one placeholder', async () => {
    const { ids } = world;
    const chart = await chartOf(so13.token, ids.A, 1);
    const reports = chart.nodes.filter((n) => n.kind === 'REPORT');
    expect(reports.map((n) => n.reportId).sort()).toEqual([ids.A, ids.B].sort());
    expect(reports.find((n) => n.reportId === ids.A)).toMatchObject({ reference: world.refs.A, desk: 'SO13', depth: 0 });
    expect(chart.nodes.filter((n) => n.kind === 'PLACEHOLDER')).toEqual([expect.objectContaining({ id: 'held:SO12', label: 'held by SO12', desk: 'SO12', reportId: null, reference: null })]);
    const entities = chart.nodes.filter((n) => n.kind === 'ENTITY');
    expect(entities.map((n) => [n.entityKind, n.label])).toEqual([['vehicle', SHARED.PLATE_AB]]);
    const link = chart.edges.find((e) => e.kind === 'LINK')!;
    expect([link.source, link.target].sort()).toEqual([rid(ids.A), rid(ids.B)].sort());
    expect(link.reasons).toEqual(['vehicle']);
    expect(chart.edges.filter((e) => e.kind === 'HELD')).toEqual([expect.objectContaining({ source: rid(ids.A), target: 'held:SO12', reasons: [] })]);
    expect(chart.edges.filter((e) => e.kind === 'SHARES').map((e) => e.source).sort()).toEqual([rid(ids.A), rid(ids.B)].sort());
    expect(chart.truncated).toEqual([]);
    // A's phone is shared only with the SO12 report: no entity for it.
    expect(JSON.stringify(chart)).not.toContain(SHARED.PHONE_AC);
  });

  it('reaches D at depth 2 through B (a shared name) but never E, linked only through the SO12 report', async () => {
    const { ids } = world;
    const chart = await chartOf(so13.token, ids.A, 2);
    expect(chart.nodes.filter((n) => n.kind === 'REPORT').map((n) => n.reportId).sort()).toEqual([ids.A, ids.B, ids.D].sort());
    expect(chart.nodes.find((n) => n.reportId === ids.D)?.depth).toBe(2);
    expect(chart.nodes.filter((n) => n.kind === 'ENTITY').map((n) => n.label).sort()).toEqual([SHARED.NAME_BD, SHARED.PLATE_AB].sort());
    expect(chart.edges.find((e) => e.kind === 'LINK' && [e.source, e.target].includes(rid(ids.D)))?.reasons).toEqual(['name']);
    const text = JSON.stringify(chart);
    for (const hidden of [ids.C, ids.E, world.refs.C, world.refs.E, world.hidden.postcodeCE, world.hidden.nameC, world.hidden.plateC]) expect(text).not.toContain(hidden);
    // The timeline: the readable reports' events, oldest first.
    expect(new Set(chart.timeline.map((e) => e.reportId))).toEqual(new Set([ids.A, ids.B, ids.D]));
    expect(chart.timeline.filter((e) => e.kind === 'RECEIVED')).toHaveLength(3);
    const times = chart.timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('shows a supervisor every report, C and E included, with no placeholder', async () => {
    const { ids } = world;
    const chart = await chartOf(supervisor.token, ids.A, 2);
    expect(chart.nodes.filter((n) => n.kind === 'REPORT').map((n) => n.reportId).sort()).toEqual(Object.values(ids).sort());
    expect(chart.nodes.filter((n) => n.kind === 'PLACEHOLDER')).toEqual([]);
    expect(chart.nodes.filter((n) => n.kind === 'ENTITY').map((n) => n.label).sort()).toEqual([SHARED.NAME_BD, SHARED.PHONE_AC, SHARED.PLATE_AB, SHARED.POSTCODE_CE].sort());
  });

  it('refuses a report the viewer may not read, a call handler, and a depth other than 1 or 2', async () => {
    expect((await app.gql(NEIGHBOURHOOD, { id: world.ids.A, depth: 1 }, so12.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(NEIGHBOURHOOD, { id: world.ids.A, depth: 1 }, handler.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(NEIGHBOURHOOD, { id: 'no-such-report', depth: 1 }, so13.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await app.gql(NEIGHBOURHOOD, { id: world.ids.A, depth: 3 }, so13.token)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('audits opening a chart like a search: each readable report decrypted, the chart with no value', async () => {
    const { ids } = world;
    await chartOf(so13.token, ids.A, 2);
    const chart = (await auditEntries(app, 'report.chart', ids.A))[0]!;
    expect(chart).toMatchObject({ target: { type: 'report', id: ids.A }, details: { depth: 2, reports: 3, sharedValues: 2, placeholders: ['SO12'], truncated: false } });
    const reads = (await auditEntries(app, 'report.read')).filter((e) => e.details?.purpose === 'chart' && e.details.chart === chart.details.chart);
    // The root is decrypted; B and D too when read whole, or (met as their cards, filed by the charts above) the first
    // holder of a value no decrypted report spells: never a report the viewer may not read.
    const decrypted = reads.map((e) => e.target?.id);
    expect(decrypted).toContain(ids.A);
    expect(new Set(decrypted).size).toBe(decrypted.length);
    for (const id of decrypted) expect([ids.A, ids.B, ids.D]).toContain(id);
    const entries = [chart, ...reads];
    const text = JSON.stringify(entries);
    for (const value of Object.values(SHARED)) expect(text).not.toContain(value);
    expect(text).not.toContain(ids.C);
  });

  it('records an export of the chart as a picture: who, which report, which depth', async () => {
    const res = await app.gql(EXPORT_CHART, { id: world.ids.A, depth: 2 }, so13.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.recordChartExport).toBe(true);
    const entry = (await auditEntries(app, 'report.chart_export', world.ids.A))[0];
    expect(entry).toMatchObject({ actor: { type: 'user' }, target: { type: 'report', id: world.ids.A }, details: { reference: world.refs.A, depth: 2, format: 'png' } });
    expect((await app.gql(EXPORT_CHART, { id: world.ids.A, depth: 2 }, so12.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('reportNeighbourhood bounds', () => {
  it(`draws at most ${MAX_NODES} nodes, says why more are not shown, and reads a bounded number of store records`, async () => {
    // A hub linked to 230 reports (edges recorded through the link store, as triage records them).
    const record = async (i: number) => (await app.gql(RECORD_CALL, { input: hotlineCall(5_000 + i) }, handler.token)).data.recordHotlineCall.id as string;
    const hubId = await record(0);
    const hub = await findReport(app, hubId);
    for (let i = 1; i <= 230; i++) {
      const other = await findReport(app, await record(i));
      await app.deps.reports.recordLink(edgeOf(app.deps.crypto, hub, other, ['vehicle'], new Date()));
    }
    const client = app.deps.database.client;
    let finds = 0;
    let slotFinds = 0;
    const count = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === 'find') finds++;
      if (e.commandName === 'find' && e.command.find === 'report_link_slots') slotFinds++;
    };
    client.on('commandStarted', count);
    const chart = await chartOf(supervisor.token, hubId, 2);
    client.off('commandStarted', count);
    expect(chart.nodes.length).toBeLessThanOrEqual(MAX_NODES);
    expect(chart.nodes.filter((n) => n.kind === 'REPORT').length).toBeGreaterThan(100);
    expect(chart.truncated).toEqual(expect.arrayContaining([expect.stringMatching(/more linked reports than a chart shows \(200 nodes at most\)/)]));
    expect(chart.truncated).toEqual(expect.arrayContaining([expect.stringMatching(/the links of some reports were not read/)]));
    // Store reads: about READ_BUDGET, plus the last report's links read in full (a report has at most 1,024 slots).
    expect(finds).toBeLessThanOrEqual(READ_BUDGET + 2 * 1_024 + 50);
    expect(finds).toBeGreaterThan(0);
    // Full after the hub's links: no further report's links are read (they could draw no further report), so
    // the only slots read are the hub's 230 and the free one after them, known to this process (it filed them).
    expect(chart.truncated).toEqual(expect.arrayContaining([expect.stringMatching(/once the chart was full \(200 nodes at most\): links between the reports shown may be missing/)]));
    expect(slotFinds).toBe(231);
  }, 180_000);
});
