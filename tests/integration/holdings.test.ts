/**
 * "The reports I hold" without a scan of `reports`: the holder's list
 * (src/reports/store/person-lists.ts) and the holdings table
 * (src/reports/store/holdings.ts) follow claims, releases and reassignments
 * through applyChange, a stale entry is never shown, and reports held before
 * the list existed are filed once at start-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { buildReport, createStaff } from '../support/factories.js';
import { findReport, Q } from '../support/desk.js';

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let a: Awaited<ReturnType<typeof createStaff>>;
let b: Awaited<ReturnType<typeof createStaff>>;
let sup: Awaited<ReturnType<typeof createStaff>>;
const r: string[] = [];

const MINE = `{ myReports { id status assignee } }`;
const mine = async (token: string) => {
  const res = await app.gql(MINE, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data.myReports.map((x: { id: string }) => x.id).sort();
};
const holdings = () => app.deps.database.db.collection<{ _id: string; holder: string; reportId: string }>('report_holdings');
const lists = () => app.deps.database.db.collection<{ _id: string; rows: unknown[]; at: Date }>('person_lists');

beforeAll(async () => {
  app = await bootApp();
  [handler, a, b, sup] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO12'), createStaff(app, 'INVESTIGATOR', 'SO12'), createStaff(app, 'SUPERVISOR')]);
  for (let i = 0; i < 3; i++) r.push((await buildReport(app, { status: 'TRIAGED', desk: 'SO12', recordedBy: handler })).id);
});
afterAll(() => app?.close());

describe('holdings', () => {
  it('follow claims, releases and reassignments', async () => {
    for (const [id, who] of [[r[0]!, a], [r[1]!, a], [r[2]!, b]] as const) expect((await app.gql(Q.claim, { id }, who.token)).errors).toBeUndefined();
    expect(await mine(a.token)).toEqual([r[0], r[1]].sort());
    expect(await mine(b.token)).toEqual([r[2]]);

    expect((await app.gql(Q.release, { id: r[1], reason: 'Not mine after all' }, a.token)).errors).toBeUndefined();
    expect(await mine(a.token)).toEqual([r[0]]);
    expect(await holdings().countDocuments({ reportId: r[1] })).toBe(0);

    expect((await app.gql(Q.reassign, { id: r[0], to: b.username, reason: 'Leave cover' }, sup.token)).errors).toBeUndefined();
    expect(await mine(a.token)).toEqual([]);
    expect(await mine(b.token)).toEqual([r[0], r[2]].sort());
    expect((await holdings().find({ reportId: r[0] }).toArray()).map((h) => h.holder)).toEqual([b.user.id]);
  });

  it('never shows a stale entry, and lists only what the list holds (no scan of reports)', async () => {
    // A crash between a change and its row leaves a pending row naming a report its person does not hold: checked, not shown.
    const slots = await lists().find({ _id: { $regex: `^held:${a.user.id}#` } }).toArray();
    const next = `held:${a.user.id}#${String(slots.length).padStart(9, '0')}`;
    await lists().insertOne({ _id: next, rows: [{ id: r[2]!, v: 999, t: 0, w: Date.now(), p: 1 }], at: new Date() });
    expect(await mine(a.token)).toEqual([]);
    expect(await lists().countDocuments({ _id: next })).toBe(1); // read, and left: its change may still be under way
    // A report held per `reports` but absent from the list is not listed: myReports never reads `reports` by assignee.
    await lists().deleteMany({ _id: { $regex: `^held:${b.user.id}` } });
    expect(await mine(b.token)).toEqual([]);
    expect((await findReport(app, r[2]!)).assignee).toBe(b.user.id);
  });

  it('files the reports held before the list existed, once, at start-up', async () => {
    await holdings().deleteMany({});
    await lists().deleteMany({});
    await app.deps.reports.ensureIndexes();
    expect(await mine(b.token)).toEqual([r[0], r[2]].sort());
    expect(await holdings().countDocuments({ _id: '#backfilled' })).toBe(1);
  });
});
