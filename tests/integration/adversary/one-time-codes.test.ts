/**
 * Trust review (second), item 5: a one-time code is used once, however many
 * sign-ins race with it. FerretDB applies a conditional update as
 * read-then-write, so 20 parallel sign-ins with one TOTP code, or one
 * recovery code, each got past the guarded update of the second-factor
 * document; the insert-only claim (mfa-repository.ts) lets exactly one in.
 */
import { Binary } from 'mongodb';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMfaRepository } from '../../../src/auth/mfa-repository.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff, PASSWORD } from '../../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;
const BEGIN = `mutation { beginMfaEnrolment { otpauthUri } }`;
const CONFIRM = `mutation($code: String!) { confirmMfaEnrolment(code: $code) { recoveryCodes } }`;
const PARALLEL = 20;

let app: TestApp;
beforeAll(async () => {
  // Limits high enough that the race, not the rate limiter, decides.
  app = await bootApp({ env: { LOGIN_MAX_FAILURES_PER_USER: '500', LOGIN_MAX_FAILURES_PER_CLIENT: '500' } });
});
afterAll(() => app?.close());

async function enrolled() {
  const staff = await createStaff(app, 'CALL_HANDLER');
  const begun = await app.gql(BEGIN, {}, staff.token);
  expect(begun.errors).toBeUndefined();
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  const confirmed = await app.gql(CONFIRM, { code: totp.generate() }, staff.token);
  expect(confirmed.errors).toBeUndefined();
  return { ...staff, totp, recoveryCodes: confirmed.data.confirmMfaEnrolment.recoveryCodes as string[] };
}

/** Signs in `PARALLEL` times at once with the same code; how many got a session. */
async function race(username: string, code: string): Promise<number> {
  const results = await Promise.all(Array.from({ length: PARALLEL }, () => app.gql(LOGIN, { u: username, p: PASSWORD, t: code })));
  for (const r of results) if (r.errors) expect(r.errors[0]!.extensions?.code).toBe('UNAUTHENTICATED');
  return results.filter((r) => r.data?.login?.token).length;
}

describe('one-time codes under concurrency', () => {
  // Through the API each sign-in first verifies a password (argon2), which spaces the racers out on this
  // machine; straight at the store the race is plain: before the claims, 3 to 13 of 20 got through.
  it(`admits one of ${PARALLEL} racing uses of a step or a recovery code at the store`, async () => {
    const repo = createMfaRepository(app.deps.database.db);
    for (let round = 0; round < 3; round++) {
      const id = `race-${round}-${Date.now()}`;
      const createdAt = new Date();
      await repo.putPending({ _id: id, secret: new Binary(Buffer.alloc(16)), confirmedAt: null, lastStep: 0, recoveryCodes: {}, createdAt });
      expect(await repo.confirm({ _id: id, createdAt }, 5, { code: false }, new Date(), 'seal')).toBe(true);
      const steps = await Promise.all(Array.from({ length: PARALLEL }, () => repo.useStep(id, createdAt, 10)));
      const recoveries = await Promise.all(Array.from({ length: PARALLEL }, () => repo.useRecoveryCode(id, 'code', new Date())));
      expect([steps.filter(Boolean).length, recoveries.filter(Boolean).length]).toEqual([1, 1]);
    }
  });

  it(`gives one session for one TOTP code used by ${PARALLEL} parallel sign-ins`, async () => {
    const { username, totp } = await enrolled();
    // The next period's code (one step of drift is accepted): not the one enrolment used.
    expect(await race(username, totp.generate({ timestamp: Date.now() + 30_000 }))).toBe(1);
  });

  it(`gives one session for one recovery code used by ${PARALLEL} parallel sign-ins`, async () => {
    const { username, recoveryCodes } = await enrolled();
    expect(await race(username, recoveryCodes[0]!)).toBe(1);
  });
});
