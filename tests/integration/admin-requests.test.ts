/**
 * Requests a second admin decides, on the real app (src/auth/grants.ts):
 * re-enabling a user, moving an investigator's desk and resetting a second
 * factor are recorded as requests, never applied by the admin who asks;
 * deciding one (and a role grant) asks for the deciding admin's own
 * password and second-factor code again; each request and decision is
 * audited; every other admin is notified (the bell), the requester is not.
 */
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff, PASSWORD } from '../support/factories.js';

const ENABLE = `mutation($u: String!, $r: String!) { enableUser(username: $u, reason: $r) { id kind status username reason requestedBy } }`;
const RESET = `mutation($u: String!, $r: String!) { resetMfa(username: $u, reason: $r) { id kind status } }`;
const APPROVE = `mutation($id: ID!, $p: String!, $t: String) { approveRoleGrant(id: $id, password: $p, totp: $t) { id status decidedBy } }`;
const REJECT = `mutation($id: ID!, $p: String!, $t: String) { rejectRoleGrant(id: $id, password: $p, totp: $t) { id status decidedBy } }`;
const PENDING = `{ pendingRoleGrants { id kind username reason } }`;
const ME = `{ me { ... on User { username } } }`;
const NOTIFICATIONS = `{ myNotifications(first: 20) { unreadCount edges { node { kind reportId reference } } } }`;
const BEGIN = `mutation { beginMfaEnrolment { otpauthUri } }`;
const CONFIRM = `mutation($code: String!) { confirmMfaEnrolment(code: $code) { recoveryCodes } }`;

let app: TestApp;
type Staff = Awaited<ReturnType<typeof createStaff>>;

beforeAll(async () => {
  app = await bootApp({ env: { LOGIN_MAX_FAILURES_PER_USER: '50', LOGIN_MAX_FAILURES_PER_CLIENT: '500' } });
});
afterAll(() => app?.close());

const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
const audit = (action: string, grantId: string) => app.deps.database.db.collection('audit').find({ action, 'details.grantId': grantId }).sort({ seq: 1 }).toArray();

/** A disabled call handler, and two admins: one asks, the other decides. */
async function scene() {
  const target = await createStaff(app, 'CALL_HANDLER');
  const [asker, decider] = [await createStaff(app, 'ADMIN'), await createStaff(app, 'ADMIN')];
  await app.deps.services.auth.disableUser(target.username, 'cli');
  return { target, asker, decider };
}

async function enrol(staff: Staff) {
  const begun = await app.gql(BEGIN, {}, staff.token);
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  expect((await app.gql(CONFIRM, { code: totp.generate() }, staff.token)).errors).toBeUndefined();
  return totp;
}

describe('a request to re-enable a user', () => {
  it('waits for a second admin, who decides only with their own password; the requester never can', async () => {
    const { target, asker, decider } = await scene();
    const asked = await app.gql(ENABLE, { u: target.username, r: 'Back from leave' }, asker.token);
    expect(asked.errors).toBeUndefined();
    const request = asked.data.enableUser;
    expect(request).toMatchObject({ kind: 'ENABLE', status: 'pending', username: target.username, reason: 'Back from leave', requestedBy: asker.username });
    expect(await app.deps.services.auth.login(target.username, PASSWORD, 'test-enable').catch((e) => e.code)).toBe('UNAUTHENTICATED');

    // The requester cannot decide, even with the right password.
    expect(codeOf(await app.gql(APPROVE, { id: request.id, p: PASSWORD }, asker.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(REJECT, { id: request.id, p: PASSWORD }, asker.token))).toBe('FORBIDDEN');

    // A wrong password decides nothing, says so plainly, and leaves the decider signed in.
    const wrong = await app.gql(APPROVE, { id: request.id, p: 'not the right password' }, decider.token);
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.errors?.[0]?.message).toMatch(/password or second-factor code is not right/);
    expect((await app.gql(ME, {}, decider.token)).data.me.username).toBe(decider.username);
    expect((await app.gql(PENDING, {}, decider.token)).data.pendingRoleGrants.map((g: { id: string }) => g.id)).toContain(request.id);
    expect(await audit('admin.account_change_approve', request.id)).toHaveLength(0);

    const approved = await app.gql(APPROVE, { id: request.id, p: PASSWORD }, decider.token);
    expect(approved.errors).toBeUndefined();
    expect(approved.data.approveRoleGrant).toMatchObject({ status: 'approved', decidedBy: decider.username });
    expect((await app.deps.services.auth.login(target.username, PASSWORD, 'test-enable')).token).toMatch(/^hlt_/);
    expect(codeOf(await app.gql(APPROVE, { id: request.id, p: PASSWORD }, decider.token))).toBe('CONFLICT');

    // Audited: the request by the asker, the approval and the change itself by the decider.
    const [req] = await audit('admin.account_change_request', request.id);
    expect(req).toMatchObject({ actor: { id: asker.user.id }, target: { type: 'user', id: target.user.id }, details: { kind: 'ENABLE', reason: 'Back from leave' } });
    const approvals = await audit('admin.account_change_approve', request.id);
    expect(approvals).toEqual([expect.objectContaining({ actor: expect.objectContaining({ id: decider.user.id }), details: expect.objectContaining({ kind: 'ENABLE', requestedBy: asker.user.id }) })]);
    const enabled = await app.deps.database.db.collection('audit').find({ action: 'admin.user_enable', 'target.id': target.user.id }).toArray();
    expect(enabled).toEqual([expect.objectContaining({ actor: expect.objectContaining({ id: decider.user.id }) })]);
  });

  it('tells every other admin, not the requester, without naming a report', async () => {
    const { target, asker, decider } = await scene();
    const before = (await app.gql(NOTIFICATIONS, {}, asker.token)).data.myNotifications.unreadCount;
    const asked = await app.gql(ENABLE, { u: target.username, r: 'Returned to duty' }, asker.token);
    expect(asked.errors).toBeUndefined();
    const told = (await app.gql(NOTIFICATIONS, {}, decider.token)).data.myNotifications;
    expect(told.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ kind: 'APPROVAL_NEEDED', reportId: null, reference: null });
    expect((await app.gql(NOTIFICATIONS, {}, asker.token)).data.myNotifications.unreadCount).toBe(before);
  });

  it('is refused when it could not apply, when the same one waits, or without a reason', async () => {
    const { target, asker } = await scene();
    const active = await createStaff(app, 'CALL_HANDLER');
    expect(codeOf(await app.gql(ENABLE, { u: active.username, r: 'Why not' }, asker.token))).toBe('CONFLICT');
    expect(codeOf(await app.gql(ENABLE, { u: target.username, r: '   ' }, asker.token))).toBe('BAD_USER_INPUT');
    expect((await app.gql(ENABLE, { u: target.username, r: 'Back' }, asker.token)).errors).toBeUndefined();
    expect(codeOf(await app.gql(ENABLE, { u: target.username, r: 'Back again' }, asker.token))).toBe('CONFLICT');
    expect(codeOf(await app.gql(ENABLE, { u: 'nobody-here', r: 'Back' }, asker.token))).toBe('NOT_FOUND');
  });
});

describe('deciding with a second factor', () => {
  it('needs a current code from an approver who has one; a rejection is checked and audited the same way', async () => {
    const { target, asker, decider } = await scene();
    const totp = await enrol(decider);
    const request = (await app.gql(RESET, { u: target.username, r: 'Lost phone' }, asker.token)).data.resetMfa;
    expect(request).toMatchObject({ kind: 'RESET_SECOND_FACTOR', status: 'pending' });

    const noCode = await app.gql(REJECT, { id: request.id, p: PASSWORD }, decider.token);
    expect(codeOf(noCode)).toBe('UNAUTHENTICATED');
    expect(noCode.errors?.[0]?.message).toMatch(/code/);
    expect(codeOf(await app.gql(REJECT, { id: request.id, p: PASSWORD, t: '000000' === totp.generate() ? '111111' : '000000' }, decider.token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await app.gql(REJECT, { id: request.id, p: 'wrong password here', t: totp.generate() }, decider.token))).toBe('UNAUTHENTICATED');
    expect(await audit('admin.account_change_reject', request.id)).toHaveLength(0);

    const rejected = await app.gql(REJECT, { id: request.id, p: PASSWORD, t: totp.generate({ timestamp: Date.now() + 30_000 }) }, decider.token);
    expect(rejected.errors).toBeUndefined();
    expect(rejected.data.rejectRoleGrant).toMatchObject({ status: 'rejected', decidedBy: decider.username });
    expect(await audit('admin.account_change_reject', request.id)).toEqual([expect.objectContaining({ actor: expect.objectContaining({ id: decider.user.id }) })]);
    // Gone from the list, and never applied.
    expect((await app.gql(PENDING, {}, asker.token)).data.pendingRoleGrants.map((g: { id: string }) => g.id)).not.toContain(request.id);
    expect(await app.deps.database.db.collection('audit').countDocuments({ action: 'admin.mfa_reset', 'target.id': target.user.id })).toBe(0);
  });
});

describe('two admins deciding at once', () => {
  it('one decision wins: parallel approvals and rejections of one request apply it once (an insert-only claim, not a conditional update)', async () => {
    const { target, asker } = await scene();
    const deciders = await Promise.all(Array.from({ length: 4 }, () => createStaff(app, 'ADMIN')));
    const request = (await app.gql(ENABLE, { u: target.username, r: 'Back from leave' }, asker.token)).data.enableUser;
    const tries = deciders.flatMap((d, i) => [app.gql(i % 2 ? REJECT : APPROVE, { id: request.id, p: PASSWORD }, d.token), app.gql(APPROVE, { id: request.id, p: PASSWORD }, d.token)]);
    const results = await Promise.all(tries);
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(tries.length - 1).fill('CONFLICT'));
    const decided = [...(await audit('admin.account_change_approve', request.id)), ...(await audit('admin.account_change_reject', request.id))];
    expect(decided).toHaveLength(1);
    const enabled = await app.deps.database.db.collection('audit').countDocuments({ action: 'admin.user_enable', 'target.id': target.user.id });
    expect(enabled).toBe(decided[0]!.action === 'admin.account_change_approve' ? 1 : 0);
  });
});
