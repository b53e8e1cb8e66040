/**
 * Search hits as a table. A hit you may read links to the report and shows
 * its state; one you may not read is the deconfliction view: that a report
 * exists, its reference and the desk holding it, and whom to contact, with
 * nothing of its content. "How it matched" says whether a name met exactly
 * or as a spelling variant.
 */
import { Link } from 'react-router';
import type { SearchReportsQuery } from '../../gql/graphql';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatTime, humanise } from '../../ui/ui';

export type Hit = SearchReportsQuery['searchReports']['edges'][number]['node'];

const TERM_WORDS: Record<string, string> = { subjectName: 'Name', phone: 'Phone', vehicleRegistration: 'Vehicle', postcode: 'Postcode' };

/** "subjectName:PHONETIC" → "Name: spelling variant (phonetic)". */
export function describeMatch(match: string): string {
  const [field = '', how = ''] = match.split(':');
  const what = TERM_WORDS[field] ?? humanise(field);
  return `${what}: ${how === 'PHONETIC' ? 'spelling variant (phonetic)' : how === 'EXACT' ? 'exact' : humanise(how)}`;
}

/** The words for a hit the viewer may not read. */
export function deconfliction(hit: Pick<Hit, 'desk'>): string {
  const desk = hit.desk ?? 'another desk';
  return `Held by ${desk}: you may not read it. Contact ${hit.desk ? `the ${desk} desk` : 'a supervisor'} before acting on this person or item.`;
}

const dash = (
  <>
    <span aria-hidden="true">—</span>
    <span className="sr-only">Not shown</span>
  </>
);

export function SearchResults({ hits }: { hits: readonly Hit[] }) {
  const columns: Column<Hit>[] = [
    {
      header: 'Reference',
      rowHeader: true,
      className: 'mono',
      cell: (h) => (h.readable && h.report ? <Link to={`/reports/${h.report.id}`}>{h.reference}</Link> : h.reference),
    },
    { header: 'Desk', cell: (h) => h.desk ?? 'No desk yet' },
    {
      header: 'Status',
      className: (h) => (h.readable ? undefined : 'deconfliction'),
      cell: (h) => (h.readable && h.report ? humanise(h.report.status) : deconfliction(h)),
    },
    { header: 'Priority', cell: (h) => (h.report?.priority ? <span className={`badge ${h.report.priority}`}>{h.report.priority}</span> : dash) },
    { header: 'Received', className: 'nowrap', cell: (h) => (h.report ? formatTime(h.report.receivedAt) : dash) },
    {
      header: 'How it matched',
      cell: (h) =>
        h.matches.length ? (
          <ul className="matches">
            {h.matches.map((m) => (
              <li key={m} className={m.endsWith(':PHONETIC') ? 'phonetic' : undefined}>
                {describeMatch(m)}
              </li>
            ))}
          </ul>
        ) : (
          dash
        ),
    },
  ];
  return <DataTable className="search-results" caption="Reports matching your search, newest first" captionHidden rows={hits} rowKey={(h) => h.reference} columns={columns} />;
}
