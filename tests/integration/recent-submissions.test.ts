/**
 * A call handler's "my submissions" without a scan of `reports`: intake
 * files each staff submission in its recorder's list
 * (src/reports/store/person-lists.ts), the list reads only that list, a row
 * past the day is not listed and leaves the next snapshot, the worker's prune
 * drops slots under a snapshot, and submissions recorded before the list
 * existed (in `recent_submissions`, src/reports/store/submissions.ts) are
 * filed once at start-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { recordCall } from '../support/desk.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';

let app: TestApp;
let h1: Awaited<ReturnType<typeof createStaff>>;
let h2: Awaited<ReturnType<typeof createStaff>>;

const MINE = `{ mySubmissions { id reference } }`;
const mine = async (token: string) => {
  const res = await app.gql(MINE, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data.mySubmissions.map((x: { id: string }) => x.id);
};
const table = () => app.deps.database.db.collection<{ _id: string; by: string; recordedAt: Date }>('recent_submissions');
type Row = { id: string; t: number };
const lists = () => app.deps.database.db.collection<{ _id: string; rows: Row[]; at: Date }>('person_lists');

beforeAll(async () => {
  app = await bootApp();
  [h1, h2] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'CALL_HANDLER')]);
});
afterAll(() => app?.close());

describe('recent submissions', () => {
  it('lists my own calls, newest first, and nobody else’s; partners’ referrals are never entered', async () => {
    const first = await recordCall(app, h1.token, 801);
    const second = await recordCall(app, h1.token, 802);
    const other = await recordCall(app, h2.token, 803);
    expect(await mine(h1.token)).toEqual([second, first]);
    expect(await mine(h2.token)).toEqual([other]);
    const partner = await createPartner(app);
    const res = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(804) }, partner.apiKey);
    expect(res.errors).toBeUndefined();
    expect(await table().countDocuments({ by: partner.partner.id })).toBe(0);
    expect(await lists().countDocuments({ _id: { $regex: `^submitted:${partner.partner.id}` } })).toBe(0);
  });

  it('reads only its list: a row past the day is not listed, leaves the next snapshot, and the prune drops old slots', async () => {
    const old = await recordCall(app, h2.token, 805);
    for (const d of await lists().find({ 'rows.id': old } as never).toArray()) {
      await lists().updateOne({ _id: d._id }, { $set: { rows: d.rows.map((r) => (r.id === old ? { ...r, t: Date.now() - 26 * 3600_000 } : r)) } });
    }
    expect(await mine(h2.token)).not.toContain(old);
    // Enough calls for a snapshot (person-lists.ts SNAPSHOT_EVERY): it holds no row of the old call.
    const later: string[] = [];
    for (let i = 0; i < 8; i++) later.push(await recordCall(app, h2.token, 806 + i));
    const listed: string[] = await mine(h2.token);
    expect(listed.slice(0, later.length)).toEqual([...later].reverse());
    expect(listed).not.toContain(old);
    const snapshots = await lists().find({ _id: { $regex: `^submitted:${h2.user.id}@` } }).toArray();
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snap of snapshots) expect(snap.rows.map((r) => r.id)).not.toContain(old);
    // Slots under the snapshot, once past the readers' grace: dropped by the prune; the list reads the same.
    const before = await mine(h2.token);
    await lists().updateMany({ _id: { $regex: `^submitted:${h2.user.id}` } }, { $set: { at: new Date(Date.now() - 3600_000) } });
    expect(await app.deps.reports.pruneSubmissions()).toBeGreaterThanOrEqual(1);
    expect(await lists().countDocuments({ _id: `submitted:${h2.user.id}#${String(0).padStart(9, '0')}` })).toBe(0);
    expect(await mine(h2.token)).toEqual(before);
    expect(await table().countDocuments({ _id: '#backfilled' })).toBe(1);
  });

  it('files the day’s submissions recorded before the list existed, once, at start-up', async () => {
    // A store from before the list: its day in `recent_submissions` (filed there from a scan of `reports`), no list.
    await table().deleteMany({});
    await lists().deleteMany({});
    expect(await mine(h1.token)).toEqual([]);
    await app.deps.reports.ensureIndexes();
    expect((await mine(h1.token)).length).toBe(2);
  });
});
