/**
 * A repair of the side tables from a report read before a change (a claim that
 * found a queue head's id no longer claimable, a duplicate triage job) must
 * never take a queued report out of its queue: the change put its entry before
 * its update and does not put it again (repository.ts `syncSideTables`). And a
 * report at the head of a queue that fails its integrity checks does not stop
 * the desk's claims (reports/desk/commands.ts `claimNextReport`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { buildReport, createStaff } from '../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ worker: false });
});
afterAll(() => app?.close());

const release = `mutation($id: ID!, $reason: String!) { releaseReport(id: $id, reason: $reason) { status } }`;

it('keeps a released report in its queue when a repair from its claimed version runs after the release', async () => {
  const held = await buildReport(app, { status: 'ASSIGNED', desk: 'SO12', priority: 'P3' });
  const stale = (await app.deps.reports.findById(held.id))!;
  expect(stale.assignee).not.toBeNull();
  const res = await app.gql(release, { id: held.id, reason: 'Back to the desk: off shift' }, held.assignee!.token);
  expect(res.errors).toBeUndefined();
  expect(await app.deps.reports.queuedOn('SO12', held.id)).not.toBeNull();
  // The repair a claim makes when its head named the report while it was held: from the version it read then.
  await app.deps.reports.syncSideTables(stale);
  expect(await app.deps.reports.queuedOn('SO12', held.id)).not.toBeNull();
  // The report's own version: nothing to put back, and a true leftover still goes.
  const current = (await app.deps.reports.findById(held.id))!;
  await app.deps.reports.syncSideTables(current);
  expect(await app.deps.reports.queuedOn('SO12', held.id)).not.toBeNull();
});

it('still removes a leftover entry of a report that is no longer queued, when no change of it is under way', async () => {
  const held = await buildReport(app, { status: 'ASSIGNED', desk: 'SO12', priority: 'P3' });
  const doc = (await app.deps.reports.findById(held.id))!;
  // A leftover, as a crash between a change's put and its update leaves one: the entry of the report as if queued.
  await app.deps.database.db.collection('desk_queue_SO12_P3').insertOne({ _id: held.id, desk: 'SO12', priority: 'P3', receivedAt: new Date(), dueBy: null, escalated: false, summary: '{}' } as never);
  expect(await app.deps.database.db.collection('desk_queue_SO12_P3').findOne({ _id: held.id } as never)).not.toBeNull();
  await app.deps.reports.syncSideTables(doc);
  expect(await app.deps.database.db.collection('desk_queue_SO12_P3').findOne({ _id: held.id } as never)).toBeNull();
});

it('passes over a queued report that fails its integrity checks, so the rest of the desk can still be claimed', async () => {
  const [tampered, next] = [await buildReport(app, { desk: 'SO13', priority: 'P1' }), await buildReport(app, { desk: 'SO13', priority: 'P1' })];
  // Its envelope altered in the store (the borough is under the report's MAC): every read of it is DATA_INTEGRITY.
  await app.deps.database.db.collection('reports').updateOne({ _id: tampered.id } as never, { $set: { borough: 'Altered' } });
  const investigator = await createStaff(app, 'INVESTIGATOR', 'SO13');
  const res = await app.gql(`mutation { claimNextReport(desk: SO13) { id } }`, {}, investigator.token);
  expect(res.errors).toBeUndefined();
  expect(res.data.claimNextReport.id).toBe(next.id);
  // The altered report is neither claimed nor taken out of the queue: it waits there for whoever deals with the alarm.
  expect(await app.deps.reports.queuedOn('SO13', tampered.id)).not.toBeNull();
});
