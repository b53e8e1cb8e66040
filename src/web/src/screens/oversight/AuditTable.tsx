/** The audit log's entries as a table; each entry's details (JSON) truncated, expandable. */
import type { AuditLogQuery } from '../../gql/graphql';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatTime } from '../../ui/ui';

type Entry = AuditLogQuery['auditLog']['entries'][number];

const SHORT = 80;

export function AuditTable({ entries }: { entries: Entry[] }) {
  const columns: Column<Entry>[] = [
    { header: '#', cell: (e) => e.seq },
    { header: 'Time', className: 'nowrap', cell: (e) => formatTime(e.at) },
    { header: 'Action', className: 'mono', cell: (e) => e.action },
    { header: 'Outcome', cell: (e) => (e.outcome === 'success' ? e.outcome : <strong>{e.outcome}</strong>) },
    {
      header: 'Actor',
      cell: (e) => (
        <>
          {e.actorName ?? e.actorId ?? '—'}
          <br />
          <span className="small">{e.actorType}</span>
        </>
      ),
    },
    { header: 'Target', className: 'mono', cell: (e) => (e.targetType ? `${e.targetType}${e.targetId ? `: ${e.targetId}` : ''}` : '—') },
    { header: 'Details', className: 'mono details-cell', cell: (e) => <Details json={e.details} /> },
  ];
  return (
    <DataTable className="audit-table" caption="Audit log entries, newest first" captionHidden rows={entries} rowKey={(e) => e.seq} columns={columns} />
  );
}

function Details({ json }: { json: string }) {
  if (!json || json === '{}') return <>—</>;
  if (json.length <= SHORT) return <>{json}</>;
  let pretty = json;
  try {
    pretty = JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    // shown as it came
  }
  return (
    <details>
      <summary>{json.slice(0, SHORT)}…</summary>
      <pre className="json">{pretty}</pre>
    </details>
  );
}
