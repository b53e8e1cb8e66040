/**
 * A change committed to a report whose audit write then fails (the database
 * dies at that moment, or the process is killed) must still be audited: the
 * retry (the client's resubmission with its idempotency key, bull's next run
 * of the triage job) finds the change already made and writes the missing
 * entry, marked `recordedLate` (src/audit/late.ts). The fault-injection run
 * shows the same with real kills; here one audit write is made to fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../src/audit/types.js';
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

/** Makes the next audit write of `action` (on `targetId`, if given) fail, as it does when the database dies at that moment. */
function failNextAudit(action: string, targetId?: string) {
  const audit = app.deps.services.audit;
  const record = audit.record;
  let failed = false;
  audit.record = (event: AuditEventInput) => {
    if (!failed && event.action === action && (targetId === undefined || event.target?.id === targetId)) {
      failed = true;
      return Promise.reject(Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' }));
    }
    return record.call(audit, event);
  };
  return {
    get failed() {
      return failed;
    },
    restore: () => (audit.record = record),
  };
}

const auditEntries = (action: string, id: string) => app.deps.database.db.collection('audit').find({ action, 'target.id': id }).toArray();
const auditCount = async (action: string, id: string) => (await auditEntries(action, id)).length;

describe('audit entries for changes whose audit write failed once', () => {
  it('audits a report stored by a request whose report.create audit failed when the client retries, once', async () => {
    const input = hotlineCall(1);
    const gap = failNextAudit('report.create');
    const first = await app.gql(RECORD_CALL, { input }, token).finally(() => gap.restore());
    expect(gap.failed).toBe(true);
    expect(first.errors?.[0]?.extensions?.code).toBeDefined();
    // The client retries with the same key, as it should: the stored report is returned.
    const retry = await app.gql(RECORD_CALL, { input }, token);
    expect(retry.errors).toBeUndefined();
    const id = retry.data.recordHotlineCall.id;
    const [entry, ...more] = await auditEntries('report.create', id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ outcome: 'success', details: { recordedLate: true, source: 'HOTLINE_CALL' } });
    // A further retry finds the entry and writes no other.
    expect((await app.gql(RECORD_CALL, { input }, token)).errors).toBeUndefined();
    expect(await auditCount('report.create', id)).toBe(1);
    expect((await app.deps.services.audit.verify()).valid).toBe(true);
  });

  it('audits a routing whose report.triage audit failed when the job runs again', async () => {
    // Triage held until the failure is aimed at this report's routing (an earlier report's may still be on its way).
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
      await until(async () => (await app.deps.triageQueues.triage.getJob(id))?.isCompleted() ?? false, 20_000, 'the triage job to complete');
      expect(gap.failed).toBe(true);
      const doc = await app.deps.reports.findById(id);
      expect(doc?.status).toBe('TRIAGED');
      const [entry, ...more] = await auditEntries('report.triage', id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ outcome: 'success', details: { recordedLate: true, desk: doc?.desk, priority: doc?.priority } });
    } finally {
      gap.restore();
    }
  });
});
