/**
 * "My submissions": the calls the signed-in handler recorded in the last 24
 * hours, with reference, minute received, a coarse status and categories:
 * the server's submission view, which carries no content and nothing of the
 * desk work (no desk, links, grading or assignee); and the follow-up calls
 * they recorded, with reference and time only.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../api/client';
import { graphql } from '../gql';
import type { MyFollowUpsQuery, MySubmissionsQuery, PartnerReferralState } from '../gql/graphql';
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

const MY_FOLLOW_UPS = graphql(`
  query MyFollowUps {
    myFollowUps {
      reference
      recordedAt
    }
  }
`);

type Submission = MySubmissionsQuery['mySubmissions'][number];
type FollowUp = MyFollowUpsQuery['myFollowUps'][number];

/** The coarse status the server gives a submitter, in words. */
const COARSE_STATUS: Record<PartnerReferralState, string> = {
  RECEIVED: 'Received',
  UNDER_REVIEW: 'With an investigator',
  CLOSED: 'Closed',
};

export function MySubmissions() {
  const query = useQuery({ queryKey: ['mySubmissions'], queryFn: () => request(MY_SUBMISSIONS) });
  const queryClient = useQueryClient();
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
        <button type="button" onClick={() => void Promise.all([query.refetch(), queryClient.invalidateQueries({ queryKey: ['myFollowUps'] })])} disabled={query.isFetching}>
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
      <MyFollowUps />
    </section>
  );
}

/** The follow-up calls the handler recorded: reference and time only, since the report is usually someone else's (nothing of its state). */
function MyFollowUps() {
  const query = useQuery({ queryKey: ['myFollowUps'], queryFn: () => request(MY_FOLLOW_UPS) });
  const columns: Column<FollowUp>[] = [
    { header: 'Reference', className: 'mono', cell: (r) => r.reference },
    { header: 'Recorded', cell: (r) => formatTime(r.recordedAt) },
  ];
  return (
    <>
      <h2 id="my-follow-ups">Follow-up calls</h2>
      <p className="hint">Follow-up calls you recorded in the last 24 hours, on any reference. Nothing of the report is shown here.</p>
      <QueryState
        query={query}
        loading="Loading your follow-up calls"
        isEmpty={(d) => d.myFollowUps.length === 0}
        empty={
          <>
            You have recorded no follow-up calls in the last 24 hours. <Link to="/follow-up">Record a follow-up call</Link>
          </>
        }
      >
        {(d) => (
          <DataTable caption="Your follow-up calls, newest first" captionHidden rows={d.myFollowUps} rowKey={(r) => `${r.reference} ${r.recordedAt}`} columns={columns} />
        )}
      </QueryState>
    </>
  );
}
