/**
 * The worker's periodic work as repeatable bull jobs on the maintenance
 * queue: each runs once per period across all workers (bull keeps one
 * schedule per name and period), not once per worker from its own timer.
 *
 * - `outbox-sweep`: re-enqueue reports the queue did not take, escalate overdue ones (OUTBOX_SWEEP_MS);
 * - `reconcile`: pending reports nothing holds, and audit events nobody chained (OUTBOX_RECONCILE_MS),
 *   also once shortly after a worker starts (a killed process is the likeliest reason it starts);
 * - `retention-review`: closed reports past the retention period (daily);
 * - `audit-checkpoint`: verifies the audit chain and appends a signed checkpoint to the anchor directory (AUDIT_CHECKPOINT_MINUTES).
 *
 * A Redis restarted without its data loses the schedules, so each worker
 * re-adds them now and then (adding an existing schedule is a no-op), and a
 * schedule whose period changed in the configuration replaces the old one.
 */
import { consume } from '../queue/factory.js';
import type Queue from 'bull';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from '../queue/redis-errors.js';

export interface PeriodicTask {
  every: number;
  run(): Promise<unknown>;
}

/** How soon after a worker starts its start-up runs happen (a reconciliation, for one). */
const START_DELAY_MS = 30_000;
/** How often a worker makes sure the schedules exist, at most. */
const ENSURE_EVERY_MAX_MS = 60_000;

export function schedulePeriodic(queue: Queue.Queue<Record<string, never>>, tasks: Record<string, PeriodicTask>, opts: { log: Logger; atStart?: string[] }) {
  const { log } = opts;
  for (const [name, task] of Object.entries(tasks)) consume(queue.process(name, 1, () => task.run()));
  queue.on('failed', (job, err) => {
    if (tasks[job.name]) log.warn({ job: job.name, errName: err.name }, 'periodic job failed; it runs again next period');
  });

  // Redis down: one line per minute, not one per attempt (the project's rate-limited Redis error log).
  const scheduleError = createRedisErrorLog(log, ENSURE_EVERY_MAX_MS)('periodic-schedules');
  async function ensure() {
    try {
      const existing = await queue.getRepeatableJobs();
      for (const job of existing) {
        const task = tasks[job.name];
        if (task && Number(job.every) !== task.every) await queue.removeRepeatableByKey(job.key);
      }
      for (const [name, task] of Object.entries(tasks)) {
        await queue.add(name, {}, { repeat: { every: task.every }, jobId: name, removeOnComplete: true, removeOnFail: true });
      }
    } catch (err) {
      scheduleError(err);
    }
  }

  // Start-up runs: one job per name and start window, however many workers start in it.
  const window = Math.floor(Date.now() / START_DELAY_MS);
  for (const name of opts.atStart ?? []) {
    queue.add(name, {}, { jobId: `${name}:start:${window}`, delay: START_DELAY_MS, removeOnComplete: true, removeOnFail: true }).catch(() => undefined);
  }

  const shortest = Math.min(...Object.values(tasks).map((t) => t.every));
  const timer = setInterval(() => void ensure(), Math.min(Math.max(shortest * 2, 1_000), ENSURE_EVERY_MAX_MS));
  const ready = ensure();
  return {
    ready,
    stop: () => clearInterval(timer),
  };
}
