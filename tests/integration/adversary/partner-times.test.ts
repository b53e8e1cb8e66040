/**
 * A partner's request time, recovered to the second (trust review 2, item 7)
 * by whoever reads the metrics or the audit chain. Before this,
 * `/metrics` counted and timed `submitPartnerReferral` and the other partner
 * operations by name (a counter scraped every few seconds dates each
 * request), and a partner's audit entry, though timed to the minute, sat in
 * the chain between the staff entries around its real moment, timed to the
 * millisecond. Now no partner operation appears in the metrics (partner
 * operations are read from the policy table), and a partner entry is
 * appended only after its minute has passed: every staff entry of that
 * minute comes before it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/audit/types.js';
import { isPartnerOperation, POLICY } from '../../../src/auth/policy.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createPartner, createStaff } from '../../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, REFERRAL_STATUS, SUBMIT_REFERRAL } from '../../support/payloads.js';
import { waitFor } from '../../support/spawn.js';

const MINUTE = 60_000;
const TOKEN = randomBytes(24).toString('hex');
const PARTNER_OPERATIONS = Object.keys(POLICY).filter(isPartnerOperation);

let app: TestApp;
let handler: { token: string };
let partner: { apiKey: string; partner: { id: string } };

beforeAll(async () => {
  // The default: partner entries held past their minute (tests otherwise turn it off).
  app = await bootApp({ env: { METRICS_TOKEN: TOKEN, PARTNER_AUDIT_HOLD: 'minute' } });
  handler = await createStaff(app, 'CALL_HANDLER');
  partner = await createPartner(app);
}, 60_000);
afterAll(() => app?.close());

const scrape = async () => {
  const res = await fetch(app.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
};
/** Every request counted, whatever its labels (the scrapes themselves left out). */
const requestsCounted = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('hotline_http_requests_total{') && !l.includes('operation="/metrics"'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);

describe('metrics hold no partner operation', () => {
  it('after partner requests of every kind, /metrics names no partner operation and counts none of them', async () => {
    expect(PARTNER_OPERATIONS).toEqual(expect.arrayContaining(['submitPartnerReferral', 'partnerReferralStatus', 'addToReferral', 'answerPartnerQuestion']));
    // A staff request, as a control: its operation is there.
    expect((await app.gql(RECORD_CALL, { input: hotlineCall(1) }, handler.token)).errors).toBeUndefined();
    const before = await scrape();
    expect(before).toContain('operation="recordHotlineCall"');

    const submitted = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(1) }, partner.apiKey);
    expect(submitted.errors).toBeUndefined();
    const receipt = submitted.data.submitPartnerReferral.receipt;
    expect((await app.gql(REFERRAL_STATUS, { r: receipt }, partner.apiKey)).errors).toBeUndefined();
    // A partner key on an operation anyone may run, a partner operation without a key, and one beside another root field.
    expect((await app.gql('{ me { __typename } }', {}, partner.apiKey)).status).toBe(200);
    expect((await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(2) })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await app.gql(`query($r: String!) { partnerReferralStatus(receipt: $r) { receipt } me { __typename } }`, { r: receipt }, handler.token);

    const after = await scrape();
    for (const op of PARTNER_OPERATIONS) expect(after).not.toContain(op);
    // Not counted under another label either (the multiple, invalid or `me` series): only the staff request's own did not move.
    expect(requestsCounted(after)).toBe(requestsCounted(before));
  });
});

describe("a partner entry's place in the chain", () => {
  it('comes after every staff entry of its minute, and the partner does not wait for the minute to end', async () => {
    // Staff, partner, staff, all in one minute (started early enough in it for a loaded machine).
    if (Date.now() % MINUTE > 35_000) await new Promise((r) => setTimeout(r, MINUTE - (Date.now() % MINUTE) + 200));
    expect((await app.gql(RECORD_CALL, { input: hotlineCall(10) }, handler.token)).errors).toBeUndefined();
    const started = Date.now();
    const submitted = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(10) }, partner.apiKey);
    expect(submitted.errors).toBeUndefined();
    // Well under the 25 s or more the hold has left to run (it ends 2 s after this minute).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await app.gql(RECORD_CALL, { input: hotlineCall(11) }, handler.token)).errors).toBeUndefined();

    const audit = app.deps.database.db.collection<AuditEntry & { _id: number }>('audit');
    const isPartners = (e: AuditEntry) => e.actor.type === 'partner' && e.action === 'report.create';
    // Both referrals of this file (the first test's and this one) end up chained, once their minutes have passed.
    await waitFor(async () => (await audit.countDocuments({ 'actor.type': 'partner', action: 'report.create' })) >= 2, 75_000, 'the partner entries to be chained');

    const chain = (await audit.find({}).toArray()).sort((a, b) => a._id - b._id);
    const minute = Math.floor(started / MINUTE) * MINUTE;
    const partnersOfThatMinute = chain.filter((e) => isPartners(e) && new Date(e.at).getTime() === minute);
    expect(partnersOfThatMinute.length).toBeGreaterThanOrEqual(1);
    const staffOfThatMinute = chain.filter((e) => e.actor.type === 'user' && Math.floor(new Date(e.at).getTime() / MINUTE) * MINUTE === minute);
    expect(staffOfThatMinute.length).toBeGreaterThanOrEqual(2);
    // No staff entry of the partner's minute comes after it: its place says only that its minute had ended.
    for (const p of partnersOfThatMinute) for (const staff of staffOfThatMinute) expect(staff._id).toBeLessThan(p._id);
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true });
  }, 150_000);
});
