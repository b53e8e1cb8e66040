/**
 * The auditor's screen (/audit): the audit log newest first with filters and
 * paging ("Older entries"), verification of the whole chain, and of one
 * report's history.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { useSession } from '../session/session';
import { QueryState } from '../ui/ui';
import { AuditFilters, type AuditFilterValues } from './oversight/AuditFilters';
import { AuditTable } from './oversight/AuditTable';
import { VerifyChain, VerifyReportHistory } from './oversight/ChainVerification';

const AUDIT_LOG = graphql(`
  query AuditLog($action: String, $actorId: String, $reportId: ID, $from: DateTime, $to: DateTime, $first: Int, $before: Int) {
    auditLog(action: $action, actorId: $actorId, reportId: $reportId, from: $from, to: $to, first: $first, before: $before) {
      entries { seq at action outcome actorId actorName actorType targetType targetId details }
      hasNextPage
      nextCursor
    }
  }
`);

export function AuditLog() {
  const { can } = useSession();
  const [filters, setFilters] = useState<AuditFilterValues>({ first: 50 });
  const query = useInfiniteQuery({
    queryKey: ['auditLog', filters],
    queryFn: ({ pageParam }) => request(AUDIT_LOG, { ...filters, before: pageParam ?? null }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => (last.auditLog.hasNextPage && last.auditLog.nextCursor != null ? last.auditLog.nextCursor : undefined),
  });
  const entries = query.data?.pages.flatMap((p) => p.auditLog.entries) ?? [];

  return (
    <div className="oversight">
      <h1>Audit log</h1>
      {can('verifyAuditLog') && (
        <section aria-labelledby="verify-title">
          <h2 id="verify-title">Verification</h2>
          <p className="hint">Each entry carries the hash of the one before: verifying recomputes the whole chain and says where it breaks, if it does.</p>
          <VerifyChain />
          <VerifyReportHistory />
        </section>
      )}
      <section aria-labelledby="log-title">
        <h2 id="log-title">Entries</h2>
        <AuditFilters onApply={setFilters} />
        <QueryState query={query} loading="Loading the audit log" isEmpty={() => entries.length === 0} empty="No entries match these filters." retryWithData={() => void query.fetchNextPage()}>
          {() => (
            <>
              <p className="small" role="status">
                Showing {entries.length} {entries.length === 1 ? 'entry' : 'entries'}, newest first.
              </p>
              <AuditTable entries={entries} />
              {query.hasNextPage ? (
                <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                  {query.isFetchingNextPage ? 'Loading…' : 'Older entries'}
                </button>
              ) : (
                <p className="small">No older entries.</p>
              )}
            </>
          )}
        </QueryState>
      </section>
    </div>
  );
}
