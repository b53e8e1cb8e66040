/**
 * The supervisor overview (src/reports/desk/overview.ts) and what it is built on:
 * figures from the desk queue tables, the holdings table and the intake
 * tally, never a scan of `reports` (each test takes a side table's entry
 * away and sees the figure follow the table, not the reports); the desk's
 * people with their load (deskPeople); and every desk's events in one
 * stream (supervisionChanged). Supervisors only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { londonDay } from '../../src/reports/store/intake-tally.js';
import { triageProcessorOf } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { codeOf, openDeskStream, Q, recordCall, triageDirectly } from '../support/desk.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';

const OVERVIEW = `{ supervisorOverview {
  at day
  counts { desk priority unclaimed escalated held }
  unclaimed { id reference desk priority dueBy escalated narrative }
  escalated { id reference }
  holders { userId username desk count reports { id priority } }
  intakeToday { channel count }
} }`;
const PEOPLE = `query($desk: Desk!) { deskPeople(desk: $desk) { userId username desk held } }`;
const SUPERVISION = `subscription { supervisionChanged { desk reportId kind at } }`;

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let sup: Awaited<ReturnType<typeof createStaff>>;
let a: Awaited<ReturnType<typeof createStaff>>;
let b: Awaited<ReturnType<typeof createStaff>>;
let c13: Awaited<ReturnType<typeof createStaff>>;
const ids: string[] = [];

type Overview = {
  day: string;
  counts: { desk: string; priority: string; unclaimed: number; escalated: number; held: number }[];
  unclaimed: { id: string; dueBy: string; escalated: boolean; narrative: string | null }[];
  escalated: { id: string }[];
  holders: { userId: string; username: string; desk: string; count: number; reports: { id: string; priority: string }[] }[];
  intakeToday: { channel: string; count: number }[];
};
const overview = async (token = sup.token): Promise<Overview> => {
  const res = await app.gql(OVERVIEW, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data.supervisorOverview;
};
const cell = (o: Overview, desk: string, priority: string) => o.counts.find((x) => x.desk === desk && x.priority === priority)!;
const intake = (o: Overview, channel: string) => o.intakeToday.find((x) => x.channel === channel)!.count;
const db = () => app.deps.database.db;

beforeAll(async () => {
  app = await bootApp();
  [handler, sup, a, b, c13] = await Promise.all([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'SUPERVISOR'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
  ]);
  // Four hotline calls (one on the Crimestoppers channel) and one partner referral.
  ids.push(await recordCall(app, handler.token, 1));
  ids.push(await recordCall(app, handler.token, 2));
  ids.push(await recordCall(app, handler.token, 3, { channel: 'CRIMESTOPPERS' }));
  ids.push(await recordCall(app, handler.token, 4));
  const partner = await createPartner(app);
  const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(5) }, partner.apiKey);
  expect(sent.errors).toBeUndefined();
  // SO12: one P1 and one escalated P3 waiting; SO12 P2 held by a; SO13 P2 held by the SO13 investigator.
  await triageDirectly(app, ids[0]!, 'SO12', 'P1');
  await triageDirectly(app, ids[1]!, 'SO12', 'P3', { escalated: true });
  await triageDirectly(app, ids[2]!, 'SO12', 'P2');
  await triageDirectly(app, ids[3]!, 'SO13', 'P2');
  expect((await app.gql(Q.claim, { id: ids[2] }, a.token)).errors).toBeUndefined();
  expect((await app.gql(Q.claim, { id: ids[3] }, c13.token)).errors).toBeUndefined();
});
afterAll(() => app?.close());

describe('supervisorOverview', () => {
  it('counts unclaimed, escalated and held reports by desk and priority, lists the unclaimed soonest deadline first, who holds what, and today by channel', async () => {
    const o = await overview();
    expect(o.day).toBe(londonDay(new Date()));
    expect(cell(o, 'SO12', 'P1')).toMatchObject({ unclaimed: 1, escalated: 0, held: 0 });
    expect(cell(o, 'SO12', 'P3')).toMatchObject({ unclaimed: 1, escalated: 1, held: 0 });
    expect(cell(o, 'SO12', 'P2')).toMatchObject({ unclaimed: 0, held: 1 });
    expect(cell(o, 'SO13', 'P2')).toMatchObject({ unclaimed: 0, held: 1 });
    expect(o.counts).toHaveLength(8);

    expect(new Set(o.unclaimed.map((r) => r.id))).toEqual(new Set([ids[0], ids[1]]));
    const due = o.unclaimed.map((r) => new Date(r.dueBy).getTime());
    expect(due).toEqual([...due].sort((x, y) => x - y));
    // State only: no content in the overview.
    expect(o.unclaimed.every((r) => r.narrative === null)).toBe(true);
    expect(o.escalated.map((r) => r.id)).toEqual([ids[1]]);

    expect(o.holders.map((h) => [h.username, h.count, h.reports.map((r) => r.id)]).sort()).toEqual(
      [
        [a.username, 1, [ids[2]]],
        [c13.username, 1, [ids[3]]],
      ].sort(),
    );
    expect(o.holders.find((h) => h.username === c13.username)!.desk).toBe('SO13');

    expect(intake(o, 'ANTI_TERRORIST_HOTLINE')).toBe(3);
    expect(intake(o, 'CRIMESTOPPERS')).toBe(1);
    expect(intake(o, 'PARTNER_ORGANISATION')).toBe(1);
    expect(intake(o, 'ONLINE')).toBe(0);
  });

  it('follows the side tables, not a scan of reports', async () => {
    // A queue entry taken away (as a crash might leave it) is no longer counted, though the report is still TRIAGED.
    const p1 = db().collection('desk_queue_SO12_P1');
    const entry = await p1.findOne({ _id: ids[0] as never });
    expect(entry).not.toBeNull();
    await p1.deleteOne({ _id: ids[0] as never });
    // Likewise a holding, and an intake tally entry.
    const holding = await db().collection('report_holdings').findOne({ reportId: ids[3] });
    await db().collection('report_holdings').deleteOne({ _id: holding!._id });
    const tally = await db().collection('intake_tally').findOne({ _id: ids[2] as never });
    expect(tally).toMatchObject({ channel: 'CRIMESTOPPERS', day: londonDay(new Date()) });
    await db().collection('intake_tally').deleteOne({ _id: ids[2] as never });
    try {
      const o = await overview();
      expect(cell(o, 'SO12', 'P1').unclaimed).toBe(0);
      expect(o.unclaimed.map((r) => r.id)).toEqual([ids[1]]);
      expect(cell(o, 'SO13', 'P2').held).toBe(0);
      expect(o.holders.map((h) => h.username)).toEqual([a.username]);
      expect(intake(o, 'CRIMESTOPPERS')).toBe(0);
    } finally {
      await p1.insertOne(entry!);
      await db().collection('report_holdings').insertOne(holding!);
      await db().collection('intake_tally').insertOne(tally!);
    }
    expect(cell(await overview(), 'SO12', 'P1').unclaimed).toBe(1);
  });

  it('counts a retried submission once, and files the day before the tally existed once at start-up', async () => {
    const input = hotlineCall(9);
    for (let i = 0; i < 2; i++) expect((await app.gql(RECORD_CALL, { input }, handler.token)).errors).toBeUndefined();
    expect(intake(await overview(), 'ANTI_TERRORIST_HOTLINE')).toBe(4);

    await db().collection('intake_tally').deleteMany({});
    expect(intake(await overview(), 'ANTI_TERRORIST_HOTLINE')).toBe(0);
    await app.deps.reports.ensureIndexes();
    const o = await overview();
    expect([intake(o, 'ANTI_TERRORIST_HOTLINE'), intake(o, 'CRIMESTOPPERS'), intake(o, 'PARTNER_ORGANISATION')]).toEqual([4, 1, 1]);
    expect(await db().collection('intake_tally').countDocuments({ _id: '#backfilled' as never })).toBe(1);
  });

  it('keeps counting an erased report without naming it', async () => {
    const id = await recordCall(app, handler.token, 11, { channel: 'ONLINE' });
    expect(intake(await overview(), 'ONLINE')).toBe(1);
    expect((await app.gql(Q.erase, { id, reason: 'Malicious hoax, erasure approved' }, sup.token)).errors).toBeUndefined();
    expect(intake(await overview(), 'ONLINE')).toBe(1);
    const entries = await db().collection('intake_tally').find({ channel: 'ONLINE' }).toArray();
    expect(entries.map((e) => String(e._id).startsWith('erased:'))).toEqual([true]);
    expect(JSON.stringify(await db().collection('intake_tally').find({}).toArray())).not.toContain(id);
    // Filed again from `reports` at start-up, it still names nothing.
    await db().collection('intake_tally').deleteMany({});
    await app.deps.reports.ensureIndexes();
    expect(intake(await overview(), 'ONLINE')).toBe(1);
    expect(JSON.stringify(await db().collection('intake_tally').find({}).toArray())).not.toContain(id);
  });

  it('is for supervisors only', async () => {
    for (const who of [a, handler]) expect(codeOf(await app.gql(OVERVIEW, {}, who.token))).toBe('FORBIDDEN');
  });
});

describe('deskPeople', () => {
  it("lists the desk's active investigators with how many reports each holds, fewest first", async () => {
    const res = await app.gql(PEOPLE, { desk: 'SO12' }, sup.token);
    expect(res.errors).toBeUndefined();
    const people = res.data.deskPeople as { username: string; held: number; desk: string }[];
    expect(people.map((p) => [p.username, p.held])).toEqual([
      [b.username, 0],
      [a.username, 1],
    ]);
    expect(people.every((p) => p.desk === 'SO12')).toBe(true);
    // After a reassignment the load follows.
    expect((await app.gql(Q.reassign, { id: ids[2], to: b.username, reason: 'Leave cover' }, sup.token)).errors).toBeUndefined();
    const after = (await app.gql(PEOPLE, { desk: 'SO12' }, sup.token)).data.deskPeople as { username: string; held: number }[];
    expect(after.map((p) => [p.username, p.held])).toEqual([
      [a.username, 0],
      [b.username, 1],
    ]);
    expect(codeOf(await app.gql(PEOPLE, { desk: 'SO12' }, a.token))).toBe('FORBIDDEN');
  });
});

describe('supervisionChanged', () => {
  it("streams every desk's events to a supervisor, and no one else", async () => {
    const stream = await openDeskStream(app, sup.token, null, SUPERVISION);
    try {
      expect(stream.status).toBe(200);
      // Give the subscription a moment to be registered with Redis before the changes.
      await new Promise((r) => setTimeout(r, 300));
      expect((await app.gql(Q.release, { id: ids[3], reason: 'Back to the desk' }, c13.token)).errors).toBeUndefined();
      expect((await app.gql(Q.claim, { id: ids[0] }, a.token)).errors).toBeUndefined();
      // A triage failure reaches no desk, and the supervisor hears of it all the same.
      const failing = await recordCall(app, handler.token, 12);
      expect(await triageProcessorOf(app.deps).markFailed(failing, 'test: rules could not be evaluated')).toBe(true);
      const events = (await stream.next(3)).map((e) => e.data.supervisionChanged);
      expect(events.map((e: { desk: string | null; reportId: string; kind: string }) => [e.desk, e.reportId, e.kind])).toEqual([
        ['SO13', ids[3], 'released'],
        ['SO12', ids[0], 'claimed'],
        [null, failing, 'triage-failed'],
      ]);
    } finally {
      stream.close();
    }
    const refused = await openDeskStream(app, a.token, null, SUPERVISION);
    try {
      const [first] = await refused.next(1);
      expect(first.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      refused.close();
    }
  });
});
