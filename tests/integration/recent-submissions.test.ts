/**
 * A call handler's "my submissions" without a scan of `reports`: intake
 * notes each staff submission in `recent_submissions`
 * (src/reports/store/submissions.ts), the list reads only that table, the worker's
 * prune drops entries past the day, and submissions recorded before the
 * table existed are filed once at start-up.
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
  });

  it('reads only its table: an entry past the day is not listed, and the prune drops it', async () => {
    const old = await recordCall(app, h2.token, 805);
    await table().updateOne({ _id: old }, { $set: { recordedAt: new Date(Date.now() - 26 * 3600_000) } });
    expect(await mine(h2.token)).not.toContain(old);
    expect(await app.deps.reports.pruneSubmissions()).toBeGreaterThanOrEqual(1);
    expect(await table().countDocuments({ _id: old })).toBe(0);
    expect(await table().countDocuments({ _id: '#backfilled' })).toBe(1);
  });

  it('files the day’s submissions recorded before the table existed, once, at start-up', async () => {
    await table().deleteMany({});
    expect(await mine(h1.token)).toEqual([]);
    await app.deps.reports.ensureIndexes();
    expect((await mine(h1.token)).length).toBe(2);
  });
});
