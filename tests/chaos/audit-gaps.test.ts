/**
 * The audit path when the chain cannot be written at the moment of a change
 * (the store dies then, or the process is killed between the two writes): the
 * change is committed together with its audit event inside the report, the
 * request still succeeds and triage is not held up, and the worker's audit
 * recovery chains the event exactly once, with no client retry. The
 * fault-injection run shows the same with real kills; here one chain append
 * is made to fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput, RecordOptions } from '../../src/audit/types.js';
import { recoverPendingAudit } from '../../src/reports/store/audit-recovery.js';
import { bootApp, type TestApp } from '../support/app.js';
import { until } from '../support/chaos-cluster.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { TRIAGE_BACKOFF_MS: '100' } });
  ({ token } = await createStaff(app, 'CALL_HANDLER'));
});
afterAll(() => app?.close());

/** Makes the next chain append of `action` (on `targetId`, if given) fail, as it does when the store dies at that moment. */
function failNextAudit(action: string, targetId?: string) {
  const audit = app.deps.services.audit;
  const record = audit.record;
  let failed = false;
  audit.record = (event: AuditEventInput, options?: RecordOptions) => {
    if (!failed && event.action === action && (targetId === undefined || event.target?.id === targetId)) {
      failed = true;
      return Promise.reject(Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' }));
    }
    return record.call(audit, event, options);
  };
  return {
    get failed() {
      return failed;
    },
    restore: () => (audit.record = record),
  };
}

const auditEntries = (action: string, id: string) => app.deps.database.db.collection('audit').find({ action, 'target.id': id }).toArray();
const recover = () => recoverPendingAudit({ reports: app.deps.reports, chainer: app.deps.chainer, log: app.deps.log }, { graceMs: 0 });

describe('audit events written with the change', () => {
  it('acknowledges and triages a call whose report.create could not be chained, and the recovery chains it once', async () => {
    const gap = failNextAudit('report.create');
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(1) }, token).finally(() => gap.restore());
    expect(gap.failed).toBe(true);
    expect(res.errors).toBeUndefined();
    const id: string = res.data.recordHotlineCall.id;
    // Handed to triage before the audit append: routed without waiting for any reconciliation.
    await until(async () => (await app.deps.reports.findById(id))?.status === 'TRIAGED', 20_000, 'triage');
    expect(await auditEntries('report.create', id)).toEqual([]);
    const doc = await app.deps.reports.findById(id);
    expect(doc!.auditPending!.map((e) => e.action)).toContain('report.create');

    expect(await recover()).toBeGreaterThanOrEqual(1);
    const [entry, ...more] = await auditEntries('report.create', id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ outcome: 'success', eventKey: `${id}:1:0`, details: { source: 'HOTLINE_CALL' } });
    // The entry keeps the time of the change, not of its late chaining.
    expect(new Date(entry!.at).getTime()).toBe(doc!.recordedAt.getTime());
    await recover();
    expect(await auditEntries('report.create', id)).toHaveLength(1);
    expect((await app.deps.services.audit.verify()).valid).toBe(true);
    // The lag is visible to operators: one event left unchained, one chained late.
    const metrics = await app.deps.metrics.render();
    expect(metrics).toMatch(/^hotline_audit_unchained_total [1-9]/m);
    expect(metrics).toMatch(/^hotline_audit_recovered_total [1-9]/m);
  });

  it('chains a routing whose report.triage append failed, once, and later changes carry the event until then', async () => {
    const triage = app.deps.triageQueues.triage;
    await triage.pause();
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(2) }, token).catch(async (err) => {
      await triage.resume();
      throw err;
    });
    const id: string = res.data.recordHotlineCall.id;
    const gap = failNextAudit('report.triage', id);
    await triage.resume();
    try {
      await until(async () => (await app.deps.reports.findById(id))?.status === 'TRIAGED', 20_000, 'triage');
      await until(async () => gap.failed, 5_000, 'the failed append');
    } finally {
      gap.restore();
    }
    expect(await auditEntries('report.triage', id)).toEqual([]);
    // A desk change meanwhile carries the unchained routing event in its own write.
    const routed = await app.deps.reports.findById(id);
    const investigator = await createStaff(app, 'INVESTIGATOR', routed!.desk!);
    const claim = await app.gql('mutation($id: ID!) { claimReport(id: $id) { status } }', { id }, investigator.token);
    expect(claim.errors).toBeUndefined();
    const claimed = await app.deps.reports.findById(id);
    expect(claimed!.auditPending!.map((e) => e.action)).toEqual(['report.triage', 'report.claim']);
    expect(await auditEntries('report.claim', id)).toHaveLength(1);

    await recover();
    await recover();
    const [entry, ...more] = await auditEntries('report.triage', id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ outcome: 'success', details: { desk: routed!.desk, priority: routed!.priority } });
    expect(await auditEntries('report.claim', id)).toHaveLength(1);
    expect((await app.deps.services.audit.verify()).valid).toBe(true);
  });

  it('does not chain an event twice when its chained mark was lost', async () => {
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(3) }, token);
    const id: string = res.data.recordHotlineCall.id;
    await until(async () => (await auditEntries('report.create', id)).length === 1, 10_000, 'the create entry');
    // Marks are named by a keyed hash of the event key (no report id in Redis), so every mark goes, as when
    // Redis restarts without its data: the create event of this report among them.
    const marks = await app.deps.queues.redis.keys(`${app.config.redis.queuePrefix}:audit-chained:*`);
    expect(marks.length).toBeGreaterThan(0);
    await app.deps.queues.redis.del(...marks);
    await recover();
    expect(await auditEntries('report.create', id)).toHaveLength(1);
  });
});
