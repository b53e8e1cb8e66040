/**
 * The recovery chains a report change's audit events only once their writer
 * has surely given up. A partner report's events carry their time truncated
 * to the minute, so a whole-minute time counts as up to a minute later: the
 * recovery must not race the writer and chain those events twice. Whoever
 * appends claims first, so two recoveries at once, or a writer slowed past
 * the grace beside a recovery, append an event once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { TEST_ACTION } from '../../support/audit-test-action.js';
import { createRedisChainMarks } from '../../../src/audit/chainer.js';
import { createAuditLog } from '../../../src/audit/service.js';

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
    // Past the minute and the grace since it was first seen pending: chained once, and a second pass finds it chained.
    expect(await chainer.recover(events, 1_500, at.getTime() + 62_000)).toBe(1);
    expect(await chainer.recover(events, 1_500, at.getTime() + 64_000)).toBe(0);
    expect(await count(reportId)).toBe(1);
  });

  it('counts the grace from the time itself for an event that is not on a whole minute', async () => {
    const { chainer } = app.deps;
    const reportId = `grace-exact-${Date.now()}`;
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 30_000 + 123);
    const events = chainer.events(reportId, 2, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id: reportId }, outcome: 'success' }], at);
    expect(await chainer.recover(events, 1_500, at.getTime() + 500)).toBe(0); // first seen here
    expect(await chainer.recover(events, 1_500, at.getTime() + 2_000)).toBe(1);
    expect(await count(reportId)).toBe(1);
  });

  it('leaves a writer the whole grace after the recovery first sees its committed change, however old the event time', async () => {
    // A triage's event time is taken before linking; under load the write and its append come seconds later,
    // while another worker's recovery looks at the report. It must not chain the event while the writer may still be.
    const { chainer } = app.deps;
    const reportId = `grace-seen-${Date.now()}`;
    const at = new Date(Date.now() - 10_000 + 7); // long past the grace by its own time
    const events = chainer.events(reportId, 2, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id: reportId }, outcome: 'success' }], at);
    const seen = Date.now();
    expect(await chainer.recover(events, 1_500, seen)).toBe(0);
    expect(await chainer.recover(events, 1_500, seen + 1_000)).toBe(0);
    // The writer's own append lands meanwhile: the recovery finds it in the chain and chains nothing.
    await chainer.chain(events);
    expect(await chainer.recover(events, 1_500, seen + 2_000)).toBe(0);
    expect(await count(reportId)).toBe(1);
  });

  const eventOf = (reportId: string, at: Date) =>
    app.deps.chainer.events(reportId, 2, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id: reportId }, outcome: 'success' }], at);

  it('chains an event once when two recoveries (two workers) take it at the same moment', async () => {
    const { chainer } = app.deps;
    const reportId = `grace-twice-${Date.now()}`;
    const events = eventOf(reportId, new Date(Date.now() - 10_000 + 11));
    const seen = Date.now();
    expect(await chainer.recover(events, 1_500, seen)).toBe(0);
    const both = await Promise.all([chainer.recover(events, 1_500, seen + 2_000), chainer.recover(events, 1_500, seen + 2_000)]);
    expect(both.sort()).toEqual([0, 1]);
    expect(await count(reportId)).toBe(1);
  });

  it('chains an event once when its writer, slowed past the grace, appends beside a recovery', async () => {
    const { chainer } = app.deps;
    const reportId = `grace-race-${Date.now()}`;
    const events = eventOf(reportId, new Date(Date.now() - 10_000 + 13));
    const seen = Date.now();
    expect(await chainer.recover(events, 1_500, seen)).toBe(0);
    const [recovered, written] = await Promise.all([chainer.recover(events, 1_500, seen + 2_000), chainer.chain(events)]);
    expect(written).toBe(true);
    expect(recovered).toBeLessThanOrEqual(1);
    expect(await count(reportId)).toBe(1);
  });

  it("leaves an event claimed by a writer that died to its claim's expiry, then chains it once", async () => {
    const { chainer } = app.deps;
    const reportId = `grace-dead-${Date.now()}`;
    const events = eventOf(reportId, new Date(Date.now() - 10_000 + 17));
    // The dead writer's claim, as the chainer makes it (same Redis names), but for 1 s rather than 60.
    const marks = createRedisChainMarks(app.deps.queues.redis, app.deps.config.redis.queuePrefix, (key) => app.deps.crypto.integrity.mac('chainMark', key));
    expect(await marks.claim([events[0]!.key], 1, 'dead-writer')).toEqual([true]);
    const seen = Date.now();
    expect(await chainer.recover(events, 1_500, seen)).toBe(0);
    expect(await chainer.recover(events, 1_500, seen + 2_000)).toBe(0); // past the grace, but still claimed
    expect(await count(reportId)).toBe(0);
    await new Promise((r) => setTimeout(r, 1_200));
    // The claim has ended: chained at the next pass (the grace is not counted again from there), once.
    expect(await chainer.recover(events, 1_500, seen + 4_000)).toBe(1);
    expect(await chainer.recover(events, 1_500, seen + 6_000)).toBe(0);
    expect(await count(reportId)).toBe(1);
  });

  it("gives back only its own claim: a claim that lapsed and was taken since stays the new holder's", async () => {
    const marks = createRedisChainMarks(app.deps.queues.redis, app.deps.config.redis.queuePrefix, (key) => app.deps.crypto.integrity.mac('chainMark', key));
    const key = `grace-owner-${Date.now()}:2:0`;
    expect(await marks.claim([key], 1, 'slow-writer')).toEqual([true]);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await marks.claim([key], 60, 'recovery')).toEqual([true]);
    await marks.release([key], 'slow-writer'); // the slow writer's append failed late: it gives back what it thinks it holds
    expect(await marks.claim([key], 60, 'second-recovery')).toEqual([false]);
    await marks.release([key], 'recovery');
    expect(await marks.claim([key], 60, 'second-recovery')).toEqual([true]);
  });

  it('never sends an entry whose claim ran out: it is refused, the others of its run are written', async () => {
    const reportId = `grace-lapsed-${Date.now()}`;
    const event = { action: TEST_ACTION, actor: { type: 'system' as const, id: 'test' }, target: { type: 'report' as const, id: reportId }, outcome: 'success' as const };
    // A writer on the same chain, as another process has it.
    const audit = createAuditLog({ db: app.deps.database.db, integrity: app.deps.crypto.integrity });
    const [lapsed, fresh] = await Promise.allSettled([
      audit.record(event, { eventKey: `${reportId}:2:0`, notAfter: Date.now() - 1 }),
      audit.record(event, { eventKey: `${reportId}:3:0`, notAfter: Date.now() + 60_000 }),
    ]);
    expect(lapsed.status === 'rejected' && (lapsed.reason as Error).name).toBe('AuditClaimLapsedError');
    expect(fresh.status).toBe('fulfilled');
    expect(await app.deps.database.db.collection('audit').find({ action: TEST_ACTION, 'target.id': reportId }).map((e) => e.eventKey).toArray()).toEqual([`${reportId}:3:0`]);
  });
});
