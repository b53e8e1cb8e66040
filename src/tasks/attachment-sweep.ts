/**
 * Periodic task `attachment-sweep` (every 15 minutes: config.attachments.sweepEveryMs): an upload whose
 * chunks were written but whose record never reached its report (a process
 * killed between the two, a commit that failed and could not clean up) left
 * an entry in `attachment_uploads`; after an hour the sweep deletes that
 * upload's chunks, or only the entry when the record did land
 * (src/reports/store/attachment-chunks.ts, src/reports/desk/attachments.ts).
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

/** How old an upload must be before it is called abandoned (no upload takes minutes). */
export const ABANDONED_AFTER_MS = 60 * 60_000;

export function attachmentSweepTask({ deps }: TaskContext): PeriodicTask {
  return {
    name: 'attachment-sweep',
    every: deps.config.attachments.sweepEveryMs,
    perform: () => deps.services.attachments.sweepAbandoned(new Date(Date.now() - ABANDONED_AFTER_MS)),
  };
}
