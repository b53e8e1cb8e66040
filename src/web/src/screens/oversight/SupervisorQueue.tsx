/**
 * The supervisor queue: triage failures, escalated unclaimed reports and
 * reports stuck waiting for triage, each with the actions a supervisor may
 * take on it (reassign, reopen or retry triage, erase). Live: every desk's
 * change events and triage failures (supervisionChanged) reload it; a report
 * waiting for triage becomes "stuck" by time alone, and shows on the next
 * event, Refresh or return to the tab.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { SupervisorQueueQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { Notice, QueryState, age, formatTime, humanise } from '../../ui/ui';
import { ReportActionDialog, type ReportAction } from './ReportActionDialog';
import { useSupervisionEvents } from './useSupervisionEvents';

export const SUPERVISOR_QUEUE = graphql(`
  query SupervisorQueue {
    supervisorQueue { id reference status priority desk escalated receivedAt version availableActions }
  }
`);

export type QueueReport = SupervisorQueueQuery['supervisorQueue'][number];

// Which actions a report offers comes from the server's state machine (availableActions); who may run them, from the policy (can).
const offers = (r: QueueReport, action: QueueReport['availableActions'][number]) => r.availableActions.includes(action);

export function SupervisorQueue() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['supervisorQueue'], queryFn: () => request(SUPERVISOR_QUEUE) });
  useSupervisionEvents(() => void query.refetch());
  const [action, setAction] = useState<{ kind: ReportAction; report: QueueReport } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const finished = (message: string) => {
    setAction(null);
    setDone(message);
    void queryClient.invalidateQueries({ queryKey: ['supervisorQueue'] });
  };

  const columns: Column<QueueReport>[] = [
    { header: 'Reference', className: 'mono', cell: (r) => (can('report') ? <Link to={`/reports/${r.id}`}>{r.reference}</Link> : r.reference) },
    { header: 'Status', cell: (r) => humanise(r.status) },
    { header: 'Priority', cell: (r) => (r.priority ? <span className={`badge ${r.priority}`}>{r.priority}</span> : '—') },
    { header: 'Desk', cell: (r) => r.desk ?? '—' },
    { header: 'Escalated', cell: (r) => (r.escalated ? <strong>Yes</strong> : 'No') },
    {
      header: 'Received',
      cell: (r) => (
        <>
          {formatTime(r.receivedAt)} <span className="small">({age(r.receivedAt)} ago)</span>
        </>
      ),
    },
    {
      header: 'Actions',
      cell: (r) => (
        <div className="actions">
          {can('reassignReport') && offers(r, 'REASSIGN') && (
            <button type="button" onClick={() => setAction({ kind: 'reassign', report: r })} aria-label={`Reassign ${r.reference}`}>
              Reassign
            </button>
          )}
          {can('reopenReport') && (offers(r, 'RETRY_TRIAGE') || offers(r, 'REOPEN')) && (
            <button type="button" onClick={() => setAction({ kind: 'reopen', report: r })} aria-label={`${offers(r, 'RETRY_TRIAGE') ? 'Retry triage of' : 'Reopen'} ${r.reference}`}>
              {offers(r, 'RETRY_TRIAGE') ? 'Retry triage' : 'Reopen'}
            </button>
          )}
          {can('eraseReport') && offers(r, 'ERASE') && (
            <button type="button" className="danger" onClick={() => setAction({ kind: 'erase', report: r })} aria-label={`Erase ${r.reference}`}>
              Erase
            </button>
          )}
        </div>
      ),
    },
  ];
  return (
    <section aria-labelledby="sq-title">
      <div className="actions oversight-head">
        <h2 id="sq-title">Supervisor queue</h2>
        <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {query.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="hint">Triage failures, escalated reports nobody has claimed, and reports waiting for triage for over a minute.</p>
      <Notice message={done} />
      <QueryState query={query} loading="Loading the supervisor queue" isEmpty={(d) => d.supervisorQueue.length === 0} empty="Nothing needs a supervisor: no failures, escalations or stuck reports.">
        {(d) => <DataTable caption="Reports needing a supervisor" captionHidden rows={d.supervisorQueue} rowKey={(r) => r.id} columns={columns} />}
      </QueryState>
      {action && (
        <ReportActionDialog
          kind={action.kind}
          report={action.report}
          retryTriage={offers(action.report, 'RETRY_TRIAGE')}
          onClose={() => setAction(null)}
          onDone={finished}
          onConflict={() => void queryClient.invalidateQueries({ queryKey: ['supervisorQueue'] })}
        />
      )}
    </section>
  );
}
