/**
 * The console's idle time-out holds on the server (trust review 2, item 11;
 * src/auth/idle.ts): a console cookie unused for longer than
 * CONSOLE_IDLE_MINUTES (plus the heartbeat's one-minute grace) is refused
 * UNAUTHENTICATED and its session deleted, whether it comes as a cookie or as
 * a bearer header; polls and subscriptions do not keep it alive, the
 * console's heartbeat does (written at most once per 30 s); an open
 * subscription ends. Time passing is played by moving the stored last use
 * back, sealed as the server would have sealed it; a database writer without
 * the key cannot move it forward, nor drop the console mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_GRACE_MS } from '../../../src/auth/idle.js';
import { sessionSeenSeal } from '../../../src/auth/seal.js';
import { hashSecret } from '../../../src/auth/secrets.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff, PASSWORD } from '../../support/factories.js';

const IDLE_MINUTES = 1;
const IDLE_MS = IDLE_MINUTES * 60_000;
const SIGN_IN = `mutation($u: String!, $p: String!) { consoleSignIn(username: $u, password: $p) { idleTimeoutSeconds } }`;
const MY_SESSIONS = `{ mySessions { id current } }`;
const THREAT_LEVEL = `{ threatLevel { level } }`;
const CONSOLE_SESSION = `{ consoleSession { user { username } } }`;
const ACTIVITY = `mutation { consoleActivity }`;
const SUBSCRIBE = 'subscription { deskQueueChanged(desk: SO12) { reportId kind } }';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ env: { CONSOLE_IDLE_MINUTES: String(IDLE_MINUTES), SUBSCRIPTION_RECHECK_MS: '200', LOGIN_MAX_FAILURES_PER_USER: '50' } });
});
afterAll(() => app?.close());

const sessions = () => app.deps.database.db.collection('sessions');
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

/** Signs `username` in for the console; the cookie's token and its stored session id. */
async function consoleSignIn(username: string) {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SIGN_IN, variables: { u: username, p: PASSWORD } }) });
  const token = /^hotline_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
  const cookie = { cookie: `hotline_session=${token}` };
  return { username, token, cookie, sessionId: hashSecret(app.deps.crypto.integrity, token), gql: (q: string) => app.gql(q, {}, undefined, cookie) };
}

/** A new investigator, signed in for the console. */
async function consoleUser() {
  return consoleSignIn((await createStaff(app, 'INVESTIGATOR', 'SO12')).username);
}

/** Plays time passing: the last use moved `agoMs` back, with the MAC the server itself would have written. */
async function lastUsed(sessionId: string, agoMs: number) {
  const at = new Date(Date.now() - agoMs);
  await sessions().updateOne({ _id: sessionId as never }, { $set: { lastSeenAt: at, seenSeal: sessionSeenSeal(app.deps.crypto.integrity, { _id: sessionId }, at) } });
  return at;
}

const PAST_IDLE = IDLE_MS + IDLE_GRACE_MS + 5_000;

describe('a console session on the server', () => {
  it('is refused UNAUTHENTICATED once unused past the idle time, and ended', async () => {
    const c = await consoleUser();
    expect(codeOf(await c.gql(MY_SESSIONS))).toBeUndefined();
    expect(await sessions().findOne({ _id: c.sessionId as never })).toMatchObject({ console: true, lastSeenAt: expect.any(Date) });
    await lastUsed(c.sessionId, PAST_IDLE);
    expect(codeOf(await c.gql(MY_SESSIONS))).toBe('UNAUTHENTICATED');
    expect(await sessions().findOne({ _id: c.sessionId as never })).toBeNull();
    // Ended: moving the clock back does not bring it back.
    expect((await c.gql(CONSOLE_SESSION)).data.consoleSession).toBeNull();
  });

  it("is no longer listed among the user's open sessions once idle", async () => {
    const c = await consoleUser();
    const left = await consoleSignIn(c.username); // the same user's console in another room, left open
    // Three: the factory's API sign-in, this console and the one left open.
    expect((await c.gql(MY_SESSIONS)).data.mySessions).toHaveLength(3);
    await lastUsed(left.sessionId, PAST_IDLE);
    const listed = (await c.gql(MY_SESSIONS)).data.mySessions as { current: boolean }[];
    expect(listed).toHaveLength(2);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    expect(codeOf(await left.gql(MY_SESSIONS))).toBe('UNAUTHENTICATED');
  });

  it('is refused the same when its token comes as a bearer header', async () => {
    const c = await consoleUser();
    await lastUsed(c.sessionId, PAST_IDLE);
    expect(codeOf(await app.gql(MY_SESSIONS, {}, c.token))).toBe('UNAUTHENTICATED');
  });

  it('is kept alive by the heartbeat (written at most once per 30 s), never by polling', async () => {
    const c = await consoleUser();
    const first = (await sessions().findOne({ _id: c.sessionId as never }))!.lastSeenAt as Date;
    // Right after sign-in: a heartbeat writes nothing (the coarse touch).
    expect((await c.gql(ACTIVITY)).data).toEqual({ consoleActivity: true });
    expect(((await sessions().findOne({ _id: c.sessionId as never }))!.lastSeenAt as Date).getTime()).toBe(first.getTime());
    // 40 s later it records now.
    await lastUsed(c.sessionId, 40_000);
    const before = Date.now();
    expect((await c.gql(ACTIVITY)).data).toEqual({ consoleActivity: true });
    expect(((await sessions().findOne({ _id: c.sessionId as never }))!.lastSeenAt as Date).getTime()).toBeGreaterThanOrEqual(before - 1_000);
    // A console left open polls the threat level: that does not count as use.
    const quiet = await lastUsed(c.sessionId, IDLE_MS);
    expect(codeOf(await c.gql(THREAT_LEVEL))).toBeUndefined();
    expect(((await sessions().findOne({ _id: c.sessionId as never }))!.lastSeenAt as Date).getTime()).toBe(quiet.getTime());
    await lastUsed(c.sessionId, PAST_IDLE);
    expect(codeOf(await c.gql(THREAT_LEVEL))).toBe('UNAUTHENTICATED');
  });

  it('ends an open subscription once idle', async () => {
    const c = await consoleUser();
    const abort = new AbortController();
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...c.cookie },
      body: JSON.stringify({ query: SUBSCRIBE }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await lastUsed(c.sessionId, PAST_IDLE);
    const timer = setTimeout(() => abort.abort(), 15_000);
    let ended = false;
    try {
      for (;;) if ((await reader.read()).done) break;
      ended = true;
    } catch {
      ended = false;
    } finally {
      clearTimeout(timer);
    }
    expect(ended).toBe(true);
  });

  it('cannot be kept alive, nor freed of the time-out, by a database writer without the key', async () => {
    // Moving the last use forward without its MAC ends the session.
    const a = await consoleUser();
    await sessions().updateOne({ _id: a.sessionId as never }, { $set: { lastSeenAt: new Date(Date.now() + 3_600_000) } });
    expect(codeOf(await a.gql(MY_SESSIONS))).toBe('UNAUTHENTICATED');
    // Dropping the console mark breaks the session's own MAC.
    const b = await consoleUser();
    await sessions().updateOne({ _id: b.sessionId as never }, { $unset: { console: '', lastSeenAt: '', seenSeal: '' } });
    expect(codeOf(await b.gql(MY_SESSIONS))).toBe('UNAUTHENTICATED');
  });

  it('leaves API sessions (login) without an idle limit', async () => {
    const staff = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const stored = await sessions().findOne({ _id: hashSecret(app.deps.crypto.integrity, staff.token) as never });
    expect(stored).not.toHaveProperty('console');
    expect(codeOf(await app.gql(MY_SESSIONS, {}, staff.token))).toBeUndefined();
  });
});
