/** Audited reveals of callers' identities, newest first, a page at a time ("Load more"). */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { OversightCallerRevealsQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { QueryState, formatTime } from '../../ui/ui';

const CALLER_REVEALS = graphql(`
  query OversightCallerReveals($first: Int, $after: String) {
    callerReveals(first: $first, after: $after) {
      edges { cursor node { seq at actorId actorName reportId reference reason } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

type Reveal = OversightCallerRevealsQuery['callerReveals']['edges'][number]['node'];

export function CallerReveals() {
  const { can } = useSession();
  const query = useInfiniteQuery({
    queryKey: ['callerReveals'],
    queryFn: ({ pageParam }) => request(CALLER_REVEALS, { first: 20, after: pageParam ?? null }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.callerReveals.pageInfo.hasNextPage ? last.callerReveals.pageInfo.endCursor : undefined),
  });
  const rows = query.data?.pages.flatMap((p) => p.callerReveals.edges.map((e) => e.node)) ?? [];

  const columns: Column<Reveal>[] = [
    { header: 'When', cell: (r) => formatTime(r.at) },
    { header: 'Who', cell: (r) => r.actorName ?? r.actorId ?? '—' },
    {
      header: 'Report',
      className: 'mono',
      cell: (r) => (r.reportId && can('report') ? <Link to={`/reports/${r.reportId}`}>{r.reference ?? r.reportId}</Link> : (r.reference ?? '—')),
    },
    { header: 'Reason', cell: (r) => r.reason ?? '—' },
  ];
  return (
    <section aria-labelledby="cr-title">
      <h2 id="cr-title">Caller reveals</h2>
      <p className="hint">Every time someone revealed a caller's identity, with the reason they gave. Newest first.</p>
      <QueryState query={query} loading="Loading caller reveals" isEmpty={() => rows.length === 0} empty="No caller has been revealed." retryWithData={() => void query.fetchNextPage()}>
        {() => <DataTable caption="Caller identities revealed, newest first" captionHidden rows={rows} rowKey={(r) => r.seq} columns={columns} />}
      </QueryState>
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
