/**
 * Task `escalate` (the sla queue): a report still unclaimed at its deadline
 * is escalated (triage/tasks/escalate.ts). Failure policy: retried as its
 * queue says (fixed attempts and backoff, src/triage/queue.ts); a tampered report is not retried;
 * nothing follows the last failure, as the overdue sweep (src/tasks/overdue-sweep.ts)
 * escalates whatever is overdue anyway.
 */
import type { QueuedTask } from '../queue/task.js';
import { slaJobPayload, type SlaJob } from '../triage/queue.js';
import type { TaskContext } from './context.js';
import { isTampered, logTamper } from './report-integrity.js';

export function escalateTask({ deps, triage, log }: TaskContext): QueuedTask<SlaJob> {
  return {
    name: 'escalate',
    queue: deps.triageQueues.sla,
    payload: slaJobPayload,
    perform: ({ reportId, dueBy }) => triage.escalate(reportId, dueBy),
    isFinal: isTampered,
    onFailed: ({ err }) => logTamper(log, err),
  };
}
