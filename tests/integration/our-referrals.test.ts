/**
 * The partner portal's reading operations on the partner face (`ourReferrals`, `ourReferral`): an organisation
 * lists its own referrals (receipt, minute passed on, coarse state, question waiting), newest first, filtered and
 * paged; opens one by receipt to see its own words, the questions and answers, and its additions. Another
 * organisation's receipt, an erased referral and a made-up receipt are the same NOT_FOUND; receipts typed by hand
 * that find nothing are rate-limited; the receipt is stored sealed only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { RECEIPT_MISSES_PER_WINDOW } from '../../src/auth/rate-limit.js';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, Q, waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';

const LIST = `query($state: [PartnerReferralState!], $after: String, $first: Int) { ourReferrals(state: $state, after: $after, first: $first) {
  edges { cursor node { receipt passedOnAt state questionWaiting } } pageInfo { hasNextPage endCursor } questionsWaiting } }`;
const ONE = `query($r: String!) { ourReferral(receipt: $r) { receipt passedOnAt state narrative partnerReference vehicles { registration }
  additions { at narrative } questions { id question askedAt answer answeredAt } questionsWaiting } }`;
const ASK = `mutation($id: ID!, $q: String!) { askPartner(reportId: $id, question: $q) { id } }`;
const ANSWER = `mutation($r: String!, $q: ID!, $a: String!) { answerPartnerQuestion(receipt: $r, questionId: $q, answer: $a) { id answered } }`;
const ADD = `mutation($r: String!, $input: FollowUpInput!) { addToReferral(receipt: $r, input: $input) { receipt } }`;

let app: TestApp;
let a: Awaited<ReturnType<typeof createPartner>>;
let b: Awaited<ReturnType<typeof createPartner>>;

beforeAll(async () => {
  app = await bootApp({ worker: true, partner: true });
  [a, b] = [await createPartner(app), await createPartner(app)];
});
afterAll(() => app?.close());

const face = () => app.partner!;
const reportIdOf = (receipt: string) => createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);

async function passOn(key: string, narrative = `A tip passed on ${randomUUID()}`) {
  const res = await face().gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { narrative, partnerReference: 'CASE-77', subjects: [], locations: [], vehicles: [{ registration: 'OR19 LST' }] }) }, key);
  expect(res.errors).toBeUndefined();
  return { receipt: res.data.submitPartnerReferral.receipt as string, narrative };
}

describe('our referrals', () => {
  it('lists the organisation’s own referrals, newest first, paged and filtered, and nobody else’s', async () => {
    const sent = [await passOn(a.apiKey), await passOn(a.apiKey), await passOn(a.apiKey)];
    const theirs = await passOn(b.apiKey);
    const all = await face().gql(LIST, {}, a.apiKey);
    expect(all.errors).toBeUndefined();
    const receipts = all.data.ourReferrals.edges.map((e: { node: { receipt: string } }) => e.node.receipt);
    expect([...receipts].sort()).toEqual(sent.map((s) => s.receipt).sort());
    expect(receipts).not.toContain(theirs.receipt);
    for (const e of all.data.ourReferrals.edges) {
      expect(new Date(e.node.passedOnAt).getTime() % 60_000).toBe(0);
      expect(['RECEIVED', 'UNDER_REVIEW']).toContain(e.node.state);
      expect(e.node.questionWaiting).toBe(false);
    }
    const times = all.data.ourReferrals.edges.map((e: { node: { passedOnAt: string } }) => e.node.passedOnAt);
    expect([...times].sort().reverse()).toEqual(times);

    const first = await face().gql(LIST, { first: 2 }, a.apiKey);
    expect(first.data.ourReferrals.edges).toHaveLength(2);
    expect(first.data.ourReferrals.pageInfo.hasNextPage).toBe(true);
    const rest = await face().gql(LIST, { first: 2, after: first.data.ourReferrals.pageInfo.endCursor }, a.apiKey);
    expect(rest.data.ourReferrals.edges).toHaveLength(1);
    expect(rest.data.ourReferrals.pageInfo.hasNextPage).toBe(false);
    expect([...first.data.ourReferrals.edges, ...rest.data.ourReferrals.edges].map((e: { node: { receipt: string } }) => e.node.receipt)).toEqual(receipts);
    expect((await face().gql(LIST, { state: ['CLOSED'] }, a.apiKey)).data.ourReferrals.edges).toEqual([]);
    expect(codeOf(await face().gql(LIST, { after: 'not-a-cursor' }, a.apiKey))).toBe('BAD_USER_INPUT');

    // Stored sealed: no receipt in the clear in the organisation's list.
    const entries = await app.deps.database.db.collection('partner_referrals').find({}).toArray();
    for (const s of sent) expect(JSON.stringify(entries)).not.toContain(s.receipt);
  });

  it('opens one by receipt: their words, the question, their answer, their addition; the badge counts what waits', async () => {
    const { receipt, narrative } = await passOn(a.apiKey);
    const id = reportIdOf(receipt);
    const routed = await waitForStatus(app, id, 'TRIAGED');
    const holder = await createStaff(app, 'INVESTIGATOR', routed.desk);
    expect((await app.gql(Q.claim, { id }, holder.token)).errors).toBeUndefined();
    const question = `Which night did they see the van? ${randomUUID()}`;
    const asked = await app.gql(ASK, { id, q: question }, holder.token);
    expect(asked.errors).toBeUndefined();

    const listed = await face().gql(LIST, {}, a.apiKey);
    expect(listed.data.ourReferrals.questionsWaiting).toBe(1);
    expect(listed.data.ourReferrals.edges.find((e: { node: { receipt: string } }) => e.node.receipt === receipt).node).toMatchObject({ state: 'UNDER_REVIEW', questionWaiting: true });
    expect((await face().gql(LIST, {}, b.apiKey)).data.ourReferrals.questionsWaiting).toBe(0);

    const opened = await face().gql(ONE, { r: receipt.toLowerCase() }, a.apiKey);
    expect(opened.errors).toBeUndefined();
    expect(opened.data.ourReferral).toMatchObject({ receipt, state: 'UNDER_REVIEW', narrative, partnerReference: 'CASE-77', vehicles: [{ registration: 'OR19 LST' }], questionsWaiting: 1 });
    expect(opened.data.ourReferral.questions).toEqual([{ id: asked.data.askPartner.id, question, askedAt: expect.any(String), answer: null, answeredAt: null }]);

    const answer = `The Tuesday, late ${randomUUID()}`;
    expect((await face().gql(ANSWER, { r: receipt, q: asked.data.askPartner.id, a: answer }, a.apiKey)).errors).toBeUndefined();
    const addition = `They saw it again on Friday ${randomUUID()}`;
    expect((await face().gql(ADD, { r: receipt, input: { idempotencyKey: randomUUID(), narrative: addition } }, a.apiKey)).errors).toBeUndefined();
    const after = (await face().gql(ONE, { r: receipt }, a.apiKey)).data.ourReferral;
    expect(after.questions[0]).toMatchObject({ answer, answeredAt: expect.any(String) });
    expect(after.additions).toEqual([{ at: expect.any(String), narrative: addition }]);
    expect(after.questionsWaiting).toBe(0);
    expect((await face().gql(LIST, {}, a.apiKey)).data.ourReferrals.questionsWaiting).toBe(0);

    // Each opening is recorded, to the minute, naming the organisation only.
    const reads = await app.deps.database.db.collection('audit').find({ 'target.id': id, action: 'report.read', 'details.purpose': 'partner-referral' }).toArray();
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (const r of reads) {
      expect(r.actor).toMatchObject({ type: 'partner', id: a.partner.id });
      expect(new Date(r.at).getTime() % 60_000).toBe(0);
    }
  });

  it('answers another organisation’s receipt, an erased referral and a made-up receipt with the same NOT_FOUND', async () => {
    const theirs = await passOn(b.apiKey);
    const erased = await passOn(a.apiKey);
    const id = reportIdOf(erased.receipt);
    await waitForStatus(app, id, 'TRIAGED');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const gone = await app.gql(Q.erase, { id, reason: 'Entered in error by the partner, erased at their request' }, supervisor.token);
    expect(gone.errors).toBeUndefined();
    const answers = await Promise.all([theirs.receipt, erased.receipt, 'R-AAAAA-BBBBB-CCCCC-DDDDD'].map((r) => face().gql(ONE, { r }, a.apiKey)));
    for (const res of answers) {
      expect(res.data).toBeNull();
      expect(res.errors?.map((e) => ({ message: e.message, code: e.extensions?.code }))).toEqual([{ message: 'Receipt not found', code: 'NOT_FOUND' }]);
    }
    const listed = (await face().gql(LIST, { first: 100 }, a.apiKey)).data.ourReferrals.edges.map((e: { node: { receipt: string } }) => e.node.receipt);
    expect(listed).not.toContain(erased.receipt);
    expect(listed).not.toContain(theirs.receipt);
  });

  it('refuses further receipts typed by hand after too many that found nothing, for that organisation only', async () => {
    const c = await createPartner(app);
    const mine = await passOn(c.apiKey);
    for (let i = 0; i < RECEIPT_MISSES_PER_WINDOW; i++) expect(codeOf(await face().gql(ONE, { r: `R-MISS${i}-BBBBB-CCCCC-DDDDD` }, c.apiKey))).toBe('NOT_FOUND');
    expect(codeOf(await face().gql(ONE, { r: mine.receipt }, c.apiKey))).toBe('RATE_LIMITED');
    expect((await face().gql(ONE, { r: (await passOn(b.apiKey)).receipt }, b.apiKey)).errors).toBeUndefined();
  });
});
