/**
 * The failure policy of the tasks that work on a report (route, escalate):
 * a report failing its envelope check (reports/model/envelope-mac.ts) stays
 * failing, so its job is discarded (no retries): it fails once, is logged
 * once, and the process and the queue carry on.
 */
import type { Logger } from '../logger.js';
import { ReportIntegrityError } from '../reports/model/envelope-mac.js';

/** A tampered report: retrying cannot cure it. */
export const isTampered = (err: Error) => err instanceof ReportIntegrityError;

/** Logs a tampered report by id and field path (never a value). */
export function logTamper(log: Logger, err: Error): void {
  if (err instanceof ReportIntegrityError) log.error({ reportId: err.recordId, fieldPath: err.fieldPath }, 'data integrity failure');
}
