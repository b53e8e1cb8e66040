/**
 * Partner accounts (issue 23, item 2): a staff admin asks for a partner admin and a second admin approves;
 * the partner admin and their caseworkers each choose their own password and enrol their own second factor
 * at their first sign-in (over HTTP, with the hotline_partner cookie); a caseworker has exactly the API key's
 * rights on partner operations and none over another organisation's receipts; removing a caseworker or revoking
 * the organisation signs them out at their next request; the police side's store names the organisation only,
 * while the organisation's own activity log (sealed under its key) says who did what, to the minute; and a
 * database writer cannot move an account to another organisation or re-enable it.
 */
import { randomUUID } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { approveAsSecondAdmin, createPartner, createStaff, PASSWORD, rejectAsSecondAdmin } from '../support/factories.js';
import { partnerReferral, REFERRAL_STATUS, SUBMIT_REFERRAL } from '../support/payloads.js';
import { rawDump } from '../support/raw-dump.js';
import { sessionSeenSeal } from '../../src/auth/seal.js';

const SIGN_IN = `mutation($u: String!, $p: String!, $t: String) { partnerSignIn(username: $u, password: $p, totp: $t) { organisation displayName isAdmin operations idleTimeoutSeconds } }`;
const SET_PASSWORD = `mutation($t: String!, $p: String!) { partnerSetInitialPassword(passwordTicket: $t, newPassword: $p) }`;
const BEGIN = `mutation($t: String) { partnerBeginMfaEnrolment(enrolmentTicket: $t) { otpauthUri } }`;
const CONFIRM = `mutation($c: String!, $t: String) { partnerConfirmMfaEnrolment(code: $c, enrolmentTicket: $t) { recoveryCodes } }`;
const SESSION = `{ partnerSession { organisation displayName isAdmin operations idleTimeoutSeconds } }`;
const CREATE_ADMIN = `mutation($p: ID!, $d: String!, $u: String!, $i: String!) { createPartnerAdmin(partnerId: $p, displayName: $d, username: $u, initialPassword: $i) { id kind status username } }`;
const ADD = `mutation($d: String!, $u: String!, $i: String!) { addPartnerCaseworker(displayName: $d, username: $u, initialPassword: $i) { id displayName isAdmin disabled hasSecondFactor } }`;
const ACCOUNTS = `{ partnerAccounts { id displayName isAdmin disabled hasSecondFactor } }`;
const LOG = `query($a: String, $f: Int) { partnerActivityLog(after: $a, first: $f) { entries { at who action receipt about } endCursor hasNextPage } }`;
const GIVEN = 'a password chosen for them';
const OWN = 'their very own password';

interface Browser {
  cookie: string;
  totp: TOTP;
  /** Recovery codes left: later sign-ins within the same 30 s use these (a TOTP step signs in once). */
  recovery: string[];
}

let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ env: { CONSOLE_IDLE_MINUTES: '9' } });
});
afterAll(() => app?.close());

/** A request as the portal's page sends it (same origin, JSON, the cookie if any). */
async function portal(query: string, variables: Record<string, unknown> = {}, cookie?: string) {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  return { body: JSON.parse(text) as { data: any; errors?: { message: string; extensions: Record<string, any> }[] }, setCookie: res.headers.get('set-cookie'), text };
}

/** A first sign-in as its holder does it: own password, own authenticator, then a session; returns the cookie. */
async function firstSignIn(username: string): Promise<Browser> {
  const first = await portal(SIGN_IN, { u: username, p: GIVEN });
  expect(first.setCookie).toBeNull();
  expect(first.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', passwordChange: 'REQUIRED' });
  const ticket = first.body.errors![0]!.extensions.passwordTicket as string;
  expect((await portal(SET_PASSWORD, { t: ticket, p: GIVEN })).body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  expect((await portal(SET_PASSWORD, { t: ticket, p: OWN })).body.data).toEqual({ partnerSetInitialPassword: true });
  expect((await portal(SET_PASSWORD, { t: ticket, p: `${OWN} again` })).body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  expect((await portal(SIGN_IN, { u: username, p: GIVEN })).body.errors?.[0]?.message).toBe('Sign-in failed');

  const second = await portal(SIGN_IN, { u: username, p: OWN });
  expect(second.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', mfa: 'ENROL' });
  const enrolmentTicket = second.body.errors![0]!.extensions.enrolmentTicket as string;
  const begun = await portal(BEGIN, { t: enrolmentTicket });
  expect(begun.body.errors).toBeUndefined();
  const totp = URI.parse(begun.body.data.partnerBeginMfaEnrolment.otpauthUri) as TOTP;
  const confirmed = await portal(CONFIRM, { c: totp.generate(), t: enrolmentTicket });
  expect(confirmed.body.data.partnerConfirmMfaEnrolment.recoveryCodes).toHaveLength(10);

  expect((await portal(SIGN_IN, { u: username, p: OWN })).body.errors![0]!.extensions.mfa).toBe('REQUIRED');
  const signedIn = await portal(SIGN_IN, { u: username, p: OWN, t: totp.generate({ timestamp: Date.now() + 30_000 }) });
  expect(signedIn.body.errors).toBeUndefined();
  const setCookie = signedIn.setCookie ?? '';
  expect(setCookie).toMatch(/^hotline_partner=hlc_/);
  expect(setCookie.toLowerCase()).toContain('httponly');
  expect(setCookie.toLowerCase()).toContain('samesite=strict');
  expect(setCookie.toLowerCase()).toContain('path=/');
  const token = /^hotline_partner=([^;]+)/.exec(setCookie)![1]!;
  expect(signedIn.text).not.toContain(token);
  return { cookie: `hotline_partner=${token}`, totp, recovery: [...confirmed.body.data.partnerConfirmMfaEnrolment.recoveryCodes] };
}

/** An organisation with an approved partner admin signed in, and one signed-in caseworker. */
async function organisation() {
  const org = await createPartner(app);
  const admin = await createStaff(app, 'ADMIN');
  const adminName = `Admin ${randomUUID().slice(0, 6)}`;
  const adminUser = `padmin-${randomUUID().slice(0, 8)}`;
  const requested = await app.gql(CREATE_ADMIN, { p: org.partner.id, d: adminName, u: adminUser, i: GIVEN }, admin.token);
  expect(requested.errors).toBeUndefined();
  const grant = requested.data.createPartnerAdmin;
  expect(grant).toMatchObject({ kind: 'PARTNER_ADMIN', status: 'pending', username: org.name });
  // Until a second admin approves, the account signs nobody in (not even to choose a password).
  expect((await portal(SIGN_IN, { u: adminUser, p: GIVEN })).body.errors?.[0]?.message).toBe('Sign-in failed');
  // The requesting admin cannot approve their own request.
  const self = await app.gql(`mutation($id: ID!, $p: String!) { approveRoleGrant(id: $id, password: $p) { status } }`, { id: grant.id, p: PASSWORD }, admin.token);
  expect(self.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  await approveAsSecondAdmin(app.deps, grant.id);
  const partnerAdmin = await firstSignIn(adminUser);

  const workerName = `Caseworker ${randomUUID().slice(0, 6)}`;
  const workerUser = `cw-${randomUUID().slice(0, 8)}`;
  const added = await portal(ADD, { d: workerName, u: workerUser, i: GIVEN }, partnerAdmin.cookie);
  expect(added.body.errors).toBeUndefined();
  expect(added.body.data.addPartnerCaseworker).toMatchObject({ displayName: workerName, isAdmin: false, disabled: false, hasSecondFactor: false });
  const worker = await firstSignIn(workerUser);
  return { org, staffAdmin: admin, partnerAdmin, adminName, adminUser, worker, workerName, workerUser, workerId: added.body.data.addPartnerCaseworker.id as string };
}

describe('partner accounts', () => {
  let a: Awaited<ReturnType<typeof organisation>>;
  let b: Awaited<ReturnType<typeof organisation>>;
  let receipt: string;
  beforeAll(async () => {
    a = await organisation();
    b = await organisation();
  }, 120_000);

  it('a signed-in caseworker sees their organisation, their own name and their rights; a partner admin more', async () => {
    const mine = (await portal(SESSION, {}, a.worker.cookie)).body.data.partnerSession;
    expect(mine).toMatchObject({ organisation: a.org.name, displayName: a.workerName, isAdmin: false, idleTimeoutSeconds: 9 * 60 });
    expect(mine.operations).toEqual(expect.arrayContaining(['submitPartnerReferral', 'partnerReferralStatus', 'addToReferral', 'answerPartnerQuestion', 'partnerSignOut']));
    expect(mine.operations).not.toContain('partnerAccounts');
    expect(mine.operations).not.toContain('deskQueue');
    const admin = (await portal(SESSION, {}, a.partnerAdmin.cookie)).body.data.partnerSession;
    expect(admin).toMatchObject({ displayName: a.adminName, isAdmin: true });
    expect(admin.operations).toEqual(expect.arrayContaining(['partnerAccounts', 'addPartnerCaseworker', 'partnerActivityLog']));
    expect((await portal(SESSION)).body.data.partnerSession).toBeNull();
    expect((await portal('mutation { partnerActivity }', {}, a.worker.cookie)).body.data.partnerActivity).toBe(true);
  });

  it('has the API key\'s rights on partner operations, over its own organisation\'s receipts only', async () => {
    const input = partnerReferral(1);
    const passed = await portal(SUBMIT_REFERRAL, { input }, a.worker.cookie);
    expect(passed.body.errors).toBeUndefined();
    receipt = passed.body.data.submitPartnerReferral.receipt;
    // A retry (the answer lost on the way back) is the same referral, and the same one line in the log (below).
    expect((await portal(SUBMIT_REFERRAL, { input }, a.worker.cookie)).body.data.submitPartnerReferral.receipt).toBe(receipt);
    // The organisation's API key and its caseworker see the same receipt; the other organisation, by key or account, does not.
    expect((await app.gql(REFERRAL_STATUS, { r: receipt }, a.org.apiKey)).data.partnerReferralStatus.receipt).toBe(receipt);
    expect((await portal(REFERRAL_STATUS, { r: receipt }, a.partnerAdmin.cookie)).body.data.partnerReferralStatus.receipt).toBe(receipt);
    expect((await portal(REFERRAL_STATUS, { r: receipt }, b.worker.cookie)).body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect((await app.gql(REFERRAL_STATUS, { r: receipt }, b.org.apiKey)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const addition = `mutation($r: String!, $k: String!) { addToReferral(receipt: $r, input: { idempotencyKey: $k, narrative: "They mentioned a second van." }) { receipt } }`;
    expect((await portal(addition, { r: receipt, k: randomUUID() }, b.worker.cookie)).body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const additionKey = randomUUID();
    expect((await portal(addition, { r: receipt, k: additionKey }, a.worker.cookie)).body.errors).toBeUndefined();
    expect((await portal(addition, { r: receipt, k: additionKey }, a.worker.cookie)).body.errors).toBeUndefined();
    // Staff operations stay refused; the partner admin's are not the API key's nor a caseworker's.
    expect((await portal('{ users { id } }', {}, a.worker.cookie)).body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await portal(ACCOUNTS, {}, a.worker.cookie)).body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await app.gql(ACCOUNTS, {}, a.org.apiKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("the partner admin's log says who did what, to the minute; the police side's store names the organisation only", async () => {
    const log = (await portal(LOG, { f: 50 }, a.partnerAdmin.cookie)).body.data.partnerActivityLog;
    const passedOn = log.entries.filter((e: { action: string }) => e.action === 'PASSED_ON');
    expect(passedOn).toHaveLength(1);
    expect(passedOn[0]).toMatchObject({ who: a.workerName, receipt });
    const added = log.entries.filter((e: { action: string }) => e.action === 'ADDED_INFORMATION');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ who: a.workerName, receipt });
    expect(log.entries.find((e: { action: string }) => e.action === 'CASEWORKER_ADDED')).toMatchObject({ who: a.adminName, about: a.workerName });
    for (const e of log.entries) expect(new Date(e.at).getTime() % 60_000).toBe(0);
    // Paging: one line at a time walks the same lines.
    const one = (await portal(LOG, { f: 1 }, a.partnerAdmin.cookie)).body.data.partnerActivityLog;
    expect(one.hasNextPage).toBe(true);
    const next = (await portal(LOG, { f: 1, a: one.endCursor }, a.partnerAdmin.cookie)).body.data.partnerActivityLog;
    expect(next.entries[0]).toEqual(log.entries[1]);
    // Another organisation's admin sees only their own.
    const theirs = (await portal(LOG, { f: 100 }, b.partnerAdmin.cookie)).body.data.partnerActivityLog.entries;
    expect(theirs.some((e: { receipt: string | null }) => e.receipt === receipt)).toBe(false);

    // A raw dump of every collection: no caseworker name or username in clear, anywhere.
    const db = app.deps.database.db;
    const dump = Object.fromEntries([...(await rawDump(app.deps)).mongo].map(([name, docs]) => [name, docs.join('\n')]));
    const everything = Object.values(dump).join('\n');
    for (const secret of [a.workerName, a.workerUser, a.adminName, a.adminUser, b.workerName, b.workerUser]) expect(everything).not.toContain(secret);
    // Audit entries and reports name the organisation, never the account.
    const account = await db.collection('partner_accounts').findOne({ _id: a.workerId as never });
    expect(account).not.toBeNull();
    for (const police of ['audit', 'reports', 'notifications', 'report_history']) expect(dump[police] ?? '', police).not.toContain(a.workerId);
    const referralEntries = await db.collection('audit').find({ action: { $in: ['report.create', 'report.add_to_referral'] }, 'actor.type': 'partner' }).toArray();
    expect(referralEntries.length).toBeGreaterThan(0);
    for (const e of referralEntries.filter((x) => x.actor.id === a.org.partner.id)) expect(e.actor).toEqual({ type: 'partner', id: a.org.partner.id, name: a.org.name });
    const signIns = await db.collection('audit').find({ action: 'auth.login', 'actor.id': a.org.partner.id, outcome: 'success' }).toArray();
    expect(signIns.length).toBeGreaterThan(0);
    for (const e of signIns) expect(Object.keys(e.details ?? {})).toEqual(['portal']);
  });

  it('a database writer cannot move an account to another organisation', async () => {
    const db = app.deps.database.db;
    const doc = await db.collection('partner_accounts').findOne({ _id: a.workerId as never });
    await db.collection('partner_accounts').updateOne({ _id: a.workerId as never }, { $set: { partnerId: b.org.partner.id } });
    // Their open session no longer resolves (it is sealed to organisation A), and a new sign-in is refused.
    expect((await portal(SESSION, {}, a.worker.cookie)).body.data?.partnerSession ?? null).toBeNull();
    const again = await portal(SIGN_IN, { u: a.workerUser, p: OWN, t: a.worker.recovery[0] });
    expect(again.body.errors?.[0]?.extensions.code).toBe('DATA_INTEGRITY');
    expect(again.setCookie).toBeNull();
    expect((await portal(ACCOUNTS, {}, b.partnerAdmin.cookie)).body.data.partnerAccounts.map((x: { id: string }) => x.id)).not.toContain(a.workerId);
    await db.collection('partner_accounts').updateOne({ _id: a.workerId as never }, { $set: { partnerId: doc!.partnerId } });
  });

  it('a removed caseworker is signed out at their next request, and a writer cannot re-enable them', async () => {
    const worker = await signInAgain(a.workerUser, a.worker);
    expect((await portal(SESSION, {}, worker)).body.data.partnerSession.displayName).toBe(a.workerName);
    const removed = await portal(`mutation($id: ID!) { removePartnerCaseworker(id: $id) }`, { id: a.workerId }, a.partnerAdmin.cookie);
    expect(removed.body.data).toEqual({ removePartnerCaseworker: true });
    const after = await portal(SUBMIT_REFERRAL, { input: partnerReferral(2) }, worker);
    expect(after.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await portal(SESSION, {}, worker)).body.data.partnerSession).toBeNull();
    const listed = (await portal(ACCOUNTS, {}, a.partnerAdmin.cookie)).body.data.partnerAccounts.find((x: { id: string }) => x.id === a.workerId);
    expect(listed).toMatchObject({ disabled: true, hasSecondFactor: true });
    // Another organisation's admin cannot remove (or even find) it.
    expect((await portal(`mutation($id: ID!) { removePartnerCaseworker(id: $id) }`, { id: a.workerId }, b.partnerAdmin.cookie)).body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    await app.deps.database.db.collection('partner_accounts').updateOne({ _id: a.workerId as never }, { $set: { disabled: false } });
    const back = await portal(SIGN_IN, { u: a.workerUser, p: OWN, t: a.worker.recovery[0] });
    expect(back.body.errors?.[0]?.extensions.code).toBe('DATA_INTEGRITY');
    await app.deps.database.db.collection('partner_accounts').updateOne({ _id: a.workerId as never }, { $set: { disabled: true } });
  });

  it('a reset caseworker chooses a new password and enrols a new second factor', async () => {
    const name = `Reset ${randomUUID().slice(0, 6)}`;
    const username = `rs-${randomUUID().slice(0, 8)}`;
    const added = (await portal(ADD, { d: name, u: username, i: GIVEN }, b.partnerAdmin.cookie)).body.data.addPartnerCaseworker;
    const first = await firstSignIn(username);
    const reset = await portal(`mutation($id: ID!, $i: String!) { resetPartnerCaseworker(id: $id, initialPassword: $i) }`, { id: added.id, i: GIVEN }, b.partnerAdmin.cookie);
    expect(reset.body.data).toEqual({ resetPartnerCaseworker: true });
    expect((await portal(SESSION, {}, first.cookie)).body.data.partnerSession).toBeNull();
    const again = await firstSignIn(username);
    expect((await portal(SESSION, {}, again.cookie)).body.data.partnerSession.displayName).toBe(name);
  });

  it('a portal session unused past the idle time is ended, as the console\'s is; the heartbeat keeps it', async () => {
    const cookie = await signInAgain(a.adminUser, a.partnerAdmin);
    expect((await portal('mutation { partnerActivity }', {}, cookie)).body.data.partnerActivity).toBe(true);
    const db = app.deps.database.db;
    const id = app.deps.crypto.integrity.mac('token', cookie.slice('hotline_partner='.length));
    expect(await db.collection('partner_sessions').countDocuments({ _id: id as never })).toBe(1);
    // Its last use moved back past 9 minutes and the grace minute, sealed as the server would have sealed it.
    const long = new Date(Date.now() - (9 + 1 + 1) * 60_000);
    await db.collection('partner_sessions').updateOne({ _id: id as never }, { $set: { lastSeenAt: long, seenSeal: sessionSeenSeal(app.deps.crypto.integrity, { _id: id }, long) } });
    expect((await portal(SESSION, {}, cookie)).body.data.partnerSession).toBeNull();
    expect(await db.collection('partner_sessions').countDocuments({ _id: id as never })).toBe(0);
  });

  it('sign-in failures are rate-limited as staff ones are, and Redis holds neither the username nor the address', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) answers.push((await portal(SIGN_IN, { u: a.adminUser, p: `wrong password ${i}` })).body.errors![0]!.message);
    expect(answers.slice(0, 5)).toEqual(Array(5).fill('Sign-in failed'));
    expect(answers.slice(5)).toEqual(Array(2).fill('Too many failed sign-in attempts; try again later'));
    // Even the right password and a code are refused until the window passes.
    expect((await portal(SIGN_IN, { u: a.adminUser, p: OWN, t: a.partnerAdmin.recovery[0] })).body.errors![0]!.extensions.rateLimited).toBe(true);
    const redis = app.deps.queues.redis;
    const keys = await redis.keys(`${app.config.redis.queuePrefix}:partner:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(a.adminUser);
      expect(key).not.toContain('127.0.0.1');
      expect(await redis.ttl(key), key).toBeGreaterThan(0);
    }
  });

  it('a refused partner admin request leaves no account behind: the username can be asked for again', async () => {
    const org = await createPartner(app);
    const admin = await createStaff(app, 'ADMIN');
    const username = `refused-${randomUUID().slice(0, 8)}`;
    const accounts = app.deps.database.db.collection('partner_accounts');
    const first = await app.gql(CREATE_ADMIN, { p: org.partner.id, d: 'Refused Admin', u: username, i: GIVEN }, admin.token);
    expect(first.errors).toBeUndefined();
    expect(await accounts.countDocuments({ partnerId: org.partner.id })).toBe(1);
    expect((await rejectAsSecondAdmin(app.deps, first.data.createPartnerAdmin.id)).status).toBe('rejected');
    expect(await accounts.countDocuments({ partnerId: org.partner.id })).toBe(0);
    expect((await portal(SIGN_IN, { u: username, p: GIVEN })).body.errors?.[0]?.message).toBe('Sign-in failed');
    const again = await app.gql(CREATE_ADMIN, { p: org.partner.id, d: 'Second Try', u: username, i: GIVEN }, admin.token);
    expect(again.errors).toBeUndefined();
    await approveAsSecondAdmin(app.deps, again.data.createPartnerAdmin.id);
    expect((await firstSignIn(username)).cookie).toMatch(/^hotline_partner=/);
    // The second request's account is the organisation's one account, enabled.
    expect(await accounts.countDocuments({ partnerId: org.partner.id, disabled: false })).toBe(1);
  });

  it('revoking the organisation ends every session of its accounts at once; none signs in again', async () => {
    const db = app.deps.database.db;
    expect(await db.collection('partner_sessions').countDocuments({ partnerId: b.org.partner.id })).toBeGreaterThan(0);
    const revoked = await app.gql(`mutation($n: String!) { revokePartner(name: $n) { revokedAt } }`, { n: b.org.name }, b.staffAdmin.token);
    expect(revoked.errors).toBeUndefined();
    expect(await db.collection('partner_sessions').countDocuments({ partnerId: b.org.partner.id })).toBe(0);
    expect((await portal(SESSION, {}, b.partnerAdmin.cookie)).body.data.partnerSession).toBeNull();
    expect((await portal(REFERRAL_STATUS, { r: 'HL-NOPE' }, b.worker.cookie)).body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const signIn = await portal(SIGN_IN, { u: b.workerUser, p: OWN, t: b.worker.recovery[0] });
    expect(signIn.body.errors?.[0]?.message).toBe('Sign-in failed');
    // Organisation A is untouched.
    expect((await portal(SESSION, {}, a.partnerAdmin.cookie)).body.data.partnerSession.organisation).toBe(a.org.name);
  });
});

/** A later sign-in of an enrolled account, with one of its recovery codes (each signs in once). */
async function signInAgain(username: string, browser: Browser): Promise<string> {
  const res = await portal(SIGN_IN, { u: username, p: OWN, t: browser.recovery.shift() });
  expect(res.body.errors).toBeUndefined();
  return /^(hotline_partner=[^;]+)/.exec(res.setCookie ?? '')![1]!;
}
