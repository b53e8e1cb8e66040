/**
 * The recovery chains a report change's audit events only once their writer
 * has surely given up. A partner report's events carry their time truncated
 * to the minute, so a whole-minute time counts as up to a minute later: the
 * recovery must not race the writer and chain those events twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { TEST_ACTION } from '../../support/audit-test-action.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

const count = (reportId: string) => app.deps.database.db.collection('audit').countDocuments({ action: TEST_ACTION, 'target.id': reportId });

describe('audit recovery grace', () => {
  it('waits a minute past a whole-minute event time before chaining it, then chains it once', async () => {
    const { chainer } = app.deps;
    const reportId = `grace-${Date.now()}`;
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000); // a partner time, a minute ago
    const events = chainer.events(reportId, 2, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id: reportId }, outcome: 'success' }], at);
    // 30 s after the truncated time: the write may have happened up to a minute after it, so not stale yet.
    expect(await chainer.recover(events, 1_500, at.getTime() + 30_000)).toBe(0);
    expect(await count(reportId)).toBe(0);
    // Past the minute and the grace: chained once, and a second pass finds it chained.
    expect(await chainer.recover(events, 1_500, at.getTime() + 62_000)).toBe(1);
    expect(await chainer.recover(events, 1_500, at.getTime() + 62_000)).toBe(0);
    expect(await count(reportId)).toBe(1);
  });

  it('counts the grace from the time itself for an event that is not on a whole minute', async () => {
    const { chainer } = app.deps;
    const reportId = `grace-exact-${Date.now()}`;
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 30_000 + 123);
    const events = chainer.events(reportId, 2, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id: reportId }, outcome: 'success' }], at);
    expect(await chainer.recover(events, 1_500, at.getTime() + 2_000)).toBe(1);
    expect(await count(reportId)).toBe(1);
  });
});
