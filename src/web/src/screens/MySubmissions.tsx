/**
 * "My submissions": the calls the signed-in handler recorded in the last 24
 * hours, with reference, minute received, a coarse status and categories:
 * the server's submission view, which carries no content and nothing of the
 * desk work (no desk, links, grading or assignee).
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../api/client';
import { graphql } from '../gql';
import type { MySubmissionsQuery, PartnerReferralState } from '../gql/graphql';
import { DataTable, type Column } from '../ui/DataTable';
import { QueryState, formatTime } from '../ui/ui';
import { CATEGORY_LABELS } from './intake/model';

const MY_SUBMISSIONS = graphql(`
  query MySubmissions {
    mySubmissions {
      reference
      receivedAt
      status
      categories
      imminentThreat
    }
  }
`);

type Submission = MySubmissionsQuery['mySubmissions'][number];

/** The coarse status the server gives a submitter, in words. */
const COARSE_STATUS: Record<PartnerReferralState, string> = {
  RECEIVED: 'Received',
  UNDER_REVIEW: 'With an investigator',
  CLOSED: 'Closed',
};

export function MySubmissions() {
  const query = useQuery({ queryKey: ['mySubmissions'], queryFn: () => request(MY_SUBMISSIONS) });
  const columns: Column<Submission>[] = [
    {
      header: 'Reference',
      className: 'mono',
      cell: (r) => (
        <>
          {r.reference}
          {r.imminentThreat && <span className="badge P1 imminent-badge">Imminent</span>}
        </>
      ),
    },
    { header: 'Received', cell: (r) => formatTime(r.receivedAt) },
    { header: 'Status', cell: (r) => COARSE_STATUS[r.status] },
    { header: 'Categories', cell: (r) => r.categories.map((c) => CATEGORY_LABELS[c]).join(', ') },
  ];
  return (
    <section aria-labelledby="my-submissions">
      <h1 id="my-submissions">My submissions</h1>
      <p className="hint">Calls you recorded in the last 24 hours. Their content is not shown here.</p>
      <div className="actions">
        <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {query.isFetching && !query.isLoading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <QueryState
        query={query}
        loading="Loading your submissions"
        isEmpty={(d) => d.mySubmissions.length === 0}
        empty={
          <>
            You have recorded no calls in the last 24 hours. <Link to="/call">Record a call</Link>
          </>
        }
      >
        {(d) => <DataTable caption="Your submissions, newest first" captionHidden rows={d.mySubmissions} rowKey={(r) => r.reference} columns={columns} />}
      </QueryState>
    </section>
  );
}
