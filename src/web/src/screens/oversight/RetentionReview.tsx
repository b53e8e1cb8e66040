/** The latest retention review: reports closed for longer than the retention period, for a decision on erasure. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { OversightRetentionReviewQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { Empty, QueryState, formatTime } from '../../ui/ui';

const RETENTION_REVIEW = graphql(`
  query OversightRetentionReview {
    retentionReview { at closedBefore retentionDays reports { reportId reference closedAt } }
  }
`);

type Retained = NonNullable<OversightRetentionReviewQuery['retentionReview']>['reports'][number];

export function RetentionReview() {
  const { can } = useSession();
  const query = useQuery({ queryKey: ['retentionReview'], queryFn: () => request(RETENTION_REVIEW) });

  const columns: Column<Retained>[] = [
    { header: 'Reference', className: 'mono', cell: (r) => (can('report') ? <Link to={`/reports/${r.reportId}`}>{r.reference}</Link> : r.reference) },
    { header: 'Closed', cell: (r) => formatTime(r.closedAt) },
  ];
  return (
    <section aria-labelledby="rr-title">
      <h2 id="rr-title">Retention review</h2>
      <QueryState query={query} loading="Loading the retention review" isEmpty={(d) => !d.retentionReview} empty="No retention review has run yet.">
        {({ retentionReview: review }) =>
          review && (
            <>
              <p className="small">
                Reviewed {formatTime(review.at)}: reports closed before {formatTime(review.closedBefore)} (kept {review.retentionDays} days).
              </p>
              {review.reports.length === 0 ? (
                <Empty>Nothing is past the retention period.</Empty>
              ) : (
                <DataTable caption="Reports past the retention period" captionHidden rows={review.reports} rowKey={(r) => r.reportId} columns={columns} />
              )}
            </>
          )
        }
      </QueryState>
    </section>
  );
}
