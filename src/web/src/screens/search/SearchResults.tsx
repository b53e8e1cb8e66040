/**
 * Search hits as a table: every hit is a report you may read, linked, with
 * its state; "How it matched" says whether a name met exactly or as a
 * spelling variant. Reports you may not read are never rows: the
 * deconfliction notices above the table say only that a report on a desk
 * matches one of your terms, and whom to contact (no reference, time, status
 * or count; the filters do not apply to them).
 */
import { Link } from 'react-router';
import type { SearchReportsQuery } from '../../gql/graphql';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatTime, humanise } from '../../ui/ui';

export type Hit = SearchReportsQuery['searchReports']['edges'][number]['node'];
export type DeconflictionNotice = SearchReportsQuery['searchReports']['deconfliction'][number];

const TERM_WORDS: Record<string, string> = { subjectName: 'Name', phone: 'Phone', vehicleRegistration: 'Vehicle', postcode: 'Postcode' };

/** "subjectName:PHONETIC" → "Name: spelling variant (phonetic)". */
export function describeMatch(match: string): string {
  const [field = '', how = ''] = match.split(':');
  const what = TERM_WORDS[field] ?? humanise(field);
  const said: Record<string, string> = { PHONETIC: 'spelling variant (phonetic)', EXACT: 'exact', NAME_PART: 'part of the name', NAME_PART_PHONETIC: 'part of the name, spelling variant (phonetic)' };
  return `${what}: ${said[how ?? ''] ?? humanise(how ?? '')}`;
}

/** Whom to contact about a deconfliction notice. */
export function contactFor(desk: string | null | undefined): string {
  return desk ? `Contact the ${desk} desk before acting on this person or item.` : 'Contact a supervisor before acting on this person or item.';
}

/**
 * The deconfliction notices of a search: the server's sentence for each desk
 * ("A report on desk SO13 matches one of your terms") and whom to contact;
 * and, when the terms were too crowded to check every report, that too.
 */
export function DeconflictionNotices({ notices, complete }: { notices: readonly DeconflictionNotice[]; complete: boolean }) {
  if (!notices.length && complete) return null;
  return (
    <div className="alert warn deconfliction" role="note" aria-label="Reports on desks you may not read">
      {notices.map((n) => (
        <p key={n.desk ?? 'awaiting-triage'}>
          {n.message}. You may not read it. {contactFor(n.desk)}
        </p>
      ))}
      {!complete && <p>Not every report filed under these terms could be checked for other desks. Ask a supervisor before acting.</p>}
    </div>
  );
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
      cell: (h) => (h.report ? <Link to={`/reports/${h.report.id}`}>{h.reference}</Link> : h.reference),
    },
    { header: 'Desk', cell: (h) => h.desk ?? 'No desk yet' },
    { header: 'Status', cell: (h) => (h.report ? humanise(h.report.status) : dash) },
    { header: 'Priority', cell: (h) => (h.report?.priority ? <span className={`badge ${h.report.priority}`}>{h.report.priority}</span> : dash) },
    { header: 'Received', className: 'nowrap', cell: (h) => (h.report ? formatTime(h.report.receivedAt) : dash) },
    {
      header: 'How it matched',
      cell: (h) =>
        h.matches.length ? (
          <ul className="matches">
            {h.matches.map((m) => (
              <li key={m} className={m.endsWith('PHONETIC') ? 'phonetic' : undefined}>
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
