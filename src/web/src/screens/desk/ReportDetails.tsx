/**
 * What the report says: its state (reference, status, priority, desk,
 * times), the narrative, subjects, vehicles, locations and links to other
 * reports (a link to a report of a desk the viewer cannot read says only
 * which desk holds it). `review` (the report page's, for a viewer whose role
 * may confirm or reject possible links) puts "Confirm link" and "Mark as
 * wrong" beside each possible link to a readable report, and `linkActions`
 * (its "Link to another report") under the list.
 */
import type { ReactNode } from 'react';
import type { LinkReviewOp } from './LinkReview';
import { Link } from 'react-router';
import { OUTCOME_LABELS } from '../../../../reports/model/outcomes';
import { boroughName, countdown, formatTime, humanise } from '../../ui/ui';
import type { ReportData } from './types';
import { useNow } from '../../ui/useNow';

/** Who may judge possible links (the roles the policy lets call confirmLink / markLinkWrong), and what opens the dialog. */
export interface LinkReviewButtons {
  confirm: boolean;
  wrong: boolean;
  open: (action: LinkReviewOp) => void;
}

export function ReportDetails({ report, review, linkActions }: { report: ReportData; review?: LinkReviewButtons; linkActions?: ReactNode }) {
  const now = useNow(1000);
  /** A value with a page of its own (an entity page), as a link to it: the address carries an opaque reference, never the value. */
  const pivot = (kind: string, value: string | null | undefined, className?: string): ReactNode => {
    const ref = value ? report.entities.find((e) => e.kind === kind && e.value === value)?.ref : undefined;
    if (!value) return null;
    return ref ? (
      <Link to={`/entities/${encodeURIComponent(ref)}`} className={className}>
        {value}
      </Link>
    ) : (
      <span className={className}>{value}</span>
    );
  };
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
            <strong>{s.name ? pivot('name', s.name) : 'Unnamed'}</strong>
            {s.aliases.length > 0 && (
              <>
                {' · aka '}
                {s.aliases.map((a, i) => (
                  <span key={a}>
                    {i > 0 && ', '}
                    {pivot('name', a)}
                  </span>
                ))}
              </>
            )}
            {[s.approximateAge && `age ${s.approximateAge}`, s.dateOfBirth && `born ${s.dateOfBirth}`].filter(Boolean).map((part) => ` · ${part}`)}
            {s.phone && <> · {pivot('phone', s.phone)}</>}
            {[s.address, s.description].filter(Boolean).map((part) => ` · ${part}`)}
          </>
        )}
      </EntityList>
      <EntityList title="Vehicles" items={report.vehicles}>
        {(v) => (
          <>
            <strong className="mono">{v.registration ? pivot('vehicle', v.registration) : 'No registration'}</strong>
            {[v.colour, v.make, v.model, v.notes].filter(Boolean).map((part) => ` · ${part}`)}
          </>
        )}
      </EntityList>
      <EntityList title="Locations" items={report.locations}>
        {(l) =>
          l.address || l.postcode || l.description ? (
            <>
              {[l.address, l.postcode ? pivot('postcode', l.postcode) : null, l.description]
                .filter(Boolean)
                .map((part, i) => (
                  <span key={i}>
                    {i > 0 && ' · '}
                    {part}
                  </span>
                ))}
            </>
          ) : (
            'No details'
          )
        }
      </EntityList>
      <EntityList title="Linked reports" items={report.links} none="No other report shares a vehicle, phone, postcode or subject name.">
        {(l) =>
          l.readable && l.reference ? (
            <>
              {l.strength === 'POSSIBLE' && (
                <>
                  <span className="tag possible">Possible link</span>{' '}
                </>
              )}
              <Link to={`/reports/${l.reportId}`} className="mono">{l.reference}</Link> ({l.desk ?? 'no desk'}) {linkWhy(l)}
              <SharedValues values={l.sharedValues} />
              {review && l.strength === 'POSSIBLE' && l.reportId && (review.confirm || review.wrong) && (
                <span className="actions link-review">
                  {review.confirm && (
                    <button type="button" onClick={() => review.open({ op: 'confirm', reportId: l.reportId!, reference: l.reference! })} aria-label={`Confirm link to ${l.reference}`}>
                      Confirm link
                    </button>
                  )}
                  {review.wrong && (
                    <button type="button" onClick={() => review.open({ op: 'wrong', reportId: l.reportId!, reference: l.reference! })} aria-label={`Mark as wrong: the link to ${l.reference}`}>
                      Mark as wrong
                    </button>
                  )}
                </span>
              )}
            </>
          ) : (
            <>
              {l.strength === 'POSSIBLE' && <span className="tag possible">Possible link</span>} A report held by {l.desk ?? 'another desk'} {linkWhy(l)}
            </>
          )
        }
      </EntityList>
      {linkActions}
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

const REASON_WORDS: Record<string, string> = { namePhonetic: 'a name that sounds alike', name: 'subject name', phone: 'phone number' };

/** Why two reports are linked: by hand (by whom, where the viewer may read both), or the kinds of value they share. */
function linkWhy(l: { manual: boolean; reasons: readonly string[]; linkedBy?: string | null }): string {
  const shares = l.reasons.length ? `shares: ${l.reasons.map((r) => REASON_WORDS[r] ?? r).join(', ')}` : '';
  if (!l.manual) return shares;
  const by = l.linkedBy ? `linked by ${l.linkedBy}` : 'linked by hand';
  return shares ? `${by}; also ${shares}` : by;
}

/** The values two linked reports share (only when the viewer may read both: the server sends none otherwise). */
function SharedValues({ values }: { values: readonly { kind: string; value: string; theirs?: string | null }[] | null | undefined }) {
  if (!values?.length) return null;
  return (
    <ul className="shared-values">
      {values.map((v) => (
        <li key={`${v.kind}:${v.value}`}>
          {v.kind === 'namePhonetic' ? `Sounds alike: ${v.value} / ${v.theirs ?? ''}` : `${humanise(REASON_WORDS[v.kind] ?? v.kind)}: ${v.value}`}
        </li>
      ))}
    </ul>
  );
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
