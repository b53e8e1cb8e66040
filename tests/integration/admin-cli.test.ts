import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/migrations/index.js';
import { testEnv } from '../support/app.js';
import { runScript } from '../support/spawn.js';

const env = testEnv({ LOG_LEVEL: 'silent' });
const admin = (args: string[], input?: string) => runScript('scripts/admin/admin.ts', args, env, input);
let client: MongoClient;

beforeAll(async () => {
  client = await new MongoClient(env.MONGODB_URI!).connect();
});
afterAll(async () => {
  await client.db(env.MONGODB_DB).dropDatabase();
  await client.close();
});

const PASSWORD = 'a long enough password\n';
/** stdin of a user:create named --as adm.first: that admin's password, no code, then the new user's password. */
const AS_FIRST = `${PASSWORD}\n${PASSWORD}`;
const asFirst = ['--as', 'adm.first'];
/** The password a holder chooses at their first sign-in, replacing the one given (PASSWORD). */
const OWN = 'my very own password\n';

describe('admin CLI', () => {
  it('keys:generate prints a fresh 32-byte base64 key', async () => {
    const a = await admin(['keys:generate']);
    const b = await admin(['keys:generate']);
    expect(a.code).toBe(0);
    expect(Buffer.from(a.stdout.trim(), 'base64')).toHaveLength(32);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('user:create reads the password from stdin and stores only a hash', async () => {
    // The bootstrap: the first admin of an empty system is made at once, by the host alone.
    const first = await admin(['user:create', '--username', 'adm.first', '--role', 'ADMIN', '--password-stdin'], PASSWORD);
    expect(first.stdout).toContain('created user adm.first (ADMIN)');
    // Any other account is requested in a named admin's name.
    const r = await admin(['user:create', '--username', 'dc.smith', '--role', 'INVESTIGATOR', '--role', 'SUPERVISOR', '--desk', 'SO13', ...asFirst, '--password-stdin'], AS_FIRST);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created user dc.smith');
    // Both roles need a second admin (src/auth/separation.ts): the user exists without them, a grant waits.
    expect(r.stdout).toMatch(/roles INVESTIGATOR, SUPERVISOR wait for a second admin: grant [0-9a-f-]{36}/);
    const user = await client.db(env.MONGODB_DB).collection('users').findOne({ username: 'dc.smith' });
    expect(user).toMatchObject({ roles: [], desk: 'SO13', disabled: false });
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    const dup = await admin(['user:create', '--username', 'dc.smith', '--role', 'AUDITOR', ...asFirst, '--password-stdin'], AS_FIRST);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
  });

  it('rejects bad arguments with usage and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['user:create', '--username', 'x1', '--role', 'CHIEF', '--password-stdin'], /unknown role CHIEF/],
      [['user:create', '--username', 'x2', '--role', 'AUDITOR'], /--password-stdin is required/],
      [['user:create', '--username', 'x3', '--role', 'INVESTIGATOR', '--password-stdin'], /needs a desk/],
      [['user:create', '--username', 'x4', '--role', 'AUDITOR', '--desk', 'SO99', '--password-stdin'], /--desk must be/],
      [['user:disable'], /--username is required/],
      [['partner:create', '--nmae', 'x'], /Unknown option/],
      [['frobnicate'], /unknown command/],
      [[], /usage:/],
    ];
    for (const [args, message] of cases) {
      const r = await admin(args, PASSWORD);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);

  it('refuses role sets the separation table forbids, naming the rule', async () => {
    const r = await admin(['user:create', '--username', 'mixed', '--role', 'SUPERVISOR', '--role', 'AUDITOR', '--password-stdin'], PASSWORD);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('separation rule auditor-independent');
  });

  it('grants: the second admin waits until the first approves with their password', async () => {
    const second = await admin(['user:create', '--username', 'adm.second', '--role', 'ADMIN', '--password-stdin'], PASSWORD);
    expect(second.stdout).toContain('adm.second chooses their own password at their first sign-in');
    const grantId = /grant ([0-9a-f-]{36})/.exec(second.stdout)![1]!;
    // The password the creating admin typed opens no session; the holder replaces it (trust review 2, item 16).
    const chosen = await admin(['user:first-password', '--username', 'adm.second', '--password-stdin'], PASSWORD + OWN);
    expect(chosen.stdout).toContain('adm.second now signs in with their own password');
    expect((await admin(['user:first-password', '--username', 'dc.smith', '--password-stdin'], PASSWORD + OWN)).code).toBe(0);
    const list = await admin(['grants:list']);
    expect(list.stdout).toContain(`${grantId}  adm.second  ADMIN  requested by admin-cli`);
    const wrong = await admin(['grants:approve', grantId, '--as', 'adm.first', '--password-stdin'], 'not the password at all\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Sign-in failed');
    const notAdmin = await admin(['grants:approve', grantId, '--as', 'dc.smith', '--password-stdin'], OWN);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain('not an admin');
    const ok = await admin(['grants:approve', grantId, '--as', 'adm.first', '--password-stdin'], PASSWORD);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`approved grant ${grantId}: ADMIN for adm.second (decided by adm.first)`);
    expect(await client.db(env.MONGODB_DB).collection('users').findOne({ username: 'adm.second' })).toMatchObject({ roles: ['ADMIN'] });
    // dc.smith's grant: the second admin rejects it.
    const pending = await admin(['grants:list']);
    const dcGrant = /^(\S+)\s+dc\.smith/m.exec(pending.stdout)![1]!;
    expect((await admin(['grants:reject', dcGrant, '--as', 'adm.second', '--password-stdin'], PASSWORD)).stderr).toContain('Sign-in failed');
    const rejected = await admin(['grants:reject', dcGrant, '--as', 'adm.second', '--password-stdin'], OWN);
    expect(rejected.stdout).toContain(`rejected grant ${dcGrant}`);
    expect(await client.db(env.MONGODB_DB).collection('role_grants').countDocuments({ status: 'pending' })).toBe(0);
    const audit = await client.db(env.MONGODB_DB).collection('audit').find({ action: /^admin\.role_grant_/ }).toArray();
    expect(audit.map((e) => e.action).sort()).toEqual(['admin.role_grant_approve', 'admin.role_grant_reject', 'admin.role_grant_request', 'admin.role_grant_request']);
  }, 240_000);

  it('user:disable disables the user', async () => {
    await admin(['user:create', '--username', 'ch.jones', '--role', 'CALL_HANDLER', ...asFirst, '--password-stdin'], AS_FIRST);
    const r = await admin(['user:disable', '--username', 'ch.jones']);
    expect(r.code).toBe(0);
    const user = await client.db(env.MONGODB_DB).collection('users').findOne({ username: 'ch.jones' });
    expect(user!.disabled).toBe(true);
    expect((await admin(['user:disable', '--username', 'nobody'])).code).toBe(1);
  }, 120_000); // three CLI runs, one signing an admin in (several seconds each on a loaded machine)

  it('user:revoke-sessions ends the sessions of a user', async () => {
    await admin(['user:create', '--username', 'sup.ward', '--role', 'SUPERVISOR', ...asFirst, '--password-stdin'], AS_FIRST);
    const user = await client.db(env.MONGODB_DB).collection('users').findOne({ username: 'sup.ward' });
    // Rows as a writer could insert them: they authenticate nobody, but revoking still clears them.
    const sessions = client.db(env.MONGODB_DB).collection('sessions');
    await sessions.insertMany([
      { _id: 'a'.repeat(64), userId: user!._id, createdAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) },
      { _id: 'b'.repeat(64), userId: user!._id, createdAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) },
    ] as never);
    const r = await admin(['user:revoke-sessions', '--username', 'sup.ward']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revoked 2 session(s)');
    expect(await sessions.countDocuments({ userId: user!._id })).toBe(0);
  }, 120_000); // two CLI runs, one signing an admin in (several seconds each on a loaded machine)

  it('partner:create prints the key once on the last line; partner:revoke revokes it', async () => {
    const r = await admin(['partner:create', '--name', 'Community Security Trust']);
    expect(r.code).toBe(0);
    const key = r.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^hlp_[A-Za-z0-9_-]{43}$/);
    const partner = await client.db(env.MONGODB_DB).collection('partners').findOne({ name: 'Community Security Trust' });
    expect(JSON.stringify(partner)).not.toContain(key);
    const revoke = await admin(['partner:revoke', '--name', 'Community Security Trust']);
    expect(revoke.code).toBe(0);
    const after = await client.db(env.MONGODB_DB).collection('partners').findOne({ name: 'Community Security Trust' });
    expect(after!.revokedAt).toBeInstanceOf(Date);
    expect((await admin(['partner:revoke', '--name', 'Community Security Trust'])).code).toBe(1);
  });

  it('partner:rotate-key prints a new key once on the last line; the old one keeps an overlap', async () => {
    const created = await admin(['partner:create', '--name', 'Rotating Partner']);
    expect(created.code).toBe(0);
    const rotated = await admin(['partner:rotate-key', '--name', 'Rotating Partner']);
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/new API key for partner Rotating Partner; the previous key works until \d{4}-/);
    const [oldKey, newKey] = [created.stdout.trim().split('\n').at(-1), rotated.stdout.trim().split('\n').at(-1)];
    expect(newKey).toMatch(/^\S{20,}$/);
    expect(newKey).not.toBe(oldKey);
  });

  /** The store version this code migrates to (src/migrations/index.ts). */
  const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

  it('migrate --status lists the store migrations; migrate runs a pending one; both refuse a store migrated by a newer version', async () => {
    const migrations = client.db(env.MONGODB_DB).collection<{ _id: string; version?: number; at?: Date }>('migrations');
    const status = await admin(['migrate', '--status']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`store at version ${LATEST}; this code knows ${LATEST}`));
    expect(status.stdout).toMatch(/1 user-credentials-bound-v2 {2}applied /);
    expect(status.stdout).toContain('nothing pending');
    // As on a store of the release before migration 2 (a later one applied): pending, then run.
    await migrations.deleteOne({ _id: 'search-terms-filed-v1' });
    const pending = await admin(['migrate', '--status']);
    expect(pending.stdout).toMatch(/2 search-terms-filed-v1 {2}pending/);
    expect(pending.stdout).toContain('1 pending: run npm run admin -- migrate');
    const run = await admin(['migrate']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/applied search-terms-filed-v1: examined \d+, filed \d+, refused 0/);
    expect(run.stdout).toContain(`done: store at version ${LATEST}`);
    expect((await admin(['migrate'])).stdout).toContain(`nothing pending: store at version ${LATEST}`);
    await migrations.insertOne({ _id: 'from-a-newer-release', version: LATEST + 1, at: new Date() });
    try {
      const newer = await admin(['migrate', '--status']);
      expect(newer.code).toBe(1);
      expect(newer.stdout).toContain(`store migrated by a newer version (${LATEST + 1} > ${LATEST})`);
      const refused = await admin(['migrate']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`error: store migrated by a newer version (${LATEST + 1} > ${LATEST})`);
      // Any other command starts with the start-up check, and refuses too.
      expect((await admin(['partner:create', '--name', 'Too Old'])).stderr).toContain(`store migrated by a newer version (${LATEST + 1} > ${LATEST})`);
    } finally {
      await migrations.deleteOne({ _id: 'from-a-newer-release' });
    }
  }, 240_000); // seven CLI runs (several seconds each on a loaded machine): at 30 s it timed out in CI, and the marker it plants outlived it into the next test

  it('audit:verify passes on the real chain and fails, naming the entry, after tampering', async () => {
    const ok = await admin(['audit:verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit chain OK: \d+ entries/);
    await client.db(env.MONGODB_DB).collection('audit').updateOne({ seq: 2 }, { $set: { 'details.username': 'someone-else' } });
    const broken = await admin(['audit:verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at seq 2');
  }, 120_000); // two CLI runs
});
