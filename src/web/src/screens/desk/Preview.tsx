/**
 * A queued report before claiming it: what its queue row shows, its
 * categories and how many subjects and vehicles it names. The server
 * decrypts nothing for it (reportPreview), so looking is not an audited
 * read; "Open the report" is, and says so.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { ErrorMessage, Loading, countdown, formatTime, humanise } from '../../ui/ui';
import { REPORT_PREVIEW } from './operations';
import { useNow } from '../../ui/useNow';

const count = (n: number, one: string, many: string) => `${n === 0 ? 'None' : n} ${n === 1 ? one : many}`;

export function Preview({ id, claiming, onClaim, onClose }: { id: string; claiming: boolean; onClaim: () => void; onClose: () => void }) {
  const query = useQuery({ queryKey: ['reportPreview', id], queryFn: () => request(REPORT_PREVIEW, { id }), gcTime: 0, retry: false });
  const heading = useRef<HTMLHeadingElement>(null);
  const now = useNow(1000);
  useEffect(() => heading.current?.focus(), [id]);
  const p = query.data?.reportPreview;
  const r = p?.report;
  const due = countdown(r?.dueBy, now);
  return (
    <section className="panel preview" aria-labelledby="preview-title">
      <h2 id="preview-title" tabIndex={-1} ref={heading}>
        Preview{r ? <> of <span className="mono">{r.reference}</span></> : ''}
      </h2>
      <p className="hint">No content is shown here, so previewing is not recorded as a read. Opening the report is recorded in the audit log.</p>
      {query.isPending ? (
        <Loading what="Loading the preview" />
      ) : query.isError || !p || !r ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <dl className="facts">
            <div><dt>Priority</dt><dd>{r.priority ? <span className={`badge ${r.priority}`}>{r.priority}</span> : '—'}{r.imminentThreat && <> <span className="badge P1">Imminent threat</span></>}{r.escalated && <> <span className="badge escalated">Escalated</span></>}</dd></div>
            <div><dt>Status</dt><dd>{humanise(r.status)}{r.assignee ? ' (claimed)' : ''}</dd></div>
            <div><dt>Received</dt><dd>{formatTime(r.receivedAt)} · {humanise(r.channel)}</dd></div>
            <div><dt>Claim by</dt><dd className={due.overdue ? 'overdue' : undefined}>{due.text}</dd></div>
            <div><dt>Categories</dt><dd>{r.categories.map(humanise).join(', ') || '—'}</dd></div>
            <div><dt>Borough</dt><dd>{humanise(r.borough)}</dd></div>
            <div><dt>Subjects</dt><dd>{count(p.subjectCount, 'subject named', 'subjects named')}</dd></div>
            <div><dt>Vehicles</dt><dd>{count(p.vehicleCount, 'vehicle named', 'vehicles named')}</dd></div>
            <div><dt>Linked reports</dt><dd>{r.links.length || 'None'}</dd></div>
          </dl>
          <div className="actions">
            {!r.assignee && (
              <button type="button" className="primary" disabled={claiming} onClick={onClaim}>
                {claiming ? 'Claiming…' : `Claim ${r.reference}`}
              </button>
            )}
            <Link to={`/reports/${r.id}`}>Open the report (recorded as a read)</Link>
            <button type="button" onClick={onClose}>
              Close the preview
            </button>
          </div>
        </>
      )}
    </section>
  );
}
