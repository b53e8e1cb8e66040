/**
 * Report cards (src/reports/model/card.ts, src/reports/store/cards.ts): the link chart of a process that kept no report reads
 * its root whole and every other readable report as its card, a small document triage filed when it linked the
 * report (or the chart itself after reading the report whole), and decrypts only what it must to spell the values
 * they share. Cards must never change what is drawn, never stand in for a report that changed since, never survive a
 * forgery (their MAC) and never outlive an erasure.
 *
 * Two processes on one database: `app` built the neighbourhood (tests/support/neighbourhood.ts, routed by the real
 * triage, which files the cards), and `fresh` (its own report cache, empty) charts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { findReport, Q } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { buildChartWorld, NEIGHBOURHOOD, SHARED, type ChartWorld } from '../support/neighbourhood.js';

let app: TestApp;
let fresh: TestApp;
/** Processes started by a test (closed last: closing one drops the shared database). */
const others: TestApp[] = [];
let supervisor: Awaited<ReturnType<typeof createStaff>>;
let so13: Awaited<ReturnType<typeof createStaff>>;
let world: ChartWorld;
let commands: string[] = [];

interface Chart {
  nodes: { id: string; kind: string; label: string | null; reportId: string | null; status: string | null; desk: string | null }[];
  edges: unknown[];
  timeline: unknown[];
  truncated: string[];
}
const chartOf = async (on: TestApp, token: string, id: string, depth = 2) => {
  const res = await on.gql(NEIGHBOURHOOD, { id, depth }, token);
  expect(res.errors).toBeUndefined();
  return res.data.reportNeighbourhood as Chart;
};
/** Another process on `app`'s database, its commands counted. */
async function process2() {
  const started = await bootMonitored((e) => commands.push(commandOf(e)), { env: { ...app.env } });
  others.push(started);
  return started;
}
/** A chart on `on` (`fresh` unless told), with its reads by collection. */
async function counted(token: string, id: string, on: TestApp = fresh) {
  commands = [];
  const chart = await chartOf(on, token, id);
  const seen = [...commands];
  return { chart, finds: (collection: string) => seen.filter((c) => c === `find ${collection}`).length };
}
const cardOn = (id: string) => app.deps.database.db.collection<{ _id: string; version: number; status: string; mac: string }>('report_cards').findOne({ _id: id });

beforeAll(async () => {
  app = await bootApp();
  const handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
  world = await buildChartWorld(app, { handler: handler.token, supervisor: supervisor.token }, 7);
  fresh = await process2();
}, 120_000);
afterAll(async () => {
  for (const other of others) await other.close();
  await app?.close();
});

describe('report cards for the link chart', () => {
  it('a process that kept nothing reads the root whole and the others as their cards, and draws what reading them whole draws', async () => {
    const { ids } = world;
    // Drawn by the process that triaged them: its reports read whole or kept; it files the cards of those that moved
    // desk after their triage (their triage's card is of an earlier version).
    const whole = await chartOf(app, supervisor.token, ids.A);
    for (const key of ['A', 'B', 'C', 'D', 'E'] as const) expect((await cardOn(ids[key]))?.version).toBe((await findReport(app, ids[key])).version);

    const { chart, finds } = await counted(supervisor.token, ids.A);
    expect(chart).toEqual(whole);
    expect(chart.nodes.filter((n) => n.kind === 'ENTITY').map((n) => n.label).sort()).toEqual(Object.values(SHARED).sort());
    // The 4 others' cards, and the root's (read whole, so its card is filed: found there and current, left as it is).
    expect(finds('report_cards')).toBe(4 + 1);
    // The root, then for each value no report read whole spells, its first holder: A spells the plate and the phone;
    // B (the name B and D share) and C (the postcode C and E share) are read whole and decrypted for their words.
    expect(finds('reports')).toBe(3);
  });

  it('an SO13 investigator charting from cards sees the SO12 report as one placeholder, and nothing beyond it', async () => {
    const { ids } = world;
    const { chart, finds } = await counted(so13.token, ids.A);
    // D's card is kept from the chart above, and B whole (read to spell the name): a minute, checked by their version
    // claims (report-cache.ts). The one card lookup is the filing of B's card, found there and current, left as it is.
    expect(finds('report_cards')).toBe(1);
    expect(finds('report_versions')).toBeGreaterThanOrEqual(2);
    expect(chart).toEqual(await chartOf(app, so13.token, ids.A));
    const text = JSON.stringify(chart);
    for (const hidden of [ids.C, ids.E, world.refs.C, world.refs.E, world.hidden.postcodeCE, world.hidden.nameC, world.hidden.plateC, world.hidden.phoneC]) expect(text).not.toContain(hidden);
    expect(chart.nodes.filter((n) => n.kind === 'PLACEHOLDER').map((n) => n.desk)).toEqual(['SO12']);
  });

  it('leaves aside a card that does not verify (changed in the database), reads its report whole and files it again', async () => {
    const { ids } = world;
    const before = await findReport(app, ids.D);
    await app.deps.database.db.collection('report_cards').updateOne({ _id: ids.D } as never, { $set: { status: 'CLOSED', desk: 'SO12' } });
    // A process that kept nothing (one that keeps D's card from a chart within the minute draws that, as the service wrote it).
    const { chart, finds } = await counted(supervisor.token, ids.A, await process2());
    expect(chart.nodes.find((n) => n.reportId === ids.D)).toMatchObject({ status: before.status, desk: before.desk });
    expect(finds('reports')).toBe(3); // the root, D (which spells the name it shares with B), and C for the postcode C and E share
    expect(await cardOn(ids.D)).toMatchObject({ status: before.status, version: before.version });
  });

  it('reads whole a report changed since its card, draws it as it is now, and replaces its card', async () => {
    const { ids } = world;
    const moved = await app.gql(Q.refer, { id: ids.E, desk: 'SO12', reason: 'Moved for the card test' }, supervisor.token);
    expect(moved.errors).toBeUndefined();
    const now = await findReport(app, ids.E);
    const { chart } = await counted(supervisor.token, ids.A);
    expect(chart.nodes.find((n) => n.reportId === ids.E)).toMatchObject({ desk: 'SO12', status: now.status });
    expect(await cardOn(ids.E)).toMatchObject({ version: now.version, desk: 'SO12' });
  });

  it('erases a report’s card with it, and a chart after draws no node of it', async () => {
    const { ids } = world;
    const erased = await app.gql(Q.erase, { id: ids.E, reason: 'Erasure ordered for the card test' }, supervisor.token);
    expect(erased.errors).toBeUndefined();
    expect(await cardOn(ids.E)).toBeNull();
    const { chart } = await counted(supervisor.token, ids.A);
    expect(chart.nodes.some((n) => n.reportId === ids.E)).toBe(false);
    expect(await cardOn(ids.E)).toBeNull();
  });
});
