/** The latest retention review: reports closed for longer than the retention period, for a decision on erasure. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { useSession } from '../../session/session';
import { Empty, ErrorMessage, Loading, formatTime } from '../../ui/ui';

const RETENTION_REVIEW = graphql(`
  query OversightRetentionReview {
    retentionReview { at closedBefore retentionDays reports { reportId reference closedAt } }
  }
`);

export function RetentionReview() {
  const { can } = useSession();
  const query = useQuery({ queryKey: ['retentionReview'], queryFn: () => request(RETENTION_REVIEW) });
  const review = query.data?.retentionReview;

  return (
    <section aria-labelledby="rr-title">
      <h2 id="rr-title">Retention review</h2>
      {query.isLoading ? (
        <Loading what="Loading the retention review" />
      ) : query.error ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : !review ? (
        <Empty>No retention review has run yet.</Empty>
      ) : (
        <>
          <p className="small">
            Reviewed {formatTime(review.at)}: reports closed before {formatTime(review.closedBefore)} (kept {review.retentionDays} days).
          </p>
          {review.reports.length === 0 ? (
            <Empty>Nothing is past the retention period.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Reference</th>
                    <th scope="col">Closed</th>
                  </tr>
                </thead>
                <tbody>
                  {review.reports.map((r) => (
                    <tr key={r.reportId}>
                      <td className="mono">{can('report') ? <Link to={`/reports/${r.reportId}`}>{r.reference}</Link> : r.reference}</td>
                      <td>{formatTime(r.closedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
