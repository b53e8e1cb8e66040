/** Audited reveals of callers' identities, newest first, a page at a time ("Load more"). */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { useSession } from '../../session/session';
import { Empty, ErrorMessage, Loading, formatTime } from '../../ui/ui';

const CALLER_REVEALS = graphql(`
  query OversightCallerReveals($first: Int, $after: String) {
    callerReveals(first: $first, after: $after) {
      edges { cursor node { seq at actorId actorName reportId reference reason } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export function CallerReveals() {
  const { can } = useSession();
  const query = useInfiniteQuery({
    queryKey: ['callerReveals'],
    queryFn: ({ pageParam }) => request(CALLER_REVEALS, { first: 20, after: pageParam ?? null }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.callerReveals.pageInfo.hasNextPage ? last.callerReveals.pageInfo.endCursor : undefined),
  });
  const rows = query.data?.pages.flatMap((p) => p.callerReveals.edges.map((e) => e.node)) ?? [];

  return (
    <section aria-labelledby="cr-title">
      <h2 id="cr-title">Caller reveals</h2>
      <p className="hint">Every time someone revealed a caller's identity, with the reason they gave. Newest first.</p>
      {query.isLoading ? (
        <Loading what="Loading caller reveals" />
      ) : query.error && rows.length === 0 ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No caller has been revealed.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Report</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.seq}>
                    <td>{formatTime(r.at)}</td>
                    <td>{r.actorName ?? r.actorId ?? '—'}</td>
                    <td className="mono">{r.reportId && can('report') ? <Link to={`/reports/${r.reportId}`}>{r.reference ?? r.reportId}</Link> : (r.reference ?? '—')}</td>
                    <td>{r.reason ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {query.error && <ErrorMessage error={query.error} onRetry={() => void query.fetchNextPage()} />}
          {query.hasNextPage && (
            <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
