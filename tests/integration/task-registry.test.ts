/**
 * The task registry (src/tasks/index.ts) is what the worker runs: every task
 * has a name of its own, every queued task a queue of its own and a payload
 * schema that refuses a malformed job at once, every periodic task a period
 * read from the configuration, and the worker schedules exactly the
 * registry's periodic tasks and consumes exactly its queues.
 */
import type Queue from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createTaskRegistry, type TaskRegistry } from '../../src/tasks/index.js';
import { bootApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/spawn.js';

let app: TestApp;
let registry: TaskRegistry;

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { TRIAGE_ATTEMPTS: '3', TRIAGE_BACKOFF_MS: '50', WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '50' } });
  registry = createTaskRegistry(app.deps);
});
afterAll(() => app?.close());

/** The configuration with every period and duration (`...Ms`) moved by `by`, whatever it is named. */
function shiftDurations(value: unknown, by: number): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'number' && k.endsWith('Ms') ? v + by : shiftDurations(v, by)]));
}

describe('task registry', () => {
  it('names every task once, and gives every queued task a queue of its own', () => {
    const names = [...registry.queued, ...registry.periodic].map((t) => t.name);
    expect(names.length).toBeGreaterThanOrEqual(9);
    expect(new Set(names).size).toBe(names.length);
    const queues = registry.queued.map((t) => t.queue.name);
    expect(new Set(queues).size).toBe(queues.length);
    expect(queues).not.toContain(app.deps.triageQueues.maintenance.name);
  });

  it('reads every periodic task\'s period from the configuration', () => {
    const shifted = createTaskRegistry({ ...app.deps, config: shiftDurations(app.config, 7) as Config });
    const periods = (r: TaskRegistry) => Object.fromEntries(r.periodic.map((t) => [t.name, t.every]));
    const before = periods(registry);
    const after = periods(shifted);
    for (const [name, every] of Object.entries(before)) {
      expect(every, name).toBeGreaterThan(0);
      expect(after[name], `${name} follows its configured period`).toBe(every + 7);
    }
  });

  it('gives every queued task a payload schema that refuses malformed payloads', () => {
    for (const task of registry.queued) {
      for (const bad of [undefined, null, {}, 'r-1', { reportId: 42 }, { reportId: '' }]) {
        expect(task.payload.safeParse(bad).success, `${task.name} refuses ${JSON.stringify(bad)}`).toBe(false);
      }
    }
  });

  it('has the worker schedule exactly the registry\'s periodic tasks, at their periods', async () => {
    const scheduled = await app.deps.triageQueues.maintenance.getRepeatableJobs();
    expect(scheduled.map((j) => `${j.name}@${j.every}`).sort()).toEqual(registry.periodic.map((t) => `${t.name}@${t.every}`).sort());
  });

  it('has the worker consume every queued task\'s queue with its schema: a malformed job fails at once, without retries', async () => {
    // The worker's own queue objects (the app's deps) hear their jobs' failures.
    const failures = new Map<string, { reason: string; attempts: number }>();
    const listeners = registry.queued.map((task) => {
      const queue = task.queue as Queue.Queue<unknown>;
      const listener = (job: Queue.Job, err: Error) => {
        if (job.id === `malformed-${task.name}`) failures.set(task.name, { reason: err.message, attempts: job.attemptsMade });
      };
      queue.on('failed', listener);
      return { queue, listener };
    });
    try {
      for (const task of registry.queued) await (task.queue as Queue.Queue<unknown>).add({ reportId: 42, stray: 'x' }, { jobId: `malformed-${task.name}`, attempts: 3 });
      await waitFor(async () => failures.size === registry.queued.length, 15_000, 'every malformed job failed');
      for (const task of registry.queued) {
        const failure = failures.get(task.name)!;
        expect(failure.reason, task.name).toMatch(new RegExp(`^${task.queue.name} job malformed-${task.name} has a malformed payload: `));
        expect(failure.attempts, task.name).toBe(1);
      }
    } finally {
      for (const { queue, listener } of listeners) queue.off('failed', listener);
    }
  });
});
