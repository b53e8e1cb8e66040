/**
 * The audit log's entries as a table, in words: the action's name, who acted
 * and what it was about by username, partner name or report reference, and
 * the details as labelled values (the server's descriptions, src/audit/describe.ts,
 * which the CSV export shares).
 */
import type { AuditLogQuery } from '../../gql/graphql';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatTime } from '../../ui/ui';

type Entry = AuditLogQuery['auditLog']['entries'][number];

export function AuditTable({ entries }: { entries: Entry[] }) {
  const columns: Column<Entry>[] = [
    { header: 'Entry', cell: (e) => e.seq },
    { header: 'Time', className: 'nowrap', cell: (e) => formatTime(e.at) },
    { header: 'Action', cell: (e) => e.actionLabel },
    { header: 'Outcome', cell: (e) => (e.outcome === 'success' ? 'Success' : <strong>Failure</strong>) },
    {
      header: 'Actor',
      cell: (e) => (
        <>
          {e.actorLabel}
          <br />
          <span className="small">{e.actorTypeLabel}</span>
        </>
      ),
    },
    { header: 'About', cell: (e) => e.targetLabel ?? '—' },
    { header: 'Details', className: 'details-cell', cell: (e) => <Facts facts={e.facts} /> },
  ];
  return <DataTable className="audit-table" caption="Audit log entries, newest first" captionHidden rows={entries} rowKey={(e) => e.seq} columns={columns} />;
}

function Facts({ facts }: { facts: Entry['facts'] }) {
  if (!facts.length) return <>—</>;
  return (
    <dl className="facts">
      {facts.map((f, i) => (
        <div key={i}>
          <dt>{f.label}</dt>
          <dd>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}
