/**
 * The supervisor queue: triage failures, escalated unclaimed reports and
 * reports stuck waiting for triage, each with the actions a supervisor may
 * take on it (reassign, reopen or retry triage, erase).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { SupervisorQueueQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { Empty, ErrorMessage, Loading, age, formatTime, humanise } from '../../ui/ui';
import { ReportActionDialog, type ReportAction } from './ReportActionDialog';

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
  const query = useQuery({ queryKey: ['supervisorQueue'], queryFn: () => request(SUPERVISOR_QUEUE), refetchInterval: 30_000 });
  const [action, setAction] = useState<{ kind: ReportAction; report: QueueReport } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const finished = (message: string) => {
    setAction(null);
    setDone(message);
    void queryClient.invalidateQueries({ queryKey: ['supervisorQueue'] });
  };

  return (
    <section aria-labelledby="sq-title">
      <div className="actions oversight-head">
        <h2 id="sq-title">Supervisor queue</h2>
        <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {query.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="hint">Triage failures, escalated reports nobody has claimed, and reports waiting for triage for over a minute.</p>
      {done && (
        <div className="alert ok" role="status">
          <p>{done}</p>
        </div>
      )}
      {query.isLoading ? (
        <Loading what="Loading the supervisor queue" />
      ) : query.error ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : !query.data?.supervisorQueue.length ? (
        <Empty>Nothing needs a supervisor: no failures, escalations or stuck reports.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Reports needing a supervisor</caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Status</th>
                <th scope="col">Priority</th>
                <th scope="col">Desk</th>
                <th scope="col">Escalated</th>
                <th scope="col">Received</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {query.data.supervisorQueue.map((r) => (
                <tr key={r.id}>
                  <td className="mono">{can('report') ? <Link to={`/reports/${r.id}`}>{r.reference}</Link> : r.reference}</td>
                  <td>{humanise(r.status)}</td>
                  <td>{r.priority ? <span className={`badge ${r.priority}`}>{r.priority}</span> : '—'}</td>
                  <td>{r.desk ?? '—'}</td>
                  <td>{r.escalated ? <strong>Yes</strong> : 'No'}</td>
                  <td>
                    {formatTime(r.receivedAt)} <span className="small">({age(r.receivedAt)} ago)</span>
                  </td>
                  <td>
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
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
