/** The audit log's entries as a table; each entry's details (JSON) truncated, expandable. */
import type { AuditLogQuery } from '../../gql/graphql';
import { formatTime } from '../../ui/ui';

type Entry = AuditLogQuery['auditLog']['entries'][number];

const SHORT = 80;

export function AuditTable({ entries }: { entries: Entry[] }) {
  return (
    <div className="table-wrap">
      <table className="audit-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Actor</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td className="nowrap">{formatTime(e.at)}</td>
              <td className="mono">{e.action}</td>
              <td>{e.outcome === 'success' ? e.outcome : <strong>{e.outcome}</strong>}</td>
              <td>
                {e.actorName ?? e.actorId ?? '—'}
                <br />
                <span className="small">{e.actorType}</span>
              </td>
              <td className="mono">{e.targetType ? `${e.targetType}${e.targetId ? `: ${e.targetId}` : ''}` : '—'}</td>
              <td className="mono details-cell">
                <Details json={e.details} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
