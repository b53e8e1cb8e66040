/**
 * The worker's periodic tasks as repeatable bull jobs on the maintenance
 * queue: each runs once per period across all workers (bull keeps one
 * schedule per name and period), not once per worker from its own timer.
 * Which tasks there are, and their periods, is the registry's
 * (src/tasks/index.ts); this file only schedules and runs them.
 *
 * A Redis restarted without its data loses the schedules, so each worker
 * re-adds them now and then (adding an existing schedule is a no-op), and a
 * schedule whose period changed in the configuration replaces the old one.
 */
import { consume } from './factory.js';
import type Queue from 'bull';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from './redis-errors.js';
import type { PeriodicTask } from './task.js';

/** How soon after a worker starts its start-up runs happen (a reconciliation, for one). */
const START_DELAY_MS = 30_000;
/** How often a worker makes sure the schedules exist, at most. */
const ENSURE_EVERY_MAX_MS = 60_000;

/** Consumes and schedules `tasks` on `queue`; `ready` settles once the schedules were first made sure of, `stop` ends that upkeep. */
export function schedulePeriodic(queue: Queue.Queue<Record<string, never>>, list: readonly PeriodicTask[], opts: { log: Logger }) {
  const { log } = opts;
  const tasks = new Map(list.map((t) => [t.name, t]));
  for (const task of list) consume(queue.process(task.name, 1, () => task.perform()));
  queue.on('failed', (job, err) => {
    if (tasks.has(job.name)) log.warn({ job: job.name, errName: err.name }, 'periodic job failed; it runs again next period');
  });

  // Redis down: one line per minute, not one per attempt (the project's rate-limited Redis error log).
  const scheduleError = createRedisErrorLog(log, ENSURE_EVERY_MAX_MS)('periodic-schedules');
  async function ensure() {
    try {
      const existing = await queue.getRepeatableJobs();
      for (const job of existing) {
        const task = tasks.get(job.name);
        if (task && Number(job.every) !== task.every) await queue.removeRepeatableByKey(job.key);
      }
      for (const task of list) {
        await queue.add(task.name, {}, { repeat: { every: task.every }, jobId: task.name, removeOnComplete: true, removeOnFail: true });
      }
    } catch (err) {
      scheduleError(err);
    }
  }

  // Start-up runs: one job per name and start window, however many workers start in it.
  const window = Math.floor(Date.now() / START_DELAY_MS);
  for (const task of list.filter((t) => t.atStart)) {
    queue.add(task.name, {}, { jobId: `${task.name}:start:${window}`, delay: START_DELAY_MS, removeOnComplete: true, removeOnFail: true }).catch(() => undefined);
  }

  const shortest = Math.min(...list.map((t) => t.every));
  const timer = setInterval(() => void ensure(), Math.min(Math.max(shortest * 2, 1_000), ENSURE_EVERY_MAX_MS));
  const ready = ensure();
  return {
    ready,
    stop: () => clearInterval(timer),
  };
}
