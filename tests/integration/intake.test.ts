import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseName, normalisePostcode, normaliseRegistration, normaliseUkPhone } from '../../src/crypto/index.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, REFERRAL_STATUS, SUBMIT_REFERRAL } from '../support/payloads.js';

let app: TestApp;
let handler: { token: string; user: { id: string } };
let partner: { apiKey: string; partner: { id: string } };

beforeAll(async () => {
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  partner = await createPartner(app);
});
afterAll(() => app?.close());

const reports = () => app.deps.database.db.collection('reports');

describe('recordHotlineCall', () => {
  it('stores the call encrypted, returns its reference, and enqueues it by id only', async () => {
    const input = hotlineCall(7, {
      caller: { name: 'Jane Informant', phone: '+44 20 7946 0123', email: 'jane@example.org', address: '1 Secret Street', mayRecontact: true },
      subjects: [{ name: 'José Márquez', aliases: ['Joe M'], phone: '07700 900123', address: '22 Acacia Avenue' }],
      vehicles: [{ registration: 'LX12 ABC', make: 'Ford', model: 'Transit', colour: 'white', notes: 'dented rear door' }],
      locations: [{ address: 'Unit 4, Riverside Lock-ups', postcode: 'E15 2PQ', description: 'blue roller door' }],
    });
    const res = await app.gql(RECORD_CALL, { input }, handler.token);
    expect(res.errors).toBeUndefined();
    const report = res.data.recordHotlineCall;
    // The submission view: a call handler does not read content (or anything of the desk work) back.
    expect(Object.keys(report).sort()).toEqual(['categories', 'id', 'imminentThreat', 'receivedAt', 'reference', 'status', 'urgentAction']);
    expect(report).toMatchObject({ status: 'RECEIVED', imminentThreat: false, urgentAction: null });
    expect(report.reference).toMatch(/^ATH-\d{4}-\d{6}$/);
    expect(new Date(report.receivedAt).getTime() % 60_000).toBe(0);

    const raw = await reports().findOne({ _id: report.id });
    expect(raw).not.toBeNull();
    expect(raw!.triagePending).toBe(true);
    expect(raw).toMatchObject({ source: 'HOTLINE_CALL', channel: 'ANTI_TERRORIST_HOTLINE' });
    const dump = JSON.stringify(raw) + Buffer.from(JSON.stringify(raw)).toString('base64');
    const secrets = [
      input.narrative.slice(0, 40),
      'Jane Informant', '7946 0123', 'jane@example.org', '1 Secret Street',
      'José Márquez', 'Joe M', '07700 900123', '22 Acacia Avenue',
      'LX12 ABC', 'dented rear door', 'Transit', 'Riverside Lock-ups', 'E15 2PQ', 'blue roller door',
      normaliseRegistration('LX12 ABC')!, normaliseUkPhone('+44 20 7946 0123')!, normaliseUkPhone('07700 900123')!,
      normalisePostcode('E15 2PQ')!, normaliseName('José Márquez')!,
    ];
    for (const s of secrets) expect(JSON.stringify(raw), s).not.toContain(s);
    expect(dump).not.toContain('Jane');
    expect(raw!.bidx.length).toBeGreaterThanOrEqual(4);

    const job = await app.deps.triageQueues.triage.getJob(report.id);
    expect(job?.data).toEqual({ reportId: report.id });
  });

  it('returns the same report for a retry with the same key, and CONFLICT for different content', async () => {
    const input = hotlineCall(1);
    const first = await app.gql(RECORD_CALL, { input }, handler.token);
    const again = await app.gql(RECORD_CALL, { input }, handler.token);
    expect(again.data.recordHotlineCall.id).toBe(first.data.recordHotlineCall.id);
    expect(again.data.recordHotlineCall.reference).toBe(first.data.recordHotlineCall.reference);
    // Stored only keyed-hashed (integrity "idempotencyKey"), once.
    expect(await reports().countDocuments({ idempotencyKey: app.deps.crypto.integrity.mac('idempotencyKey', `${handler.user.id}:${input.idempotencyKey}`) })).toBe(1);
    expect(await reports().countDocuments({ idempotencyKey: { $regex: input.idempotencyKey } })).toBe(0);
    const changed = await app.gql(RECORD_CALL, { input: { ...input, narrative: 'something else entirely' } }, handler.token);
    expect(changed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('stores exactly one report when the same submission races with itself', async () => {
    const input = hotlineCall(2);
    const results = await Promise.all(Array.from({ length: 6 }, () => app.gql(RECORD_CALL, { input }, handler.token)));
    const ids = new Set(results.map((r) => r.data?.recordHotlineCall?.id));
    expect(ids.size).toBe(1);
    // Stored only keyed-hashed (integrity "idempotencyKey"), once.
    expect(await reports().countDocuments({ idempotencyKey: app.deps.crypto.integrity.mac('idempotencyKey', `${handler.user.id}:${input.idempotencyKey}`) })).toBe(1);
    expect(await reports().countDocuments({ idempotencyKey: { $regex: input.idempotencyKey } })).toBe(0);
  });

  it('tells the handler to pass an imminent threat to 999 now', async () => {
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(3, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] }) }, handler.token);
    expect(res.data.recordHotlineCall.urgentAction).toMatch(/999 now/);
  });

  it('accepts an anonymous call with only the required fields', async () => {
    const res = await app.gql(
      RECORD_CALL,
      { input: { idempotencyKey: 'anon-call-0001', channel: 'COMMUNITIES_TOGETHER_LINE', narrative: 'Worried about my son.', categories: ['RECRUITMENT_OR_BEHAVIOUR_CHANGE'], imminentThreat: false } },
      handler.token,
    );
    expect(res.errors).toBeUndefined();
    expect((await reports().findOne({ _id: res.data.recordHotlineCall.id }))!.borough).toBe('UNKNOWN');
  });

  it('is only for call handlers and supervisors', async () => {
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const input = hotlineCall(4);
    expect((await app.gql(RECORD_CALL, { input }, partner.apiKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(RECORD_CALL, { input }, investigator.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(RECORD_CALL, { input })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    expect((await app.gql(RECORD_CALL, { input }, supervisor.token)).errors).toBeUndefined();
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['empty narrative', { narrative: '   ' }, /input\.narrative/],
    ['over-long narrative', { narrative: 'x'.repeat(20_001) }, /input\.narrative/],
    ['receivedAt in the future', { receivedAt: new Date(Date.now() + 3600_000).toISOString() }, /input\.receivedAt/],
    ['control character', { subjects: [{ name: 'Bad\u0007Name' }] }, /input\.subjects\.0\.name/],
    ['lone surrogate', { narrative: 'abc \ud800 def' }, /input\.narrative/],
    ['too many vehicles', { vehicles: Array.from({ length: 21 }, () => ({ registration: 'AB12 CDE' })) }, /input\.vehicles/],
    ['no categories', { categories: [] }, /input\.categories/],
    ['bad idempotency key', { idempotencyKey: 'a b' }, /input\.idempotencyKey/],
    ['negative duration', { callDurationSeconds: -5 }, /input\.callDurationSeconds/],
  ];
  for (const [name, override, path] of cases) {
    it(`rejects ${name} with BAD_USER_INPUT naming the field, storing nothing`, async () => {
      const input = hotlineCall(5, override);
      const before = await reports().countDocuments();
      const res = await app.gql(RECORD_CALL, { input }, handler.token);
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(path);
      if (typeof override.narrative === 'string' && override.narrative.length < 100) expect(res.errors?.[0]?.message).not.toContain(override.narrative.trim() || '###');
      expect(await reports().countDocuments()).toBe(before);
    });
  }

  it('rejects unknown enum values and operator look-alikes at the schema', async () => {
    const bad = await app.gql(RECORD_CALL, { input: hotlineCall(6, { channel: 'CARRIER_PIGEON' }) }, handler.token);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const nosql = await app.gql(RECORD_CALL, { input: hotlineCall(6, { narrative: { $gt: '' } }) }, handler.token);
    expect(nosql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('partner referrals', () => {
  it('stores the referral, returns a receipt, and reports its state to that partner only', async () => {
    const input = partnerReferral(8);
    const res = await app.gql(SUBMIT_REFERRAL, { input }, partner.apiKey);
    expect(res.errors).toBeUndefined();
    const { receipt, receivedAt } = res.data.submitPartnerReferral;
    expect(receipt).toMatch(/^R-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    expect(new Date(receivedAt).getUTCSeconds()).toBe(0);
    expect(new Date(receivedAt).getUTCMilliseconds()).toBe(0);

    const raw = await reports().findOne({ source: 'PARTNER_REFERRAL', 'recordedBy.id': partner.partner.id });
    expect(JSON.stringify(raw)).not.toContain(receipt);
    expect(JSON.stringify(raw)).not.toContain(input.partnerReference as string);
    expect(raw!.recordedAt.getUTCSeconds()).toBe(0);
    expect(raw!.history[0].at.getUTCSeconds()).toBe(0);

    const again = await app.gql(SUBMIT_REFERRAL, { input }, partner.apiKey);
    expect(again.data.submitPartnerReferral.receipt).toBe(receipt);

    const status = await app.gql(REFERRAL_STATUS, { r: receipt }, partner.apiKey);
    expect(status.data.partnerReferralStatus).toEqual({ receipt, receivedAt, state: 'RECEIVED' });

    const other = await createPartner(app);
    const theirs = await app.gql(REFERRAL_STATUS, { r: receipt }, other.apiKey);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const guessed = await app.gql(REFERRAL_STATUS, { r: 'R-AAAAA-AAAAA-AAAAA-AAAAA' }, partner.apiKey);
    expect(guessed.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('has no way to carry the informant, and keeps partners out of staff operations', async () => {
    const withInformant = await app.gql(SUBMIT_REFERRAL, { input: { ...partnerReferral(9), informant: { name: 'X' } } }, partner.apiKey);
    expect(withInformant.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const staff = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(9) }, handler.token);
    expect(staff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const readAsPartner = await app.gql('{ mySubmissions { id } }', {}, partner.apiKey);
    expect(readAsPartner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('mySubmissions', () => {
  it("lists a handler's own recent calls without content", async () => {
    const own = await createStaff(app, 'CALL_HANDLER');
    await app.gql(RECORD_CALL, { input: hotlineCall(10) }, own.token);
    const res = await app.gql('{ mySubmissions { reference status categories receivedAt } }', {}, own.token);
    expect(res.data.mySubmissions).toHaveLength(1);
    expect(res.data.mySubmissions[0]).toMatchObject({ status: 'RECEIVED' });
    // There is no content field to ask for on a submission.
    expect((await app.gql('{ mySubmissions { narrative } }', {}, own.token)).errors?.[0]?.message).toMatch(/narrative/);
  });
});
