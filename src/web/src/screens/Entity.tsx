/**
 * An entity page (/entities/:ref): a subject name, phone, vehicle
 * registration or postcode of a report you may read, and every report filed
 * under it, newest filed first, with how each matched (exactly, by sound, or
 * by a part of the name). The address holds only an opaque reference (report
 * id, kind, index), never the value. Reports you may not read are not rows:
 * one notice per desk says only that a report there matches, and whom to
 * contact (the search's own notices, reused). Opening it is a search,
 * audited as one. A value filed under more reports than the page holds (a
 * common surname) says "Filed under more than N reports" (the server's
 * words, `crowded`) rather than listing thousands.
 */
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { request } from '../api/client';
import type { EntityPageQuery } from '../gql/graphql';
import { useSession } from '../session/session';
import { DataTable, type Column } from '../ui/DataTable';
import { boroughName, ErrorMessage, formatTime, humanise, Loading } from '../ui/ui';
import { DeconflictionNotices, describeMatch } from './search/SearchResults';
import { ENTITY } from './entity/operations';

type Row = EntityPageQuery['entity']['reports']['edges'][number]['node'];

const KIND_WORDS: Record<string, string> = { name: 'Person', phone: 'Phone number', vehicle: 'Vehicle', postcode: 'Postcode' };

export function Entity() {
  const { ref = '' } = useParams();
  const { can } = useSession();
  const page = useQuery({ queryKey: ['entity', ref], queryFn: () => request(ENTITY, { ref }), gcTime: 0, retry: false });
  if (page.isPending) return <Loading />;
  if (page.isError) return <ErrorMessage error={page.error} />;
  const e = page.data.entity;
  const rows = e.reports.edges.map((edge) => edge.node);
  const columns: Column<Row>[] = [
    { header: 'Reference', rowHeader: true, className: 'mono', cell: (r) => <Link to={`/reports/${r.reportId}`}>{r.reference}</Link> },
    { header: 'Desk', cell: (r) => r.desk ?? 'No desk yet' },
    { header: 'Status', cell: (r) => humanise(r.status) },
    { header: 'Received', className: 'nowrap', cell: (r) => formatTime(r.receivedAt) },
    { header: 'Categories', cell: (r) => r.categories.map(humanise).join(', ') || '—' },
    { header: 'Borough', cell: (r) => (r.borough ? boroughName(r.borough) : '—') },
    {
      header: 'How it matched',
      cell: (r) => (
        <ul className="matches">
          {r.matches.map((m) => (
            <li key={m} className={m.endsWith('PHONETIC') ? 'phonetic' : undefined}>
              {describeMatch(m)}
            </li>
          ))}
        </ul>
      ),
    },
  ];
  return (
    <>
      <h1>
        {KIND_WORDS[e.kind] ?? humanise(e.kind)}: <span className={e.kind === 'name' ? undefined : 'mono'}>{e.value}</span>
      </h1>
      <p>
        Every report filed under this {e.kind === 'name' ? 'name (exactly, by sound, or as part of a longer name)' : 'value'}, newest filed first.{' '}
        <Link to={`/reports/${e.fromReportId}`}>Back to the report</Link>
      </p>
      {can('reportNeighbourhood') && (
        <p>
          <Link to={`/reports/${e.fromReportId}/chart`} className="button">
            Open link chart
          </Link>{' '}
          <span className="hint">The chart of the report this value is on: the reports linked to it, what they share, and their timeline.</span>
        </p>
      )}
      <DeconflictionNotices notices={e.reports.deconfliction} complete={e.reports.deconflictionComplete} />
      <DataTable className="search-results" caption={`Reports filed under ${e.value}`} captionHidden rows={rows} rowKey={(r) => r.reference} columns={columns} />
      {e.crowded && (
        <div className="alert warn" role="note" aria-label="More reports than shown">
          <p>
            {e.crowded} <Link to="/search">Search</Link> with filters (desk, status, dates) to narrow them.
          </p>
        </div>
      )}
    </>
  );
}
