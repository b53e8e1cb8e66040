/**
 * "Reports you hold" (myReports): state only, by status then age, each
 * reference a link to the report page (where reading it is audited). A
 * panel of the search screen, and with `page` the "My reports" screen of the
 * navigation (routes.tsx).
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request } from '../../api/client';
import type { MyReportsQuery } from '../../gql/graphql';
import { DataTable, type Column } from '../../ui/DataTable';
import { QueryState, formatTime, humanise } from '../../ui/ui';
import { MY_REPORTS } from './operations';

type Held = MyReportsQuery['myReports'][number];

const COLUMNS: Column<Held>[] = [
  { header: 'Reference', rowHeader: true, className: 'mono', cell: (r) => <Link to={`/reports/${r.id}`}>{r.reference}</Link> },
  { header: 'Status', cell: (r) => humanise(r.status) },
  { header: 'Priority', cell: (r) => (r.priority ? <span className={`badge ${r.priority}`}>{r.priority}</span> : '—') },
  { header: 'Desk', cell: (r) => r.desk ?? '—' },
  { header: 'Received', className: 'nowrap', cell: (r) => formatTime(r.receivedAt) },
];

export function MyReports({ page = false }: { page?: boolean }) {
  const query = useQuery({ queryKey: ['myReports'], queryFn: () => request(MY_REPORTS), gcTime: 0 });
  const Heading = page ? 'h1' : 'h2';
  return (
    <section className="my-reports-panel" aria-labelledby="my-reports-title">
      <Heading id="my-reports-title">{page ? 'My reports' : 'Reports you hold'}</Heading>
      {page && <p className="subtitle">The reports you hold, by status then age. Opening one is recorded in the audit log.</p>}
      <QueryState query={query} loading="Loading your reports" isEmpty={(d) => d.myReports.length === 0} empty="You hold no reports. Claim one from the desk queue.">
        {(d) => <DataTable className="my-reports" caption="Reports you hold, by status then age" captionHidden rows={d.myReports} rowKey={(r) => r.id} columns={COLUMNS} />}
      </QueryState>
    </section>
  );
}
