import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

let app: TestApp;
let auditor: { token: string };
let handler: { token: string; user: { id: string } };

beforeAll(async () => {
  app = await bootApp({ worker: true });
  auditor = await createStaff(app, 'AUDITOR');
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

const LOG = `query($actor: String, $report: ID, $action: String, $from: DateTime, $to: DateTime, $first: Int, $before: Int) {
  auditLog(actorId: $actor, reportId: $report, action: $action, from: $from, to: $to, first: $first, before: $before) {
    entries { seq at actorId action outcome targetId details } hasNextPage nextCursor
  }
}`;

describe('audit log for auditors', () => {
  it('records sign-ins and intake, queryable by actor, report, action and time range', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(1) }, handler.token);
    const reportId = res.data.recordHotlineCall.id;

    const byActor = await app.gql(LOG, { actor: handler.user.id }, auditor.token);
    const actions = byActor.data.auditLog.entries.map((e: { action: string }) => e.action);
    expect(actions).toContain('auth.login');
    expect(actions).toContain('report.create');

    const byReport = await app.gql(LOG, { report: reportId }, auditor.token);
    expect(byReport.data.auditLog.entries.every((e: { targetId: string }) => e.targetId === reportId)).toBe(true);
    expect(byReport.data.auditLog.entries.length).toBeGreaterThanOrEqual(1);

    const inRange = await app.gql(LOG, { from, to: new Date(Date.now() + 1000).toISOString(), action: 'report.create' }, auditor.token);
    expect(inRange.data.auditLog.entries).toHaveLength(1);
    const future = await app.gql(LOG, { from: new Date(Date.now() + 60_000).toISOString() }, auditor.token);
    expect(future.data.auditLog.entries).toHaveLength(0);

    // Nothing sensitive in details.
    const all = await app.gql(LOG, { first: 500 }, auditor.token);
    expect(JSON.stringify(all.data)).not.toContain(hotlineCall(1).narrative.slice(0, 30));
  });

  it('pages newest first with a stable cursor', async () => {
    const page1 = await app.gql(LOG, { first: 2 }, auditor.token);
    expect(page1.data.auditLog.entries).toHaveLength(2);
    expect(page1.data.auditLog.hasNextPage).toBe(true);
    const [a, b] = page1.data.auditLog.entries;
    expect(a.seq).toBeGreaterThan(b.seq);
    const page2 = await app.gql(LOG, { first: 2, before: page1.data.auditLog.nextCursor }, auditor.token);
    expect(page2.data.auditLog.entries[0].seq).toBeLessThan(b.seq);
  });

  it('verifies the chain, and names the first entry edited in the database', async () => {
    const ok = await app.gql('{ verifyAuditLog { valid length brokenAt reason } }', {}, auditor.token);
    expect(ok.data.verifyAuditLog).toMatchObject({ valid: true, brokenAt: null });
    expect(ok.data.verifyAuditLog.length).toBeGreaterThan(3);
    await app.deps.database.db.collection('audit').updateOne({ seq: 3 }, { $set: { action: 'nothing.to.see' } });
    const bad = await app.gql('{ verifyAuditLog { valid length brokenAt reason } }', {}, auditor.token);
    expect(bad.data.verifyAuditLog).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('keeps the log to auditors', async () => {
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    for (const token of [investigator.token, handler.token]) {
      expect((await app.gql(LOG, {}, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('retention review', () => {
  it('lists reports closed for longer than the retention period, and is scheduled by the worker', async () => {
    const repeatable = await app.deps.triageQueues.maintenance.getRepeatableJobs();
    expect(repeatable.map((j) => j.name)).toContain('retention-review');
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(2) }, handler.token);
    const id = res.data.recordHotlineCall.id;
    // Routed first: the worker's triage of it would otherwise race the direct write below (and win, as TRIAGED).
    await waitForStatus(app, id, 'TRIAGED');
    await app.deps.database.db.collection('reports').updateOne({ _id: id }, { $set: { status: 'CLOSED', closedAt: new Date(Date.now() - 40 * 86_400_000) } });
    const review = await app.deps.services.retention.review(30);
    expect(review.reports.map((r) => r.id)).toEqual([id]);
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const q = await app.gql('{ retentionReview { retentionDays reports { reportId reference } } }', {}, supervisor.token);
    expect(q.data.retentionReview).toEqual({ retentionDays: 30, reports: [{ reportId: id, reference: res.data.recordHotlineCall.reference }] });
    const audit = await app.deps.database.db.collection('audit').findOne({ action: 'retention.review' });
    expect(audit).toMatchObject({ details: { retentionDays: 30, due: 1 } });
  });
});
