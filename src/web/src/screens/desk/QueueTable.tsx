/**
 * The desk queue as a table: reference, priority, age, SLA countdown
 * (ticking every second, overdue in red), categories, borough, escalated
 * and linked-report flags, and a Claim button per row. State only: the
 * queue never carries report content.
 */
import type { DeskQueueQuery } from '../../gql/graphql';
import { age, countdown, humanise } from '../../ui/ui';
import { useNow } from './useNow';

export type QueueNode = DeskQueueQuery['deskQueue']['edges'][number]['node'];

export function QueueTable({ rows, onClaim, claiming }: { rows: QueueNode[]; onClaim: (row: QueueNode) => void; claiming: string | null }) {
  const now = useNow(1000);
  return (
    <div className="table-wrap">
      <table className="desk-queue">
        <caption className="sr-only">Reports waiting on this desk, most urgent first</caption>
        <thead>
          <tr>
            <th scope="col">Reference</th>
            <th scope="col">Priority</th>
            <th scope="col">Age</th>
            <th scope="col">Claim by</th>
            <th scope="col">Categories</th>
            <th scope="col">Borough</th>
            <th scope="col">Flags</th>
            <th scope="col">
              <span className="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const due = countdown(r.dueBy, now);
            return (
              <tr key={r.id} data-report-id={r.id}>
                <th scope="row" className="mono">
                  {r.reference}
                </th>
                <td>{r.priority ? <span className={`badge ${r.priority}`}>{r.priority}</span> : '—'}</td>
                <td>{age(r.receivedAt, now)}</td>
                <td className={due.overdue ? 'overdue' : undefined}>{due.text}</td>
                <td>{r.categories.map(humanise).join(', ')}</td>
                <td>{humanise(r.borough)}</td>
                <td>
                  {r.imminentThreat && <span className="badge P1">Imminent</span>} {r.escalated && <span className="badge escalated">Escalated</span>}{' '}
                  {r.links.length > 0 && <span className="badge linked">Linked ({r.links.length})</span>}
                  {!r.imminentThreat && !r.escalated && r.links.length === 0 && <span className="small">None</span>}
                </td>
                <td>
                  <button type="button" onClick={() => onClaim(r)} disabled={claiming !== null} aria-label={`Claim ${r.reference}`}>
                    {claiming === r.id ? 'Claiming…' : 'Claim'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
