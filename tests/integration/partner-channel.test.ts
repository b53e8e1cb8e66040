/**
 * The partner's side of follow-ups (reports/desk/follow-ups.ts) on the real app:
 * additions to its own receipt, and the anonymous question-and-answer round
 * trip with the investigator holding the referral. Asserted on the raw
 * documents: no question or answer text and no partner time finer than the
 * minute anywhere in the report or its audit entries; another partner's
 * receipt is as unknown as a made-up one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, Q, recordCall, waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';

const STATUS = `query($r: String!) { partnerReferralStatus(receipt: $r) { receipt state questions { id question askedAt answered } } }`;
const ADD = `mutation($r: String!, $input: FollowUpInput!) { addToReferral(receipt: $r, input: $input) { receipt state } }`;
const ASK = `mutation($id: ID!, $q: String!) { askPartner(reportId: $id, question: $q) { id text askedAt answer answeredAt } }`;
const ANSWER = `mutation($r: String!, $q: ID!, $a: String!) { answerPartnerQuestion(receipt: $r, questionId: $q, answer: $a) { id question answered } }`;
const VIEW = `query($id: ID!) { report(id: $id) {
  questions { id text askedAt answer answeredAt }
  addenda { source narrative vehicles { registration } }
  history { action actorType at }
} }`;

let app: TestApp;
let partner: Awaited<ReturnType<typeof createPartner>>;
let otherPartner: Awaited<ReturnType<typeof createPartner>>;

beforeAll(async () => {
  app = await bootApp({ worker: true });
  partner = await createPartner(app);
  otherPartner = await createPartner(app);
});
afterAll(() => app?.close());

/** A referral routed by the real worker and claimed by an investigator of its desk. */
async function heldReferral() {
  const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { subjects: [], locations: [], vehicles: [{ registration: `PC${Math.floor(Math.random() * 90 + 10)} ${randomUUID().slice(0, 3).toUpperCase()}` }] }) }, partner.apiKey);
  expect(sent.errors).toBeUndefined();
  const receipt: string = sent.data.submitPartnerReferral.receipt;
  const reportId = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
  const routed = await waitForStatus(app, reportId, 'TRIAGED');
  const holder = await createStaff(app, 'INVESTIGATOR', routed.desk);
  expect((await app.gql(Q.claim, { id: routed._id }, holder.token)).errors).toBeUndefined();
  return { id: routed._id, receipt, holder };
}

/** Every Date in a stored value, with its path. */
function datesIn(value: unknown, path = ''): [string, Date][] {
  if (value instanceof Date) return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => datesIn(v, `${path}.${i}`));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.entries(value).flatMap(([k, v]) => datesIn(v, `${path}.${k}`));
  return [];
}
const finerThanMinute = (dates: [string, Date][]) => dates.filter(([, d]) => d.getTime() % 60_000 !== 0).map(([p]) => p);

describe('the anonymous channel', () => {
  it('round-trips a question and its answer, encrypted, audited, with nothing identifying and no time finer than the minute stored', async () => {
    const { id, receipt, holder } = await heldReferral();
    const question = `Did the informant see which way the van left? ${randomUUID()}`;
    const answer = `Towards the high street, around midnight ${randomUUID()}`;

    const asked = await app.gql(ASK, { id, q: question }, holder.token);
    expect(asked.errors).toBeUndefined();
    expect(asked.data.askPartner).toMatchObject({ text: question, answer: null });
    const questionId = asked.data.askPartner.id;

    const status = await app.gql(STATUS, { r: receipt.toLowerCase() }, partner.apiKey);
    expect(status.errors).toBeUndefined();
    expect(status.data.partnerReferralStatus.questions).toEqual([{ id: questionId, question, askedAt: expect.any(String), answered: false }]);
    expect(new Date(status.data.partnerReferralStatus.questions[0].askedAt).getTime() % 60_000).toBe(0);

    const answered = await app.gql(ANSWER, { r: receipt, q: questionId, a: answer }, partner.apiKey);
    expect(answered.errors).toBeUndefined();
    expect(answered.data.answerPartnerQuestion).toEqual({ id: questionId, question, answered: true });
    expect(codeOf(await app.gql(ANSWER, { r: receipt, q: questionId, a: 'again' }, partner.apiKey))).toBe('CONFLICT');

    const view = await app.gql(VIEW, { id }, holder.token);
    expect(view.errors).toBeUndefined();
    expect(view.data.report.questions).toEqual([{ id: questionId, text: question, askedAt: expect.any(String), answer, answeredAt: expect.any(String) }]);
    const entries = view.data.report.history.filter((h: { action: string }) => ['question_posted', 'partner_answered'].includes(h.action));
    expect(entries.map((h: { action: string; actorType: string }) => `${h.action}:${h.actorType}`)).toEqual(['question_posted:user', 'partner_answered:partner']);
    expect((await app.gql(Q.verify, { id }, holder.token)).data.verifyReportHistory).toMatchObject({ valid: true });

    // The raw documents: the report and every audit entry about it.
    const raw = (await app.deps.database.db.collection('reports').findOne({ _id: id as never })) as unknown as ReportDoc;
    const audit = await app.deps.database.db.collection('audit').find({ 'target.id': id }).toArray();
    for (const text of [question, answer]) {
      expect(JSON.stringify(raw)).not.toContain(text.slice(0, 40));
      expect(JSON.stringify(audit)).not.toContain(text.slice(0, 40));
    }
    expect(raw.content!.questions).toHaveLength(1);
    expect(raw.content!.answers).toHaveLength(1);
    expect(finerThanMinute(datesIn(raw))).toEqual([]);
    const actions = audit.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['report.create', 'report.ask_partner', 'report.partner_answer', 'report.read']));
    const partnerSide = audit.filter((e) => e.actor?.type === 'partner' || ['report.ask_partner', 'report.partner_answer', 'report.triage'].includes(e.action));
    expect(finerThanMinute(partnerSide.flatMap((e) => datesIn({ at: e.at, details: e.details })))).toEqual([]);
    expect(partnerSide.find((e) => e.action === 'report.read' && e.actor.type === 'partner')?.details).toMatchObject({ purpose: 'partner-questions' });
  });

  it('lets the partner add to its own receipt, shown to the holder as an addendum', async () => {
    const { id, receipt, holder } = await heldReferral();
    const narrative = `The informant called us again: the van is back ${randomUUID()}`;
    const input = { idempotencyKey: `add-${randomUUID()}`, narrative, vehicles: [{ registration: 'PA12 RTN' }] };
    const res = await app.gql(ADD, { r: receipt, input }, partner.apiKey);
    expect(res.errors).toBeUndefined();
    expect(res.data.addToReferral).toEqual({ receipt, state: 'UNDER_REVIEW' });
    expect((await app.gql(ADD, { r: receipt, input }, partner.apiKey)).errors).toBeUndefined(); // a retry

    const view = await app.gql(VIEW, { id }, holder.token);
    expect(view.data.report.addenda).toEqual([{ source: 'PARTNER_REFERRAL', narrative, vehicles: [{ registration: 'PA12 RTN' }] }]);
    expect(view.data.report.history.filter((h: { action: string }) => h.action === 'referral_added')).toHaveLength(1);
    const raw = (await app.deps.database.db.collection('reports').findOne({ _id: id as never })) as unknown as ReportDoc;
    expect(JSON.stringify(raw)).not.toContain(narrative.slice(0, 40));
    expect(finerThanMinute(datesIn(raw))).toEqual([]);
  });

  it('answers NOT_FOUND, with one message, for another partner\'s receipt, a made-up one, an unknown question and an erased referral', async () => {
    const { id, receipt, holder } = await heldReferral();
    const asked = await app.gql(ASK, { id, q: 'Is the informant willing to say more?' }, holder.token);
    const questionId = asked.data.askPartner.id;
    const input = { idempotencyKey: `add-${randomUUID()}`, narrative: 'more' };

    const answers = [
      await app.gql(STATUS, { r: receipt }, otherPartner.apiKey),
      await app.gql(STATUS, { r: 'R-AAAAA-BBBBB-CCCCC-DDDDD' }, partner.apiKey),
      await app.gql(ADD, { r: receipt, input }, otherPartner.apiKey),
      await app.gql(ANSWER, { r: receipt, q: questionId, a: 'no' }, otherPartner.apiKey),
    ];
    for (const res of answers) expect(codeOf(res)).toBe('NOT_FOUND');
    expect(new Set(answers.map((r) => r.errors![0]!.message)).size).toBe(1);
    expect(codeOf(await app.gql(ANSWER, { r: receipt, q: randomUUID(), a: 'no' }, partner.apiKey))).toBe('NOT_FOUND');

    const supervisor = await createStaff(app, 'SUPERVISOR');
    expect((await app.gql(Q.erase, { id, reason: 'retention: no further value' }, supervisor.token)).errors).toBeUndefined();
    expect(codeOf(await app.gql(ADD, { r: receipt, input }, partner.apiKey))).toBe('NOT_FOUND');
    expect(codeOf(await app.gql(ANSWER, { r: receipt, q: questionId, a: 'no' }, partner.apiKey))).toBe('NOT_FOUND');
  });

  it('lets only the holder or a supervisor ask, and only about a partner referral', async () => {
    const { id } = await heldReferral();
    const colleague = await createStaff(app, 'INVESTIGATOR', (await app.deps.reports.findById(id))!.desk);
    expect(codeOf(await app.gql(ASK, { id, q: 'A question from a colleague' }, colleague.token))).toBe('FORBIDDEN');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    expect((await app.gql(ASK, { id, q: 'A question from the supervisor' }, supervisor.token)).errors).toBeUndefined();
    expect(codeOf(await app.gql(ASK, { id, q: 'x' }, supervisor.token))).toBe('BAD_USER_INPUT');

    const handler = await createStaff(app, 'CALL_HANDLER');
    const callId = await recordCall(app, handler.token, 4, { subjects: [], vehicles: [], locations: [] });
    const call = await waitForStatus(app, callId, 'TRIAGED');
    const holder = await createStaff(app, 'INVESTIGATOR', call.desk);
    await app.gql(Q.claim, { id: callId }, holder.token);
    expect(codeOf(await app.gql(ASK, { id: callId, q: 'Who is the partner here?' }, holder.token))).toBe('BAD_USER_INPUT');
  });
});
