/**
 * What the report says: its state (reference, status, priority, desk,
 * times), the narrative, subjects, vehicles, locations and links to other
 * reports (a link to a report of a desk the viewer cannot read says only
 * which desk holds it).
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { OUTCOME_LABELS } from '../../../../reports/model/outcomes';
import { boroughName, countdown, formatTime, humanise } from '../../ui/ui';
import type { ReportData } from './types';
import { useNow } from '../../ui/useNow';

export function ReportDetails({ report }: { report: ReportData }) {
  const now = useNow(1000);
  const due = countdown(report.dueBy, now);
  const open = !['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION', 'CLOSED', 'ERASED'].includes(report.status);
  return (
    <>
      <dl className="facts">
        <div><dt>Status</dt><dd>{humanise(report.status)}</dd></div>
        {report.outcome && <div><dt>Outcome</dt><dd>{OUTCOME_LABELS[report.outcome]}</dd></div>}
        <div><dt>Priority</dt><dd>{report.priority ? <span className={`badge ${report.priority}`}>{report.priority}</span> : '—'}</dd></div>
        <div><dt>Desk</dt><dd>{report.desk ?? '—'}</dd></div>
        <div><dt>Categories</dt><dd>{report.categories.map(humanise).join(', ') || '—'}</dd></div>
        <div><dt>Borough</dt><dd>{boroughName(report.borough)}</dd></div>
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
      <CallNotes notes={report.callNotes} />

      <EntityList title="Subjects" items={report.subjects}>
        {(s) => (
          <>
            <strong>{s.name || 'Unnamed'}</strong>
            {[s.aliases.length ? `aka ${s.aliases.join(', ')}` : '', s.approximateAge && `age ${s.approximateAge}`, s.dateOfBirth && `born ${s.dateOfBirth}`, s.phone, s.address, s.description]
              .filter(Boolean)
              .map((part) => ` · ${part}`)}
          </>
        )}
      </EntityList>
      <EntityList title="Vehicles" items={report.vehicles}>
        {(v) => (
          <>
            <strong className="mono">{v.registration || 'No registration'}</strong>
            {[v.colour, v.make, v.model, v.notes].filter(Boolean).map((part) => ` · ${part}`)}
          </>
        )}
      </EntityList>
      <EntityList title="Locations" items={report.locations}>
        {(l) => [l.address, l.postcode, l.description].filter(Boolean).join(' · ') || 'No details'}
      </EntityList>
      <EntityList title="Linked reports" items={report.links} none="No other report shares a vehicle, phone, postcode or subject name.">
        {(l) =>
          l.readable && l.reference ? (
            <>
              <Link to={`/reports/${l.reportId}`} className="mono">{l.reference}</Link> ({l.desk ?? 'no desk'}) {linkWhy(l)}
            </>
          ) : (
            <>A report held by {l.desk ?? 'another desk'} {linkWhy(l)}</>
          )
        }
      </EntityList>
      {report.linkWarnings.length > 0 && (
        <div className="alert warn" role="note" aria-label="What linking did not compare">
          {report.linkWarnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </div>
      )}
    </>
  );
}

const PROMPT_LABELS = [
  ['dangerNow', 'Is anyone in danger now?'],
  ['where', 'Where?'],
  ['when', 'When?'],
  ['who', 'Who?'],
  ['vehicles', 'Vehicles?'],
  ['weapons', 'Weapons?'],
  ['howKnown', 'How does the caller know this?'],
] as const;

/** The call handler's notes: the 999 hand-off and the answers to the question prompts (nothing when the call had none). */
function CallNotes({ notes }: { notes: ReportData['callNotes'] }) {
  if (!notes) return null;
  const handOff = notes.emergencyHandOff;
  return (
    <>
      <h2>Call handler's notes</h2>
      <dl className="facts call-notes">
        <div>
          <dt>999 hand-off</dt>
          <dd>{handOff ? `Passed to 999 at ${formatTime(handOff.at)}; ${handOff.reference ? `999 / CAD reference ${handOff.reference}` : 'no reference given'}` : 'Not passed to 999'}</dd>
        </div>
        {PROMPT_LABELS.map(([key, label]) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd className="answer">{notes[key] ?? 'Not asked'}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** Why two reports are linked: by a supervisor's hand, or the values they share (a manual link may share some too). */
function linkWhy(l: { manual: boolean; reasons: readonly string[] }): string {
  const shares = l.reasons.length ? `shares: ${l.reasons.join(', ')}` : '';
  if (!l.manual) return shares;
  return shares ? `linked by a supervisor; also ${shares}` : 'linked by a supervisor';
}

/** A heading and what the report recorded under it, one item a line, or a plain "none". */
function EntityList<T>({ title, items, none = 'None recorded.', children }: { title: string; items: readonly T[] | null | undefined; none?: string; children: (item: T) => ReactNode }) {
  return (
    <>
      <h2>{title}</h2>
      {items?.length ? (
        <ul className="entities">
          {items.map((item, i) => (
            <li key={i}>{children(item)}</li>
          ))}
        </ul>
      ) : (
        <p className="empty">{none}</p>
      )}
    </>
  );
}
