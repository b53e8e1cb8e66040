/**
 * What happens when a report read from the database is not its current
 * version (rolled back, or put back after erasure: freshness.ts): the read or
 * change is refused with DATA_INTEGRITY (no content), and the failure is
 * logged and audited (`report.integrity_failure`) once per report, finding
 * and process, so a client retrying cannot flood the log or the chain. Names
 * the report and what was found, never values. As for tampered account
 * records (auth/integrity-alarm.ts).
 */
import type { AuditLog } from '../../audit/types.js';
import type { Logger } from '../../logger.js';
import type { Staleness } from './freshness.js';

export function createReportIntegrityAlarm(audit: Pick<AuditLog, 'record'>, log: Logger) {
  const reported = new Set<string>();
  return async (reportId: string, staleness: Staleness): Promise<void> => {
    const key = `${reportId}:${staleness}`;
    if (reported.has(key)) return;
    if (reported.size >= 10_000) reported.clear();
    reported.add(key);
    log.error({ reportId, finding: staleness }, 'report integrity failure: not the current version of the report');
    await audit
      .record({ action: 'report.integrity_failure', actor: { type: 'system', id: 'reports' }, target: { type: 'report', id: reportId }, outcome: 'failure', details: { finding: staleness } })
      .catch((err: Error) => log.error({ reportId, errName: err.name }, 'could not audit a report integrity failure'));
  };
}
