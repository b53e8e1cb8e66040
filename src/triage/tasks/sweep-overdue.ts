/**
 * Overdue sweep (the periodic overdue-sweep, src/tasks/overdue-sweep.ts): the safety net for lost SLA jobs;
 * escalates whatever is overdue and unclaimed, through the escalate task.
 * Periodic work has no job payload to validate.
 */
import type { TriageDeps } from './deps.js';
import type { createEscalate } from './escalate.js';

const OVERDUE_BATCH = 200;

/** Builds `sweepOverdue()`: how many reports it escalated. */
export function createSweepOverdue(deps: Pick<TriageDeps, 'reports'>, escalate: ReturnType<typeof createEscalate>) {
  const { reports } = deps;
  return async function sweepOverdue(): Promise<number> {
    const overdue = await reports.findOverdue(new Date(), OVERDUE_BATCH);
    let n = 0;
    for (const id of overdue) {
      const doc = await reports.findById(id);
      if (doc?.triage && (await escalate(id, doc.triage.dueBy.toISOString()))) n++;
    }
    return n;
  };
}
