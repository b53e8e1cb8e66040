/**
 * The audit recovery (src/reports/store/audit-recovery.ts) checks the chain for a whole batch of reports' pending
 * events in one pass (two queries by event key): on FerretDB that query decodes the whole audit collection, so one a report cost
 * seconds each at 100,000 reports (the bench's store trace: 130 such scans, 374 s). Every event is still chained once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootMonitored, type TestApp } from '../../support/app.js';
import { TEST_ACTION } from '../../support/audit-test-action.js';
import { createStaff } from '../../support/factories.js';
import { recordCall } from '../../support/desk.js';
import { recoverPendingAudit } from '../../../src/reports/store/audit-recovery.js';

let app: TestApp;
const byEventKey: unknown[] = [];
beforeAll(async () => {
  app = await bootMonitored((e) => {
    if (e.commandName === 'find' && e.command.find === 'audit' && e.command.filter?.eventKey) byEventKey.push(e.command.filter);
  });
});
afterAll(() => app?.close());

it('chains the pending events of several reports with one pass over the chain by event key, each once', async () => {
  const handler = await createStaff(app, 'CALL_HANDLER');
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await recordCall(app, handler.token, 880 + i, { subjects: [], vehicles: [], locations: [] }));
  // Each report left with a committed change whose event no writer chained (a writer killed between its two writes).
  const at = new Date(Date.now() - 60_000 + 17);
  for (const [i, id] of ids.entries()) {
    const events = app.deps.chainer.events(id, 90 + i, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id }, outcome: 'success' }], at);
    await app.deps.database.db.collection('reports').updateOne({ _id: id } as never, { $set: { auditPending: events } });
  }
  const deps = { reports: app.deps.reports, chainer: app.deps.chainer, log: app.deps.log };
  const now = Date.now();
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now })).toBe(0); // first seen: the writer gets its grace
  byEventKey.length = 0;
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now: now + 2_000 })).toBe(4);
  // Two for the batch (which are not in the chain; then, once claimed, which another appender chained meanwhile): was two a report.
  expect(byEventKey).toHaveLength(2);
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now: now + 4_000 })).toBe(0);
  const audit = app.deps.database.db.collection('audit');
  for (const id of ids) expect(await audit.countDocuments({ action: TEST_ACTION, 'target.id': id })).toBe(1);
});

it('looks at every report with events in the window, not a first batch: an unchained event behind batches of chained ones is chained', async () => {
  const handler = await createStaff(app, 'CALL_HANDLER');
  const ids = [];
  // Each with its intake's event, chained and marked by its writer, kept in the report until its next change.
  for (let i = 0; i < 5; i++) ids.push(await recordCall(app, handler.token, 890 + i, { subjects: [], vehicles: [], locations: [] }));
  const last = ids.at(-1)!;
  const events = app.deps.chainer.events(last, 95, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id: last }, outcome: 'success' }], new Date(Date.now() - 60_000));
  await app.deps.database.db.collection('reports').updateOne({ _id: last } as never, { $push: { auditPending: { $each: events } } } as never);
  const wanted: (number | undefined)[] = [];
  const deps = { reports: app.deps.reports, chainer: app.deps.chainer, log: app.deps.log, wantReconcile: (at?: number) => wanted.push(at) };
  const now = Date.now();
  // Batches of 2 reports: the first test's 4, then these 5 (in the order stored), the unchained event in the last batch.
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now, batch: 2 })).toBe(0); // first seen
  // A run out of time stops after its first batch and asks for another, chaining nothing it did not reach.
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now: now + 2_000, batch: 2, budgetMs: 0 })).toBe(0);
  expect(wanted).toEqual([now + 2_000]);
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now: now + 2_000, batch: 2 })).toBe(1);
  const audit = app.deps.database.db.collection('audit');
  expect(await audit.countDocuments({ action: TEST_ACTION, 'target.id': last })).toBe(1);
  expect(await recoverPendingAudit(deps, { graceMs: 1_000, now: now + 4_000, batch: 2 })).toBe(0);
  expect(await audit.countDocuments({ action: TEST_ACTION, 'target.id': last })).toBe(1);
});
