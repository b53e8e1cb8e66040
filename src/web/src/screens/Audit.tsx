/**
 * The auditor's screen (/audit): the audit log newest first, in words, with
 * filters (by username and report reference, resolved by the server) and
 * paging ("Older entries"); a CSV download of the filtered view (audited);
 * verification of the whole chain, and of one report's history by reference.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { useSession } from '../session/session';
import { QueryState } from '../ui/ui';
import { AuditExport } from './oversight/AuditExport';
import { AuditFilters, type AuditFilterValues } from './oversight/AuditFilters';
import { isFieldError } from './oversight/forms';
import { AuditTable } from './oversight/AuditTable';
import { VerifyChain, VerifyReportHistory } from './oversight/ChainVerification';

const AUDIT_LOG = graphql(`
  query AuditLog($action: String, $username: String, $reference: String, $from: DateTime, $to: DateTime, $first: Int, $before: Int) {
    auditLog(action: $action, username: $username, reference: $reference, from: $from, to: $to, first: $first, before: $before) {
      entries { seq at outcome actionLabel actorLabel actorTypeLabel targetLabel facts { label value } }
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
  // A username or reference that names nothing: said in the filters' summary and next to the field, not as an empty list.
  const filterError = isFieldError(query.error, ['username', 'reference', 'to']) ? query.error : undefined;

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
        <AuditFilters onApply={setFilters} serverError={filterError} />
        {filterError ? (
          <p className="small">Correct the filters to see entries.</p>
        ) : (
          <QueryState query={query} loading="Loading the audit log" isEmpty={() => entries.length === 0} empty="No entries match these filters." retryWithData={() => void query.fetchNextPage()}>
            {() => (
              <>
                <p className="small" role="status">
                  Showing {entries.length} {entries.length === 1 ? 'entry' : 'entries'}, newest first.
                </p>
                <AuditExport filters={filters} />
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
        )}
      </section>
    </div>
  );
}
