/**
 * Periodic task `audit-checkpoint` (every AUDIT_CHECKPOINT_MINUTES): a signed
 * checkpoint of the audit chain, outside the database (src/audit/anchor.ts);
 * refused, and logged as a failed run, when the chain does not verify.
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function auditCheckpointTask({ deps }: TaskContext): PeriodicTask {
  return {
    name: 'audit-checkpoint',
    every: deps.config.audit.checkpointEveryMs,
    perform: async () => (await deps.services.audit.checkpoint())?.seq ?? 0,
  };
}
