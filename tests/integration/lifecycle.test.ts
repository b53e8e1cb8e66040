/**
 * The account lifecycle on the real app: a password change ends the other
 * sessions, own sessions listed and ended, a disabled user re-enabled and an
 * investigator moved to the other desk (each asked by one admin, approved by
 * a second), their claims released to the old desk's queue (audited, through
 * the state machine), and a partner key
 * rotated on the same record with the old key working for the overlap only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, findReport, Q } from '../support/desk.js';
import { buildReport, createPartner, createStaff, PASSWORD } from '../support/factories.js';
import { partnerReferral, REFERRAL_STATUS, SUBMIT_REFERRAL } from '../support/payloads.js';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;
const ME = `{ me { ... on User { username desk } ... on PartnerOrganisation { name } } }`;
const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
const NEW_PASSWORD = 'a different long passphrase';

const APPROVE = `mutation($id: ID!, $p: String!) { approveRoleGrant(id: $id, password: $p) { status } }`;

let app: TestApp;
let admin: Awaited<ReturnType<typeof createStaff>>;
/** The second admin who approves what `admin` asks for. */
let second: Awaited<ReturnType<typeof createStaff>>;

beforeAll(async () => {
  app = await bootApp({ env: { PARTNER_KEY_OVERLAP_HOURS: '24' } });
  [admin, second] = [await createStaff(app, 'ADMIN'), await createStaff(app, 'ADMIN')];
});
const approve = async (id: string) => expect((await app.gql(APPROVE, { id, p: PASSWORD }, second.token)).data?.approveRoleGrant).toEqual({ status: 'approved' });
afterAll(() => app?.close());

const login = async (u: string, p: string) => (await app.gql(LOGIN, { u, p })).data?.login?.token as string | undefined;
const signedIn = async (token: string) => (await app.gql(ME, {}, token)).data?.me != null;
const audit = (action: string, targetId: string) => app.deps.database.db.collection('audit').find({ action, 'target.id': targetId }).sort({ seq: 1 }).toArray();

describe('own password and sessions', () => {
  it('changes the password with the current one, ending every other session', async () => {
    const { user, token, username } = await createStaff(app, 'CALL_HANDLER');
    const others = [await login(username, PASSWORD), await login(username, PASSWORD)] as string[];

    const wrong = await app.gql(CHANGE, { c: 'not my password at all', n: NEW_PASSWORD }, token);
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(await signedIn(others[0]!)).toBe(true);
    expect(codeOf(await app.gql(CHANGE, { c: PASSWORD, n: 'short' }, token))).toBe('BAD_USER_INPUT');

    const res = await app.gql(CHANGE, { c: PASSWORD, n: NEW_PASSWORD }, token);
    expect(res.data.changePassword).toBe(2);
    expect(await signedIn(token)).toBe(true);
    for (const t of others) expect(await signedIn(t)).toBe(false);
    expect(await login(username, PASSWORD)).toBeUndefined();
    expect(await login(username, NEW_PASSWORD)).toMatch(/^hlt_/);
    // (The factory's first sign-in chose the password: that change is marked `initial`.)
    const changes = (await audit('auth.password_change', user.id)).filter((e) => !e.details.initial);
    expect(changes.map((e) => [e.outcome, e.details.sessionsEnded ?? e.details.reason])).toEqual([
      ['failure', 'bad_password'],
      ['success', 2],
    ]);
    // Partners have no password here.
    const { apiKey } = await createPartner(app);
    expect(codeOf(await app.gql(CHANGE, { c: PASSWORD, n: NEW_PASSWORD }, apiKey))).toBe('UNAUTHENTICATED');
  });

  it('lists its own sessions and ends one of them', async () => {
    const { token, username } = await createStaff(app, 'AUDITOR');
    const other = (await login(username, PASSWORD))!;
    const list = await app.gql(`{ mySessions { id current createdAt expiresAt } }`, {}, token);
    expect(list.data.mySessions).toHaveLength(2);
    const stored = await app.deps.database.db.collection('sessions').find({}).toArray();
    for (const s of list.data.mySessions) expect(stored.map((x) => x._id)).not.toContain(s.id);
    const target = list.data.mySessions.find((s: { current: boolean }) => !s.current);
    expect((await app.gql(`mutation($id: ID!) { endMySession(id: $id) }`, { id: target.id }, token)).data.endMySession).toBe(true);
    expect(await signedIn(other)).toBe(false);
    expect(await signedIn(token)).toBe(true);
    // Another user's session id is not found among one's own.
    const stranger = await createStaff(app, 'AUDITOR');
    const theirs = (await app.gql(`{ mySessions { id } }`, {}, stranger.token)).data.mySessions[0].id;
    expect(codeOf(await app.gql(`mutation($id: ID!) { endMySession(id: $id) }`, { id: theirs }, token))).toBe('NOT_FOUND');
    expect(await signedIn(stranger.token)).toBe(true);
  });
});

describe('administration', () => {
  it('re-enables a disabled user; their old sessions stay ended', async () => {
    const { user, token, username } = await createStaff(app, 'CALL_HANDLER');
    await app.gql(`mutation($u: String!) { disableUser(username: $u) { id } }`, { u: username }, admin.token);
    expect(await login(username, PASSWORD)).toBeUndefined();
    const res = await app.gql(`mutation($u: String!) { enableUser(username: $u, reason: "Back from leave") { id kind status } }`, { u: username }, admin.token);
    expect(res.data.enableUser).toMatchObject({ kind: 'ENABLE', status: 'pending' });
    expect(await login(username, PASSWORD)).toBeUndefined(); // not before a second admin approves
    await approve(res.data.enableUser.id);
    expect(await signedIn(token)).toBe(false);
    const fresh = (await login(username, PASSWORD))!;
    expect(fresh).toMatch(/^hlt_/);
    const entries = await audit('admin.user_enable', user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.actor).toMatchObject({ type: 'user', id: second.user.id });
    // The re-sealed record still passes its MAC on every request (signed in above), and only admins may do this.
    expect(codeOf(await app.gql(`mutation($u: String!) { enableUser(username: $u, reason: "x") { id } }`, { u: username }, fresh))).toBe('FORBIDDEN');
  });

  it("moves an investigator to the other desk, releasing their claims to the old desk's queue", async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const inv = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const colleague = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await buildReport(app, { status: 'ASSIGNED', desk: 'SO12', assignee: inv, recordedBy: handler })).id);
    const MOVE = `mutation($u: String!, $d: Desk!, $r: String!) { moveUserDesk(username: $u, desk: $d, reason: $r) { id kind desk status } }`;
    expect(codeOf(await app.gql(MOVE, { u: inv.username, d: 'SO13', r: 'x' }, colleague.token))).toBe('FORBIDDEN');
    const res = await app.gql(MOVE, { u: inv.username, d: 'SO13', r: 'Transferred to SO13 this week' }, admin.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.moveUserDesk).toMatchObject({ kind: 'MOVE_DESK', desk: 'SO13', status: 'pending' });
    expect((await app.gql(ME, {}, inv.token)).data.me.desk).toBe('SO12'); // not before a second admin approves
    await approve(res.data.moveUserDesk.id);

    for (const id of ids) {
      const doc = await findReport(app, id);
      expect(doc).toMatchObject({ status: 'TRIAGED', assignee: null, desk: 'SO12' });
      expect(doc.history.at(-1)).toMatchObject({ action: 'released', actor: { type: 'user', id: second.user.id } });
      const seen = await app.gql(Q.report, { id }, colleague.token);
      expect(seen.data.report.history.at(-1)).toMatchObject({ action: 'released', actorId: second.user.id, reason: 'Transferred to SO13 this week' });
      const release = await audit('report.release', id);
      expect(release).toHaveLength(1);
      expect(release[0]!.actor).toMatchObject({ id: second.user.id });
    }
    // Back in the old desk's queue for a colleague; the moved investigator now works SO13.
    const queue = await app.gql(Q.queue, { desk: 'SO12', first: 50 }, colleague.token);
    expect(queue.data.deskQueue.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(expect.arrayContaining(ids));
    expect((await app.gql(ME, {}, inv.token)).data.me.desk).toBe('SO13');
    expect(codeOf(await app.gql(Q.queue, { desk: 'SO12', first: 5 }, inv.token))).toBe('FORBIDDEN');
    const moves = await audit('admin.user_move_desk', inv.user.id);
    expect(moves.map((m) => m.details)).toEqual([expect.objectContaining({ fromDesk: 'SO12', toDesk: 'SO13', releasedReports: 2 })]);

    // Only investigators have a desk to move.
    expect(codeOf(await app.gql(MOVE, { u: handler.username, d: 'SO13', r: 'x' }, admin.token))).toBe('BAD_USER_INPUT');
  });
});

describe('partner key rotation', () => {
  const ROTATE = `mutation($n: String!) { rotatePartnerKey(name: $n) { apiKey previousKeyExpiresAt partner { id name keyHint } } }`;

  it('issues a new key for the same partner, keeps its receipts, and lets the old key work for the overlap', async () => {
    const { partner, apiKey: oldKey, name } = await createPartner(app);
    const submitted = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(1) }, oldKey);
    const receipt = submitted.data.submitPartnerReferral.receipt as string;

    const before = Date.now();
    const res = await app.gql(ROTATE, { n: name }, admin.token);
    expect(res.errors).toBeUndefined();
    const { apiKey: newKey, previousKeyExpiresAt, partner: rotated } = res.data.rotatePartnerKey;
    expect(rotated.id).toBe(partner.id);
    expect(newKey).not.toBe(oldKey);
    expect(rotated.keyHint).toBe(newKey.slice(0, 8));
    const overlap = new Date(previousKeyExpiresAt).getTime() - before;
    expect(overlap).toBeGreaterThan(23.9 * 3_600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);

    // Both keys are the same partner, and the receipt issued before still answers.
    for (const key of [oldKey, newKey]) {
      expect((await app.gql(ME, {}, key)).data.me).toEqual({ name });
      expect((await app.gql(REFERRAL_STATUS, { r: receipt }, key)).data.partnerReferralStatus.receipt).toBe(receipt);
    }
    const entries = await audit('admin.partner_rotate_key', partner.id);
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toContain(newKey);

    // A database writer cannot stretch the overlap: the previous key carries its own MAC.
    const partners = app.deps.database.db.collection('partners');
    await partners.updateOne({ _id: partner.id as never }, { $set: { 'previousKey.expiresAt': new Date(Date.now() + 365 * 86_400_000) } });
    expect((await app.gql(ME, {}, oldKey)).data.me).toBeNull();
    expect((await app.gql(ME, {}, newKey)).data.me).toEqual({ name });

    // Rotating again ends the older key at once; revoking ends every key.
    const again = (await app.gql(ROTATE, { n: name }, admin.token)).data.rotatePartnerKey.apiKey;
    expect((await app.gql(ME, {}, newKey)).data.me).toEqual({ name });
    await app.gql(`mutation($n: String!) { revokePartner(name: $n) { id } }`, { n: name }, admin.token);
    for (const key of [newKey, again]) expect((await app.gql(ME, {}, key)).data.me).toBeNull();
  });

  it('stops the old key once the overlap is over', async () => {
    const noOverlap = await bootApp({ env: { PARTNER_KEY_OVERLAP_HOURS: '0' } });
    try {
      const { apiKey: oldKey, name } = await createPartner(noOverlap);
      const rotated = await noOverlap.deps.services.lifecycle.rotatePartnerKey(name, 'cli');
      expect((await noOverlap.gql(ME, {}, oldKey)).data.me).toBeNull();
      expect((await noOverlap.gql(ME, {}, rotated.apiKey)).data.me).toEqual({ name });
      const entries = await noOverlap.deps.database.db.collection('audit').find({ action: 'admin.partner_rotate_key' }).toArray();
      expect(entries[0]!.actor).toEqual({ type: 'system', id: 'admin-cli' });
    } finally {
      await noOverlap.close();
    }
  });
});
