/**
 * The desk queue as a table: reference, priority, age, SLA countdown
 * (ticking every second, overdue in red), categories, borough, escalated
 * and linked-report flags, and Preview and Claim buttons per row. State
 * only: the queue never carries report content.
 */
import type { DeskQueueQuery } from '../../gql/graphql';
import { DataTable, type Column } from '../../ui/DataTable';
import { age, boroughName, countdown, humanise } from '../../ui/ui';
import { useNow } from '../../ui/useNow';

export type QueueNode = DeskQueueQuery['deskQueue']['edges'][number]['node'];

/**
 * `urgent`: unclaimed P1 and imminent reports (urgent alerts), highlighted;
 * `fresh`: those that arrived while the console was open, marked "New".
 */
export function QueueTable({
  rows,
  onClaim,
  onPreview,
  claiming,
  urgent = new Set(),
  fresh = new Set(),
}: {
  rows: QueueNode[];
  onClaim: (row: QueueNode) => void;
  onPreview: (row: QueueNode) => void;
  claiming: string | null;
  urgent?: ReadonlySet<string>;
  fresh?: ReadonlySet<string>;
}) {
  const now = useNow(1000);
  const columns: Column<QueueNode>[] = [
    {
      header: 'Reference',
      rowHeader: true,
      className: 'mono',
      cell: (r) => (
        <>
          {r.reference}
          {fresh.has(r.id) && <span className="badge new">New</span>}
        </>
      ),
    },
    { header: 'Priority', cell: (r) => (r.priority ? <span className={`badge ${r.priority}`}>{r.priority}</span> : '—') },
    { header: 'Age', cell: (r) => age(r.receivedAt, now) },
    { header: 'Claim by', className: (r) => (countdown(r.dueBy, now).overdue ? 'overdue' : undefined), cell: (r) => countdown(r.dueBy, now).text },
    { header: 'Categories', cell: (r) => r.categories.map(humanise).join(', ') },
    { header: 'Borough', cell: (r) => boroughName(r.borough) },
    {
      header: 'Flags',
      cell: (r) => (
        <>
          {r.imminentThreat && <span className="badge P1">Imminent</span>} {r.escalated && <span className="badge escalated">Escalated</span>}{' '}
          {r.links.length > 0 && <span className="badge linked">Linked ({r.links.length})</span>}
          {!r.imminentThreat && !r.escalated && r.links.length === 0 && <span className="small">None</span>}
        </>
      ),
    },
    {
      header: <span className="sr-only">Action</span>,
      cell: (r) => (
        <span className="row-actions">
          <button type="button" onClick={() => onPreview(r)} aria-label={`Preview ${r.reference}`}>
            Preview
          </button>{' '}
          <button type="button" onClick={() => onClaim(r)} disabled={claiming !== null} aria-label={`Claim ${r.reference}`}>
            {claiming === r.id ? 'Claiming…' : 'Claim'}
          </button>
        </span>
      ),
    },
  ];
  return (
    <DataTable
      className="desk-queue"
      caption="Reports waiting on this desk, most urgent first"
      captionHidden
      rows={rows}
      rowKey={(r) => r.id}
      rowClassName={(r) => (urgent.has(r.id) ? 'urgent-row' : undefined)}
      columns={columns}
    />
  );
}
