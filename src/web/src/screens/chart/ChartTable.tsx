/**
 * The link chart as tables, for screen readers and for anyone who prefers
 * them: every item of the drawing and every connection, in the same words.
 */
import { Link } from 'react-router';
import { formatTime, humanise } from '../../ui/ui';
import { edgeWords, nodeKindWords, type Chart } from './words';

export function ChartTable({ chart }: { chart: Chart }) {
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  const name = (id: string) => {
    const n = byId.get(id);
    if (!n) return '';
    return n.kind === 'REPORT' && n.reportId ? <Link to={`/reports/${n.reportId}`} className="mono">{n.reference}</Link> : n.kind === 'PLACEHOLDER' ? `Reports ${n.label}` : n.label;
  };
  return (
    <>
      <h3 id="chart-items-title">Items ({chart.nodes.length})</h3>
      <div className="table-wrap">
        <table aria-labelledby="chart-items-title">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Kind</th>
              <th scope="col">Desk</th>
              <th scope="col">Status</th>
              <th scope="col">Received</th>
              <th scope="col">Categories</th>
            </tr>
          </thead>
          <tbody>
            {chart.nodes.map((n) => (
              <tr key={n.id}>
                <th scope="row">{name(n.id)}</th>
                <td>{nodeKindWords(n)}</td>
                <td>{n.kind === 'ENTITY' ? '' : (n.desk ?? 'Awaiting triage')}</td>
                <td>{n.status ? humanise(n.status) : ''}</td>
                <td>{n.receivedAt ? formatTime(n.receivedAt) : ''}</td>
                <td>{n.categories?.map(humanise).join(', ') ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 id="chart-links-title">Connections ({chart.edges.length})</h3>
      <div className="table-wrap">
        <table aria-labelledby="chart-links-title">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">How</th>
              <th scope="col">To</th>
            </tr>
          </thead>
          <tbody>
            {chart.edges.map((e) => (
              <tr key={e.id}>
                <td>{name(e.source)}</td>
                <td>{edgeWords(e, byId.get(e.target))}</td>
                <td>{name(e.target)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
