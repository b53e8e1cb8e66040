/**
 * Adversaries against principals, on the real service (FerretDB + Redis):
 * someone who can write to the database but does not hold HOTLINE_AUDIT_KEY,
 * and a rogue administrator acting through the API. Each attack from the
 * security review (issue 12) is now refused, and the refusal is audited.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_SEAL_PART } from '../../../src/auth/seal.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { chooseOwnPassword, createStaff, PASSWORD } from '../../support/factories.js';

const ME = `{ me { __typename ... on User { username roles desk } } }`;
const SUPERVISOR_QUEUE = `{ supervisorQueue { id } }`;
const CREATE_USER = `mutation($u: String!, $p: String!, $r: [Role!]!, $d: Desk) {
  createUser(username: $u, password: $p, roles: $r, desk: $d) { id username roles pendingRoles } }`;
const PENDING = `{ pendingRoleGrants { id userId username roles status requestedBy } }`;
const APPROVE = `mutation($id: ID!, $p: String!) { approveRoleGrant(id: $id, password: $p) { id status roles decidedBy } }`;
const REJECT = `mutation($id: ID!, $p: String!) { rejectRoleGrant(id: $id, password: $p) { id status } }`;
const AUDIT = `query($action: String) { auditLog(action: $action, first: 100) { entries { action actorId targetId outcome details } } }`;

let app: TestApp;
const db = () => app.deps.database.db;
const newToken = () => `hlt_${randomBytes(32).toString('base64url')}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

async function auditEntries(action: string) {
  const { token } = await createStaff(app, 'AUDITOR');
  const res = await app.gql(AUDIT, { action }, token);
  expect(res.errors).toBeUndefined();
  const entries = res.data.auditLog.entries as { action: string; actorId: string | null; targetId: string | null; outcome: string; details: string }[];
  return entries.map((e) => ({ ...e, details: JSON.parse(e.details) }));
}

describe('a database writer without the audit key', () => {
  it('cannot mint a session: a row under an unkeyed hash of a token authenticates nobody', async () => {
    const sup = await createStaff(app, 'SUPERVISOR');
    const now = new Date();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const plain = newToken();
    const other = newToken();
    await db().collection('sessions').insertMany([
      { _id: sha256(plain) as any, userId: sup.user.id, createdAt: now, expiresAt },
      // Any other hash made without the key: BLAKE2b, SHA-512, the token itself.
      { _id: createHash('sha512').update(other).digest('hex') as any, userId: sup.user.id, createdAt: now, expiresAt },
      { _id: other as any, userId: sup.user.id, createdAt: now, expiresAt, seal: sha256(other) },
    ]);
    for (const token of [plain, other]) {
      expect((await app.gql(ME, {}, token)).data.me).toBeNull();
      const queue = await app.gql(SUPERVISOR_QUEUE, {}, token);
      expect(queue.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // The real supervisor's own token still works.
    expect((await app.gql(ME, {}, sup.token)).data.me.username).toBe(sup.username);
  });

  it('cannot re-point their own session at a supervisor', async () => {
    const sup = await createStaff(app, 'SUPERVISOR');
    const handler = await createStaff(app, 'CALL_HANDLER');
    const sessions = db().collection('sessions');
    const r = await sessions.updateMany({ userId: handler.user.id }, { $set: { userId: sup.user.id } });
    expect(r.modifiedCount).toBeGreaterThan(0);
    expect((await app.gql(ME, {}, handler.token)).data.me).toBeNull();
  });

  it.each([
    ['roles', (u: any) => ({ roles: [...u.roles, 'SUPERVISOR'] })],
    ['desk', () => ({ desk: 'SO13' })],
    ['disabled', () => ({ disabled: false })],
  ])('editing a user\'s %s answers DATA_INTEGRITY on their next request, logged and audited', async (field, change) => {
    const staff = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const users = db().collection('users');
    if (field === 'disabled') {
      // Disabled properly, then the writer re-enables the account and signs in with its password.
      await app.deps.services.auth.disableUser(staff.username, 'cli');
      await users.updateOne({ _id: staff.user.id as any }, { $set: change({}) });
      const res = await app.gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: staff.username, p: PASSWORD });
      expect(res.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
      expect(res.data).toBeNull();
    } else {
      const user = await users.findOne({ _id: staff.user.id as any });
      await users.updateOne({ _id: staff.user.id as any }, { $set: change(user) });
      const res = await app.gql(ME, {}, staff.token);
      expect(res.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
      expect(res.data?.me ?? null).toBeNull();
      const queue = await app.gql(SUPERVISOR_QUEUE, {}, staff.token);
      expect(queue.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
    }
    const failures = (await auditEntries('auth.integrity_failure')).filter((e) => e.targetId === staff.user.id);
    expect(failures).toHaveLength(1); // once, however often the account retries
    expect(failures[0]).toMatchObject({ outcome: 'failure', details: { part: USER_SEAL_PART } });
  });

  it('a user record with no MAC at all (made before the change, or inserted) signs nobody in', async () => {
    const staff = await createStaff(app, 'CALL_HANDLER');
    await db().collection('users').updateOne({ _id: staff.user.id as any }, { $unset: { mac: '' } });
    expect((await app.gql(ME, {}, staff.token)).errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
  });
});

describe('a rogue administrator', () => {
  it('cannot give anyone content and audit roles together, nor admin and content', async () => {
    const admin = await createStaff(app, 'ADMIN');
    for (const roles of [['SUPERVISOR', 'AUDITOR'], ['ADMIN', 'INVESTIGATOR'], ['CALL_HANDLER', 'AUDITOR']]) {
      const res = await app.gql(CREATE_USER, { u: `mix-${randomBytes(3).toString('hex')}`, p: PASSWORD, r: roles, d: 'SO12' }, admin.token);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/separation rule (auditor-independent|admin-no-content)/);
    }
  });

  it('needs a second admin to make a supervisor; every step is audited', async () => {
    const rogue = await createStaff(app, 'ADMIN');
    const second = await createStaff(app, 'ADMIN');
    const username = `sup-${randomBytes(3).toString('hex')}`;
    const created = await app.gql(CREATE_USER, { u: username, p: PASSWORD, r: ['SUPERVISOR'] }, rogue.token);
    expect(created.errors).toBeUndefined();
    expect(created.data.createUser).toMatchObject({ username, roles: [], pendingRoles: ['SUPERVISOR'] });

    // Not a supervisor yet (signed in once its holder chose their own password: the one given opens no session).
    await chooseOwnPassword(app.deps, username, PASSWORD, `${PASSWORD} (mine)`);
    const signIn = await app.deps.services.auth.login(username, `${PASSWORD} (mine)`, 'test-grant');
    expect((await app.gql(SUPERVISOR_QUEUE, {}, signIn.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Announced to every admin.
    const pending = await app.gql(PENDING, {}, second.token);
    const grant = pending.data.pendingRoleGrants.find((g: any) => g.username === username);
    expect(grant).toMatchObject({ roles: ['SUPERVISOR'], status: 'pending', requestedBy: rogue.username, userId: created.data.createUser.id });

    // The requester cannot approve (nor reject) their own request.
    const self = await app.gql(APPROVE, { id: grant.id, p: PASSWORD }, rogue.token);
    expect(self.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(REJECT, { id: grant.id, p: PASSWORD }, rogue.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Nor can a non-admin.
    expect((await app.gql(APPROVE, { id: grant.id, p: PASSWORD }, signIn.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const approved = await app.gql(APPROVE, { id: grant.id, p: PASSWORD }, second.token);
    expect(approved.errors).toBeUndefined();
    expect(approved.data.approveRoleGrant).toMatchObject({ status: 'approved', roles: ['SUPERVISOR'], decidedBy: second.username });
    expect((await app.gql(APPROVE, { id: grant.id, p: PASSWORD }, second.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // The same session now acts as a supervisor (roles are read, and MAC-checked, on every request).
    const queue = await app.gql(SUPERVISOR_QUEUE, {}, signIn.token);
    expect(queue.errors).toBeUndefined();
    expect((await app.gql(ME, {}, signIn.token)).data.me.roles).toEqual(['SUPERVISOR']);
    expect((await app.gql(PENDING, {}, second.token)).data.pendingRoleGrants.find((g: any) => g.id === grant.id)).toBeUndefined();

    const requests = (await auditEntries('admin.role_grant_request')).filter((e) => e.details.grantId === grant.id);
    expect(requests).toEqual([expect.objectContaining({ actorId: rogue.user.id, targetId: grant.userId, details: expect.objectContaining({ roles: ['SUPERVISOR'] }) })]);
    const approvals = (await auditEntries('admin.role_grant_approve')).filter((e) => e.details.grantId === grant.id);
    expect(approvals).toEqual([expect.objectContaining({ actorId: second.user.id, targetId: grant.userId, details: expect.objectContaining({ requestedBy: rogue.user.id }) })]);
  });

  it('cannot approve their own request with a second admin account they create', async () => {
    const rogue = await createStaff(app, 'ADMIN');
    const res = await app.gql(CREATE_USER, { u: `adm-${randomBytes(3).toString('hex')}`, p: PASSWORD, r: ['ADMIN'] }, rogue.token);
    expect(res.data.createUser).toMatchObject({ roles: [], pendingRoles: ['ADMIN'] });
  });

  it('a rejected grant is never applied, and the rejection is audited', async () => {
    const rogue = await createStaff(app, 'ADMIN');
    const second = await createStaff(app, 'ADMIN');
    const username = `inv-${randomBytes(3).toString('hex')}`;
    const created = await app.gql(CREATE_USER, { u: username, p: PASSWORD, r: ['INVESTIGATOR', 'CALL_HANDLER'], d: 'SO13' }, rogue.token);
    expect(created.data.createUser).toMatchObject({ roles: [], pendingRoles: ['CALL_HANDLER', 'INVESTIGATOR'] });
    const grant = (await app.gql(PENDING, {}, second.token)).data.pendingRoleGrants.find((g: any) => g.username === username);
    expect((await app.gql(REJECT, { id: grant.id, p: PASSWORD }, second.token)).data.rejectRoleGrant.status).toBe('rejected');
    expect((await app.gql(APPROVE, { id: grant.id, p: PASSWORD }, second.token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const user = await db().collection('users').findOne({ username });
    expect(user?.roles).toEqual([]);
    expect((await auditEntries('admin.role_grant_reject')).some((e) => e.details.grantId === grant.id && e.actorId === second.user.id)).toBe(true);
  });
});

describe('failed sign-ins', () => {
  it('keep only a keyed hash of an unknown username, so a password typed there never lands in the audit log', async () => {
    const typed = `Secret-pw-${randomBytes(4).toString('hex')}`.toLowerCase();
    const res = await app.gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: typed, p: 'whatever-password' });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const raw = JSON.stringify(await db().collection('audit').find({}).toArray());
    expect(raw).not.toContain(typed);
    const entry = (await db().collection('audit').find({ action: 'auth.login', 'details.reason': 'unknown_user' }).toArray()).at(-1);
    expect(entry?.details.username).toBe(app.deps.crypto.integrity.mac('username', typed));
    // A known user's failure is still recorded by name.
    const known = await createStaff(app, 'CALL_HANDLER');
    await app.gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: known.username, p: 'wrong-password-here' });
    const bad = (await db().collection('audit').find({ action: 'auth.login', 'details.reason': 'bad_password' }).toArray()).at(-1);
    expect(bad?.details.username).toBe(known.username);
  });
});
