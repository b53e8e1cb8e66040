/**
 * "My submissions": the calls the signed-in handler recorded in the last 24
 * hours, with reference, time, a coarse status and categories. No content
 * is asked for (the query names no narrative, caller or subject field).
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../api/client';
import { graphql } from '../gql';
import type { MySubmissionsQuery, ReportStatus } from '../gql/graphql';
import { DataTable, type Column } from '../ui/DataTable';
import { QueryState, formatTime } from '../ui/ui';
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

type Submission = MySubmissionsQuery['mySubmissions'][number];

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
    { header: 'Recorded', cell: (r) => formatTime(r.recordedAt) },
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
        {(d) => <DataTable caption="Your submissions, newest first" captionHidden rows={d.mySubmissions} rowKey={(r) => r.id} columns={columns} />}
      </QueryState>
    </section>
  );
}
