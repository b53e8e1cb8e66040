/**
 * The overdue sweep (src/tasks/overdue-sweep.ts), the safety net behind each report's own delayed SLA job: a report
 * left unclaimed past its deadline whose job never ran (here no worker consumes the SLA queue: the job is as good as
 * lost) is escalated by the sweep, and only by it: the triage outbox's sweep, which runs every OUTBOX_SWEEP_MS, no
 * longer reads the desk queue tables (on FerretDB each read whole, up to a second of the store's time at 100,000
 * reports), and the overdue sweep runs on a period of its own (OVERDUE_SWEEP_MS).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTaskContext } from '../../src/tasks/context.js';
import { createTaskRegistry, type TaskRegistry } from '../../src/tasks/index.js';
import { bootApp, type TestApp } from '../support/app.js';
import { findReport, recordCall } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

let app: TestApp;
let registry: TaskRegistry;

beforeAll(async () => {
  // No worker: the SLA job triage schedules stays in Redis, never run.
  app = await bootApp({ env: { SLA_P4_SECONDS: '1', OVERDUE_SWEEP_MS: '45000' } });
  registry = createTaskRegistry(app.deps);
});
afterAll(() => app?.close());

const periodic = (name: string) => {
  const task = registry.periodic.find((t) => t.name === name);
  if (!task) throw new Error(`no periodic task ${name}`);
  return task;
};

it('escalates a report unclaimed past its deadline whose SLA job never ran, and the outbox sweep does not', async () => {
  const handler = await createStaff(app, 'CALL_HANDLER');
  const id = await recordCall(app, handler.token, 1, { categories: ['OTHER'], subjects: [], vehicles: [], locations: [] });
  await createTaskContext(app.deps).triage.route(id);
  const routed = await findReport(app, id);
  expect({ status: routed.status, priority: routed.priority, escalated: routed.escalated }).toEqual({ status: 'TRIAGED', priority: 'P4', escalated: false });
  // Its SLA job was scheduled for its deadline, a second away; nothing will run it.
  expect(await app.deps.triageQueues.sla.getDelayedCount()).toBeGreaterThanOrEqual(1);
  await new Promise((r) => setTimeout(r, Math.max(0, routed.triage!.dueBy.getTime() - Date.now()) + 200));

  await periodic('outbox-sweep').perform();
  expect((await findReport(app, id)).escalated).toBe(false);

  await periodic('overdue-sweep').perform();
  const after = await findReport(app, id);
  expect({ priority: after.priority, escalated: after.escalated }).toEqual({ priority: 'P3', escalated: true });
  expect(after.history.at(-1)).toMatchObject({ action: 'escalated', from: { priority: 'P4', escalated: false }, to: { priority: 'P3', escalated: true } });
});

it('runs on its own period, not the triage outbox sweep\'s', () => {
  expect(periodic('overdue-sweep').every).toBe(45_000);
  expect(periodic('outbox-sweep').every).toBe(app.config.triage.outboxSweepMs);
  expect(app.config.triage.outboxSweepMs).not.toBe(45_000);
});
