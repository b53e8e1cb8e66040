import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/spawn.js';

let app: TestApp;

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { TRIAGE_ATTEMPTS: '3', TRIAGE_BACKOFF_MS: '50' } });
});
afterAll(() => app?.close());

describe('worker boundary: job payloads', () => {
  it('fails a malformed triage job at once with a clear error, without retrying it', async () => {
    const q = app.deps.triageQueues.triage;
    await q.add({ reportId: 42 } as never, { jobId: 'malformed-triage', attempts: 3 });
    await waitFor(async () => (await (await q.getJob('malformed-triage'))?.isFailed()) === true, 10_000, 'malformed triage job failed');
    const job = (await q.getJob('malformed-triage'))!;
    expect(job.failedReason).toMatch(/^triage job malformed-triage has a malformed payload: reportId: /);
    expect(job.attemptsMade).toBe(1);
  });

  it('fails a malformed SLA job the same way', async () => {
    const q = app.deps.triageQueues.sla;
    await q.add({ reportId: 'r-1', dueBy: 'tomorrow' }, { jobId: 'malformed-sla' });
    await waitFor(async () => (await (await q.getJob('malformed-sla'))?.isFailed()) === true, 10_000, 'malformed SLA job failed');
    const job = (await q.getJob('malformed-sla'))!;
    expect(job.failedReason).toMatch(/^sla job malformed-sla has a malformed payload: dueBy: /);
    expect(job.attemptsMade).toBe(1);
  });
});
