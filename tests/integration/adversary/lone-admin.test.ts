/**
 * A rogue administrator acting alone (trust review 2, item 4): in the API and
 * in the host CLI, one admin cannot make a working AUDITOR or CALL_HANDLER
 * (every role needs a second admin, src/auth/separation.ts), and cannot
 * re-enable a user, move an investigator's desk or reset a second factor:
 * each is a request a different admin approves. The host CLI acts alone
 * only for the bootstrap (the first two admins), and refuses once two exist.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, testEnv, type TestApp } from '../../support/app.js';
import { chooseOwnPassword, createStaff, PASSWORD } from '../../support/factories.js';
import { runScript } from '../../support/spawn.js';

const CREATE_USER = `mutation($u: String!, $p: String!, $r: [Role!]!, $d: Desk) {
  createUser(username: $u, password: $p, roles: $r, desk: $d) { id username roles pendingRoles } }`;
const PENDING = `{ pendingRoleGrants { id username roles requestedBy } }`;
const APPROVE = `mutation($id: ID!, $p: String!) { approveRoleGrant(id: $id, password: $p) { id status } }`;
const AUDIT_LOG = `{ auditLog(first: 1) { entries { action } } }`;
const MY_SUBMISSIONS = `{ mySubmissions { id } }`;
const ENABLE = `mutation($u: String!) { enableUser(username: $u, reason: "alone") { id status } }`;
const MOVE = `mutation($u: String!) { moveUserDesk(username: $u, desk: SO13, reason: "alone") { id status } }`;
const RESET = `mutation($u: String!) { resetMfa(username: $u, reason: "alone") { id status } }`;

/** The password a holder chooses at their first sign-in, replacing the one an admin gave. */
const OWN = `${PASSWORD}, my own`;
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
const name = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

describe('a lone admin in the API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootApp({ env: { LOGIN_MAX_FAILURES_PER_USER: '50', LOGIN_MAX_FAILURES_PER_CLIENT: '500' } });
  });
  afterAll(() => app?.close());

  it('cannot make a working AUDITOR or CALL_HANDLER: the account holds no role until a second admin approves', async () => {
    const rogue = await createStaff(app, 'ADMIN');
    for (const [role, probe] of [
      ['AUDITOR', AUDIT_LOG],
      ['CALL_HANDLER', MY_SUBMISSIONS],
    ] as const) {
      const username = name(role.toLowerCase().replace('_', '-'));
      const created = await app.gql(CREATE_USER, { u: username, p: PASSWORD, r: [role] }, rogue.token);
      expect(created.errors).toBeUndefined();
      expect(created.data.createUser).toMatchObject({ username, roles: [], pendingRoles: [role] });
      // Its holder chooses their own password at first sign-in (trust review 2, item 16), then signs in.
      await chooseOwnPassword(app.deps, username, PASSWORD, OWN);
      const { token } = await app.deps.services.auth.login(username, OWN, `lone-${username}`);
      expect(codeOf(await app.gql(probe, {}, token)), role).toBe('FORBIDDEN');
      // The requester cannot approve their own grant.
      const grant = (await app.gql(PENDING, {}, rogue.token)).data.pendingRoleGrants.find((g: { username: string }) => g.username === username);
      expect(grant).toMatchObject({ roles: [role], requestedBy: rogue.username });
      expect(codeOf(await app.gql(APPROVE, { id: grant.id, p: PASSWORD }, rogue.token))).toBe('FORBIDDEN');
      expect(codeOf(await app.gql(probe, {}, token)), role).toBe('FORBIDDEN');
      expect((await app.deps.database.db.collection('users').findOne({ username }))?.roles).toEqual([]);
    }
  });

  it('cannot re-enable, move a desk or reset a second factor: each is only a request', async () => {
    const rogue = await createStaff(app, 'ADMIN');
    const disabled = await createStaff(app, 'CALL_HANDLER');
    await app.deps.services.auth.disableUser(disabled.username, 'cli');
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    for (const [query, u] of [
      [ENABLE, disabled.username],
      [MOVE, investigator.username],
      [RESET, investigator.username],
    ] as const) {
      const asked = await app.gql(query, { u }, rogue.token);
      expect(asked.errors).toBeUndefined();
      const request = Object.values(asked.data)[0] as { id: string; status: string };
      expect(request.status).toBe('pending');
      expect(codeOf(await app.gql(APPROVE, { id: request.id, p: PASSWORD }, rogue.token))).toBe('FORBIDDEN');
    }
    const users = app.deps.database.db.collection('users');
    expect(await users.findOne({ username: disabled.username })).toMatchObject({ disabled: true });
    expect(await users.findOne({ username: investigator.username })).toMatchObject({ desk: 'SO12' });
  });

  it('the service refuses the host CLI acting alone once two admins exist', async () => {
    await createStaff(app, 'ADMIN'); // the factory's two admins exist by now
    const tried = await app.deps.services.auth.createUser({ username: name('aud'), password: PASSWORD, roles: ['AUDITOR'] }, 'cli').catch((e) => e.code);
    expect(tried).toBe('FORBIDDEN');
    const admin = await app.deps.services.auth.createUser({ username: name('adm'), password: PASSWORD, roles: ['ADMIN'] }, 'cli').catch((e) => e.code);
    expect(admin).toBe('FORBIDDEN');
  });
});

describe('a lone admin at the host CLI', () => {
  const env = testEnv({ LOG_LEVEL: 'silent' });
  const admin = (args: string[], input?: string) => runScript('scripts/admin/admin.ts', args, env, input);
  let client: MongoClient;
  const users = () => client.db(env.MONGODB_DB).collection('users');
  const grantOf = (stdout: string) => /(?:grant|request) ([0-9a-f-]{36})/.exec(stdout)?.[1];
  const ONE = `${PASSWORD}\n\n`; // adm.one's password, no second factor

  beforeAll(async () => {
    client = await new MongoClient(env.MONGODB_URI!).connect();
  });
  afterAll(async () => {
    await client.db(env.MONGODB_DB).dropDatabase();
    await client.close();
  });

  it('bootstraps two admins, then cannot make a working AUDITOR or CALL_HANDLER, nor re-enable, move or reset alone', async () => {
    // Bootstrap: the first admin at once, the second approved by the first.
    expect((await admin(['user:create', '--username', 'adm.one', '--role', 'ADMIN', '--password-stdin'], PASSWORD)).stdout).toContain('created user adm.one (ADMIN)');
    const second = await admin(['user:create', '--username', 'adm.two', '--role', 'ADMIN', '--password-stdin'], PASSWORD);
    const secondGrant = grantOf(second.stdout)!;
    // The second admin's holder replaces the password the host typed (their first sign-in, on the host).
    expect((await admin(['user:first-password', '--username', 'adm.two', '--password-stdin'], `${PASSWORD}\n${OWN}\n`)).code).toBe(0);
    expect((await admin(['grants:approve', secondGrant, '--as', 'adm.one', '--password-stdin'], PASSWORD)).stdout).toContain('approved');
    // A third admin, or any other role, is no longer the host's to make alone.
    for (const role of ['ADMIN', 'AUDITOR']) {
      const alone = await admin(['user:create', '--username', name('host'), '--role', role, '--password-stdin'], PASSWORD);
      expect(alone.code, role).toBe(1);
      expect(alone.stderr, role).toContain('--as ADMIN');
    }

    // Named as adm.one: the accounts hold no role, and adm.one cannot approve them.
    const made: Record<string, string> = {};
    for (const role of ['AUDITOR', 'CALL_HANDLER']) {
      const username = name(role.toLowerCase().replace('_', '-'));
      const out = await admin(['user:create', '--username', username, '--role', role, '--as', 'adm.one', '--password-stdin'], `${ONE}${PASSWORD}`);
      expect(out.stdout, out.stderr).toContain(`created user ${username} (no roles yet)`);
      made[role] = username;
      if (role === 'AUDITOR') {
        const self = await admin(['grants:approve', grantOf(out.stdout)!, '--as', 'adm.one', '--password-stdin'], ONE);
        expect(self.code).toBe(1);
        expect(self.stderr).toContain('cannot decide');
      }
      expect((await users().findOne({ username }))?.roles).toEqual([]);
    }

    // An SO12 investigator (requested by adm.one, approved by adm.two), and a disabled account.
    const inv = await admin(['user:create', '--username', 'inv.one', '--role', 'INVESTIGATOR', '--desk', 'SO12', '--as', 'adm.one', '--password-stdin'], `${ONE}${PASSWORD}`);
    await admin(['grants:approve', grantOf(inv.stdout)!, '--as', 'adm.two', '--password-stdin'], OWN);
    const off = made.AUDITOR!;
    await admin(['user:disable', '--username', off]);
    expect(await users().findOne({ username: 'inv.one' })).toMatchObject({ roles: ['INVESTIGATOR'], desk: 'SO12' });
    expect(await users().findOne({ username: off })).toMatchObject({ disabled: true });

    // Without a named admin the CLI refuses; named, it files a request and changes nothing.
    const unnamed = await admin(['user:enable', '--username', off, '--reason', 'back from leave']);
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.stderr).toContain('--as is required');
    const asks: string[][] = [
      ['user:enable', '--username', off, '--reason', 'back from leave'],
      ['user:move-desk', '--username', 'inv.one', '--desk', 'SO13', '--reason', 'moved'],
      ['user:mfa-reset', '--username', 'inv.one', '--reason', 'lost phone'],
    ];
    const requests: string[] = [];
    for (const ask of asks) {
      const named = await admin([...ask, '--as', 'adm.one', '--password-stdin'], ONE);
      expect(named.stdout, `${ask[0]} ${named.stderr}`).toMatch(/waits for a second admin/);
      requests.push(grantOf(named.stdout)!);
    }
    // adm.one cannot approve their own desk move.
    const self = await admin(['grants:approve', requests[1]!, '--as', 'adm.one', '--password-stdin'], ONE);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('cannot decide');
    expect(await users().findOne({ username: 'inv.one' })).toMatchObject({ desk: 'SO12' });
    expect(await users().findOne({ username: off })).toMatchObject({ disabled: true });
    expect(await client.db(env.MONGODB_DB).collection('role_grants').countDocuments({ _id: { $in: requests as never[] }, status: 'pending' })).toBe(3);

    // The second admin approves: now it happens, under their name.
    const moved = await admin(['grants:approve', requests[1]!, '--as', 'adm.two', '--password-stdin'], OWN);
    expect(moved.stdout, moved.stderr).toContain('approved');
    expect(await users().findOne({ username: 'inv.one' })).toMatchObject({ desk: 'SO13' });
    const moveAudit = await client.db(env.MONGODB_DB).collection('audit').findOne({ action: 'admin.user_move_desk' });
    const two = await users().findOne({ username: 'adm.two' });
    expect(moveAudit?.actor).toMatchObject({ type: 'user', id: two?._id });
  }, 900_000);
});
