/**
 * Triage must catch up with a report once the database is back, even when
 * the report's triage job used up all its attempts during the outage; and a
 * supervisor's "send back to triage" must work for a TRIAGE_FAILED report.
 * In-process (app and worker in this test process), on a FerretDB and Redis
 * of its own, killed on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnServices, type OwnServices } from '../support/own-services.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { until } from '../support/chaos-cluster.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

let services: OwnServices;
let app: TestApp;
let handler: string;
let supervisor: string;

beforeAll(async () => {
  services = await startOwnServices('chaos-triage', { appendOnly: true });
  // Two quick attempts, so that both fall inside a short outage.
  app = await bootApp({
    worker: true,
    env: { MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, OUTBOX_SWEEP_MS: '300', OUTBOX_STALE_MS: '200', TRIAGE_ATTEMPTS: '2', TRIAGE_BACKOFF_MS: '100' },
  });
  ({ token: handler } = await createStaff(app, 'CALL_HANDLER'));
  ({ token: supervisor } = await createStaff(app, 'SUPERVISOR'));
});

afterAll(async () => {
  if (services && !services.mongo.running) await services.mongo.start().catch(() => {});
  await app?.close();
  await services?.stop();
});

const report = (id: string) => app.deps.database.db.collection<ReportDoc>('reports').findOne({ _id: id });
const jobState = async (id: string) => (await app.deps.triageQueues.triage.getJob(id))?.getState();

/**
 * Records a call while this process's worker is paused, kills the database,
 * lets the worker run the job until it fails for good, waits `downAfterMs`
 * more, and brings the database back.
 */
async function failTriageDuringOutage(downAfterMs: number) {
  const triage = app.deps.triageQueues.triage;
  await triage.pause(true);
  const res = await app.gql(RECORD_CALL, { input: hotlineCall(Math.floor(Math.random() * 1000)) }, handler);
  expect(res.errors).toBeUndefined();
  const id: string = res.data.recordHotlineCall.id;
  await services.mongo.kill('SIGKILL');
  await triage.resume(true);
  const failedMs = await until(async () => (await jobState(id)) === 'failed', 30_000, 'the triage job to fail for good');
  await new Promise((r) => setTimeout(r, downAfterMs));
  await services.mongo.start();
  return { id, failedMs };
}

/** Waits (bounded) for TRIAGED; prints what it found either way. */
async function triagedWithin(id: string, ms: number, what: string) {
  const took = await until(async () => (await report(id))?.status === 'TRIAGED', ms, what).catch(() => null);
  const doc = await report(id);
  console.log(
    took === null
      ? `${what}: NOT triaged within ${ms} ms: status ${doc?.status}, triagePending ${doc?.triagePending}, bull job ${await jobState(id)}`
      : `${what}: triaged after ${took} ms`,
  );
  return doc;
}

describe('triage after its job failed for good during a database outage', () => {
  it('is retried by the outbox sweep once the database is back', async () => {
    // The worker then tries to mark the report TRIAGE_FAILED; that needs the
    // database too (server selection gives up after 3 s), so it fails as well.
    const { id, failedMs } = await failTriageDuringOutage(5_000);
    const stuck = await report(id);
    console.log(`job failed for good ${failedMs} ms into the outage; database back 5 s later; report ${stuck?.status}, triagePending ${stuck?.triagePending}`);
    // The outbox sweep runs every 300 ms and is there for exactly this: ten seconds is plenty.
    const after = await triagedWithin(id, 10_000, 'pending report after the outage');
    expect(after).toMatchObject({ status: 'TRIAGED', triagePending: false });
  });

  it('is triaged when a supervisor sends a TRIAGE_FAILED report back to triage', async () => {
    // Triage fails for good (the threat level cannot be read, twice), so the worker marks the report TRIAGE_FAILED.
    // Routing reads the level from the worker's follower (src/triage/threat-level.ts): that read is what fails.
    const threatLevel = app.deps.threatLevel;
    const get = threatLevel.level;
    threatLevel.level = () => Promise.reject(new Error('threat level unavailable'));
    let id: string;
    try {
      const res = await app.gql(RECORD_CALL, { input: hotlineCall(11) }, handler);
      expect(res.errors).toBeUndefined();
      id = res.data.recordHotlineCall.id;
      await until(async () => (await report(id))?.status === 'TRIAGE_FAILED', 15_000, 'TRIAGE_FAILED');
    } finally {
      threatLevel.level = get;
    }
    expect(await jobState(id)).toBe('failed');
    const reopened = await app.gql(`mutation($id: ID!) { reopenReport(id: $id, reason: "threat level is readable again") { id status } }`, { id }, supervisor);
    expect(reopened.errors).toBeUndefined();
    const after = await triagedWithin(id, 10_000, 'TRIAGE_FAILED report sent back to triage');
    expect(after).toMatchObject({ status: 'TRIAGED', triagePending: false });
  });
});
