/**
 * KNOWN BUGS, reproduced deterministically: a change committed to a report
 * whose audit write then fails is never audited, because the retry finds the
 * change already made and skips the audit. The fault-injection run shows it
 * with real kills (reports without a `report.create` entry after the
 * database is killed mid-intake); here one audit write is made to fail.
 *
 * Each test pins the current, wrong, count (0) so the suite stays green and
 * the test turns red the day it is fixed: then expect 1. Fixing it is a design change
 * (an audit entry written idempotently on the retry path, or before the
 * change and confirmed after), so it is left to the owners of intake and
 * triage; see docs/reliability.md.
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

/** Makes the next audit write of `action` fail (as it does when the database dies at that moment). */
function failNextAudit(action: string) {
  const audit = app.deps.services.audit;
  const record = audit.record;
  let failed = false;
  audit.record = (event: AuditEventInput) => {
    if (!failed && event.action === action) {
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

const auditCount = (action: string, id: string) => app.deps.database.db.collection('audit').countDocuments({ action, 'target.id': id });

describe('audit entries for changes whose audit write failed once', () => {
  it('KNOWN BUG: a report stored by a request whose report.create audit failed gets no report.create entry when the client retries', async () => {
    const input = hotlineCall(1);
    const gap = failNextAudit('report.create');
    const first = await app.gql(RECORD_CALL, { input }, token).finally(() => gap.restore());
    expect(gap.failed).toBe(true);
    expect(first.errors?.[0]?.extensions?.code).toBeDefined();
    // The client retries with the same key, as it should: the stored report is returned.
    const retry = await app.gql(RECORD_CALL, { input }, token);
    expect(retry.errors).toBeUndefined();
    const id = retry.data.recordHotlineCall.id;
    console.log(`report ${id}: report.create audit entries after the retry: ${await auditCount('report.create', id)} (should be 1)`);
    expect(await auditCount('report.create', id)).toBe(0); // should be 1
  });

  it('KNOWN BUG: a report triaged by a job whose report.triage audit failed gets no report.triage entry when the job is retried', async () => {
    // Earlier reports first: the failure must hit this report's triage.
    await until(async () => (await app.deps.database.db.collection('reports').countDocuments({ triagePending: true })) === 0, 15_000, 'earlier reports triaged');
    const gap = failNextAudit('report.triage');
    try {
      const res = await app.gql(RECORD_CALL, { input: hotlineCall(2) }, token);
      const id = res.data.recordHotlineCall.id;
      await until(async () => (await app.deps.triageQueues.triage.getJob(id))?.isCompleted() ?? false, 15_000, 'the triage job to complete');
      expect(gap.failed).toBe(true);
      const doc = await app.deps.reports.findById(id);
      console.log(`report ${id}: status ${doc?.status}, report.triage audit entries after the retried job: ${await auditCount('report.triage', id)} (should be 1)`);
      expect(doc?.status).toBe('TRIAGED');
      expect(await auditCount('report.triage', id)).toBe(0); // should be 1
    } finally {
      gap.restore();
    }
  });
});
