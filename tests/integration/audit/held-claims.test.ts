/**
 * A partner's audit events wait in the audit log until their minute has passed (PARTNER_AUDIT_HOLD=minute). Their
 * writer claims them only shortly before that (src/audit/chainer.ts HELD_CLAIM_LEAD_MS), not when it writes the
 * change: a writer that dies during the wait leaves no claim, so the recovery chains the events once its grace has
 * passed instead of waiting out a claim of 180 s (the fault test's worst case until 2026-12-07).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { TEST_ACTION } from '../../support/audit-test-action.js';
import { createRedisChainMarks } from '../../../src/audit/chainer.js';

const MINUTE = 60_000;
let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ env: { PARTNER_AUDIT_HOLD: 'minute' } });
});
afterAll(() => app?.close());

const count = (reportId: string) => app.deps.database.db.collection('audit').countDocuments({ action: TEST_ACTION, 'target.id': reportId });

describe("a partner's held audit events", () => {
  it('are not claimed while they wait, then claimed and chained once by their writer after their minute', async () => {
    // Early enough in a minute that the claim is still far off (it comes 10 s before the minute's end and 2 s).
    if (Date.now() % MINUTE > 40_000) await new Promise((r) => setTimeout(r, MINUTE - (Date.now() % MINUTE) + 200));
    const { chainer } = app.deps;
    const reportId = `held-${Date.now()}`;
    const at = new Date(Math.floor(Date.now() / MINUTE) * MINUTE); // a partner's time: this minute
    const events = chainer.events(reportId, 2, [{ action: TEST_ACTION, actor: { type: 'partner', id: 'p-held' }, target: { type: 'report', id: reportId }, outcome: 'success' }], at);
    // The change is written and its writer hands the events over: the request does not wait for the minute.
    const started = Date.now();
    expect(await chainer.chain(events)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing holds them while they wait: another claimer (a recovery, were this writer dead) would get them at once.
    const marks = createRedisChainMarks(app.deps.queues.redis, app.deps.config.redis.queuePrefix, (key) => app.deps.crypto.integrity.mac('chainMark', key));
    expect(await marks.claim([events[0]!.key], 5, 'probe')).toEqual([true]);
    await marks.release([events[0]!.key], 'probe');
    expect(await count(reportId)).toBe(0);
    // Their writer claims them 10 s before the hold ends (the minute's end and 2 s), then they are chained once.
    const deadline = at.getTime() + MINUTE + 2_000 + 20_000;
    while ((await count(reportId)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await count(reportId)).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() + MINUTE); // not before their minute had passed
    // Marked chained right after the append (so the report's next change drops them).
    while (!(await marks.marked([events[0]!.key]))[0] && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 100));
    expect(await marks.marked([events[0]!.key])).toEqual([true]);
    expect(await chainer.recover(events, 1_500, Date.now() + MINUTE)).toBe(0);
  }, 120_000);
});
