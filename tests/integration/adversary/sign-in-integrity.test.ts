/**
 * Trust review (second), item 15: a stored credential that fails its check at
 * sign-in (here a second-factor seed a database writer altered) tells the
 * person signing in only that sign-in is unavailable: no record id, no part,
 * no crypto reason, in the message or the extensions. The log names them.
 */
import { Binary } from 'mongodb';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SIGN_IN_UNAVAILABLE } from '../../../src/auth/service.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff, PASSWORD } from '../../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;
const lines: string[] = [];
let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ env: { LOG_LEVEL: 'info' }, logDestination: { write: (line: string) => void lines.push(line) } });
});
afterAll(() => app?.close());

it('says only "sign-in unavailable" when the stored second factor fails its check, and logs which record', async () => {
  const { user, token, username } = await createStaff(app, 'CALL_HANDLER');
  const begun = await app.gql(`mutation { beginMfaEnrolment { otpauthUri } }`, {}, token);
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  expect((await app.gql(`mutation($c: String!) { confirmMfaEnrolment(code: $c) { recoveryCodes } }`, { c: totp.generate() }, token)).errors).toBeUndefined();

  // A database writer flips a byte of the sealed seed.
  const mfa = app.deps.database.db.collection('mfa');
  const stored = (await mfa.findOne({ _id: user.id } as never))!;
  const bytes = Buffer.from((stored.secret as Binary).value());
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
  await mfa.updateOne({ _id: user.id } as never, { $set: { secret: new Binary(bytes) } });

  const res = await app.gql(LOGIN, { u: username, p: PASSWORD, t: totp.generate({ timestamp: Date.now() + 30_000 }) });
  expect(res.data?.login ?? null).toBeNull();
  const error = res.errors![0]!;
  expect(error.message).toBe(SIGN_IN_UNAVAILABLE);
  expect(error.extensions).toEqual({ code: 'DATA_INTEGRITY' });
  expect(JSON.stringify(res)).not.toContain(user.id);
  // The operator's log names the account and the failure, never the seed.
  expect(lines.some((l) => l.includes('sign-in credential integrity failure') && l.includes(user.id))).toBe(true);
});
