/**
 * "My submissions": the calls the signed-in handler recorded in the last 24
 * hours, with reference, time, a coarse status and categories. No content
 * is asked for (the query names no narrative, caller or subject field).
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../api/client';
import { graphql } from '../gql';
import type { ReportStatus } from '../gql/graphql';
import { Empty, ErrorMessage, Loading, formatTime } from '../ui/ui';
import { CATEGORY_LABELS } from './intake/model';

const MY_SUBMISSIONS = graphql(`
  query MySubmissions {
    mySubmissions {
      id
      reference
      recordedAt
      status
      categories
      imminentThreat
    }
  }
`);

/** What a call handler needs to know of a report's progress, without the desk's detail. */
const COARSE_STATUS: Record<ReportStatus, string> = {
  RECEIVED: 'Received',
  TRIAGE_FAILED: 'Received',
  TRIAGED: 'Waiting for an investigator',
  ASSIGNED: 'With an investigator',
  UNDER_RESEARCH: 'With an investigator',
  REFERRED: 'With an investigator',
  ACTIONED: 'Closed',
  NO_FURTHER_ACTION: 'Closed',
  CLOSED: 'Closed',
  ERASED: 'Closed',
};

export function MySubmissions() {
  const query = useQuery({ queryKey: ['mySubmissions'], queryFn: () => request(MY_SUBMISSIONS) });
  const rows = query.data?.mySubmissions;
  return (
    <section aria-labelledby="my-submissions">
      <h1 id="my-submissions">My submissions</h1>
      <p className="hint">Calls you recorded in the last 24 hours. Their content is not shown here.</p>
      <div className="actions">
        <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {query.isFetching && !query.isLoading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {query.error && rows && <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />}
      {query.isLoading ? (
        <Loading what="Loading your submissions" />
      ) : query.error && !rows ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : !rows || rows.length === 0 ? (
        <Empty>
          You have recorded no calls in the last 24 hours. <Link to="/call">Record a call</Link>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Your submissions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Recorded</th>
                <th scope="col">Status</th>
                <th scope="col">Categories</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td className="mono">
                    {r.reference}
                    {r.imminentThreat && <span className="badge P1 imminent-badge">Imminent</span>}
                  </td>
                  <td>{formatTime(r.recordedAt)}</td>
                  <td>{COARSE_STATUS[r.status]}</td>
                  <td>{r.categories.map((c) => CATEGORY_LABELS[c]).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
