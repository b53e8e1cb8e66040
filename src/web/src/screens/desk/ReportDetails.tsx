/**
 * What the report says: its state (reference, status, priority, desk,
 * times), the narrative, subjects, vehicles, locations and links to other
 * reports (a link to a report of a desk the viewer cannot read says only
 * which desk holds it).
 */
import { Link } from 'react-router';
import { countdown, formatTime, humanise } from '../../ui/ui';
import type { ReportData } from './types';
import { useNow } from './useNow';

export function ReportDetails({ report }: { report: ReportData }) {
  const now = useNow(1000);
  const due = countdown(report.dueBy, now);
  const open = !['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION', 'CLOSED', 'ERASED'].includes(report.status);
  return (
    <>
      <dl className="facts">
        <div><dt>Status</dt><dd>{humanise(report.status)}</dd></div>
        <div><dt>Priority</dt><dd>{report.priority ? <span className={`badge ${report.priority}`}>{report.priority}</span> : '—'}</dd></div>
        <div><dt>Desk</dt><dd>{report.desk ?? '—'}</dd></div>
        <div><dt>Categories</dt><dd>{report.categories.map(humanise).join(', ') || '—'}</dd></div>
        <div><dt>Borough</dt><dd>{humanise(report.borough)}</dd></div>
        <div><dt>Received</dt><dd>{formatTime(report.receivedAt)}</dd></div>
        <div>
          <dt>Due</dt>
          <dd>
            {formatTime(report.dueBy)}
            {report.dueBy && open && <span className={due.overdue ? 'overdue' : 'small'}> ({due.text})</span>}
          </dd>
        </div>
        <div><dt>Source</dt><dd>{humanise(report.source)} · {humanise(report.channel)}</dd></div>
        <div><dt>Caller</dt><dd>{report.anonymous ? 'Anonymous' : `Identified${report.callerMayRecontact ? ', may be recontacted' : ''}`}</dd></div>
        {report.escalated && <div><dt>Escalated</dt><dd><span className="badge P2">Escalated</span></dd></div>}
      </dl>
      {report.urgentAction && (
        <div className="alert urgent">
          <p>{report.urgentAction}</p>
        </div>
      )}

      <h2>Narrative</h2>
      <pre className="narrative">{report.narrative ?? 'No narrative is available.'}</pre>

      <h2>Subjects</h2>
      {report.subjects?.length ? (
        <ul className="entities">
          {report.subjects.map((s, i) => (
            <li key={i}>
              <strong>{s.name || 'Unnamed'}</strong>
              {[s.aliases.length ? `aka ${s.aliases.join(', ')}` : '', s.approximateAge && `age ${s.approximateAge}`, s.dateOfBirth && `born ${s.dateOfBirth}`, s.phone, s.address, s.description]
                .filter(Boolean)
                .map((part) => ` · ${part}`)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">None recorded.</p>
      )}

      <h2>Vehicles</h2>
      {report.vehicles?.length ? (
        <ul className="entities">
          {report.vehicles.map((v, i) => (
            <li key={i}>
              <strong className="mono">{v.registration || 'No registration'}</strong>
              {[v.colour, v.make, v.model, v.notes].filter(Boolean).map((part) => ` · ${part}`)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">None recorded.</p>
      )}

      <h2>Locations</h2>
      {report.locations?.length ? (
        <ul className="entities">
          {report.locations.map((l, i) => (
            <li key={i}>
              {[l.address, l.postcode, l.description].filter(Boolean).join(' · ') || 'No details'}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">None recorded.</p>
      )}

      <h2>Linked reports</h2>
      {report.links.length ? (
        <ul className="entities">
          {report.links.map((l) => (
            <li key={l.reportId}>
              {l.readable && l.reference ? (
                <>
                  <Link to={`/reports/${l.reportId}`} className="mono">{l.reference}</Link> ({l.desk ?? 'no desk'}) shares: {l.reasons.join(', ')}
                </>
              ) : (
                <>A report held by {l.desk ?? 'another desk'} shares: {l.reasons.join(', ')}</>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">No other report shares a vehicle, phone, postcode or subject name.</p>
      )}
    </>
  );
}
