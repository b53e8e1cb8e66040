/**
 * The report page's corrections panel. Supervisors: change priority or
 * categories, link to another report by its reference, unlink. Holders and
 * supervisors: disseminate (the server applies the handling code: code C
 * needs a supervisor's override) and export the signed bundle, downloaded as
 * a file from memory (a Blob URL, revoked at once; nothing is stored).
 * Every action asks for a reason; the server seals it and audits the action.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { PRIORITIES } from '../../../../reports/model/vocabulary';
import { request } from '../../api/client';
import type { Priority, RecipientKind, ThreatCategory } from '../../gql/graphql';
import { Checkbox, Dialog, FormFooter, Select, TextArea, TextField, formatTime, humanise } from '../../ui/ui';
import { CHANGE_CATEGORIES, CHANGE_PRIORITY, DISSEMINATE, EXPORT_BUNDLE, FIND_BY_REFERENCE, LINK_REPORTS, UNLINK_REPORTS } from './corrections-ops';
import type { Act, ReportData } from './types';

const CATEGORIES = [
  'RECRUITMENT_OR_BEHAVIOUR_CHANGE', 'ACCOMMODATION', 'TRANSPORT', 'STORAGE', 'FINANCE', 'HOSTILE_RECONNAISSANCE',
  'SUSPICIOUS_ITEM', 'EXTREMIST_MATERIAL', 'ONLINE_ACTIVITY', 'TRAVEL', 'OTHER',
] as ThreatCategory[];
const RECIPIENTS = [
  { value: 'MI5', label: 'MI5' },
  { value: 'CTIO', label: 'Counter-Terrorist Intelligence Officer' },
  { value: 'BOROUGH_INTELLIGENCE_UNIT', label: 'Borough intelligence unit' },
  { value: 'OTHER_FORCE', label: 'Another force' },
];

type Kind = 'priority' | 'categories' | 'link' | 'unlink' | 'disseminate' | null;

/** Saves `text` as a file from memory. */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

export function Corrections({ report, supervisor, holds, act }: { report: ReportData; supervisor: boolean; holds: boolean; act: Act }) {
  const [open, setOpen] = useState<Kind>(null);
  const [unlinkTarget, setUnlinkTarget] = useState<{ id: string; label: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const [priority, setPriority] = useState<string>(report.priority ?? 'P3');
  const [categories, setCategories] = useState<ThreatCategory[]>(report.categories);
  const [reference, setReference] = useState('');
  const [to, setTo] = useState('MI5');
  const [recipient, setRecipient] = useState('');
  const [override, setOverride] = useState(false);
  const restricted = report.grading?.handling === 'C';
  const takes = (action: ReportData['availableActions'][number]) => report.availableActions.includes(action);

  if (!supervisor && !holds) return null;
  const close = () => {
    setOpen(null);
    setError(null);
    setReason('');
  };
  const run = (done: string, action: () => Promise<unknown>) => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const failed = await act(done, action);
    setBusy(false);
    if (failed) setError(failed);
    else close();
  };
  const reasonField = <TextArea label="Reason" hint="Kept sealed with the report and recorded in its history." value={reason} onChange={(e) => setReason(e.target.value)} rows={2} required />;
  const dialog = (kind: Exclude<Kind, null>, title: string, done: string, action: () => Promise<unknown>, fields: ReactNode, label: string) => (
    <Dialog open={open === kind} title={title} onClose={close}>
      <form onSubmit={run(done, action)}>
        {fields}
        {reasonField}
        <FormFooter error={error} busy={busy} label={label} busyLabel="Saving…" />
      </form>
    </Dialog>
  );

  return (
    <section className="panel" aria-labelledby="corrections-title">
      <h2 id="corrections-title">Corrections and dissemination</h2>
      {report.disseminations.length > 0 && (
        <ul className="disseminations">
          {report.disseminations.map((d) => (
            <li key={d.id}>
              {formatTime(d.at)}: to <strong>{RECIPIENTS.find((r) => r.value === d.to)?.label ?? humanise(d.to)}</strong>
              {d.recipient ? ` (${d.recipient})` : ''}, graded {d.grading ?? '—'}
              {d.override ? ', handling code overridden by a supervisor' : ''} by {d.byName ?? 'staff'}
              {d.reason ? `: ${d.reason}` : ''}
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {/* Each offered only while the state machine lets the report take it (availableActions). */}
        {supervisor && takes('CHANGE_PRIORITY') && <button type="button" onClick={() => setOpen('priority')}>Change priority</button>}
        {supervisor && takes('CHANGE_CATEGORIES') && <button type="button" onClick={() => setOpen('categories')}>Change categories</button>}
        {supervisor && <button type="button" onClick={() => setOpen('link')}>Link to report…</button>}
        {takes('DISSEMINATE') && <button type="button" onClick={() => setOpen('disseminate')}>Disseminate…</button>}
        <button type="button" onClick={() => void act('The signed bundle has been downloaded. The export was recorded in the audit log.', async () => {
          const { exportReportBundle: b } = await request(EXPORT_BUNDLE, { id: report.id });
          download(`${b.reference}.bundle.json`, b.json);
        })}>
          Export bundle
        </button>
      </div>
      {supervisor && report.links.length > 0 && (
        <ul className="link-actions">
          {/* A supervisor reads every desk, so every link carries its report's id (null only for a desk the viewer cannot read). */}
          {report.links.flatMap((l) => (l.reportId ? [{ ...l, reportId: l.reportId }] : [])).map((l) => (
            <li key={l.reportId}>
              {l.reference ?? `A report on the ${l.desk ?? 'other'} desk`} {l.manual ? '(manual link)' : '(found by triage)'}{' '}
              <button type="button" onClick={() => { setUnlinkTarget({ id: l.reportId, label: l.reference ?? 'this report' }); setOpen('unlink'); }}>
                Unlink
              </button>
            </li>
          ))}
        </ul>
      )}
      {dialog('priority', 'Change priority', 'Priority changed.', () => request(CHANGE_PRIORITY, { id: report.id, priority: priority as Priority, reason }),
        <Select label="New priority" options={PRIORITIES} value={priority} onChange={(e) => setPriority(e.target.value)} />, 'Change priority')}
      {dialog('categories', 'Change categories', 'Categories changed.', () => request(CHANGE_CATEGORIES, { id: report.id, categories, reason }),
        <fieldset>
          <legend>Categories</legend>
          {CATEGORIES.map((c) => (
            <Checkbox key={c} label={humanise(c)} checked={categories.includes(c)} onChange={(e) => setCategories(e.target.checked ? [...categories, c] : categories.filter((x) => x !== c))} />
          ))}
        </fieldset>, 'Save categories')}
      {dialog('link', 'Link to another report', 'Reports linked.', async () => {
        const found = await request(FIND_BY_REFERENCE, { reference: reference.trim() });
        if (!found.reportByReference) throw new Error('There is no report with that reference.');
        return request(LINK_REPORTS, { a: report.id, b: found.reportByReference.id, reason });
      }, <TextField label="Reference of the other report" hint="For example ATH-2026-000123" value={reference} onChange={(e) => setReference(e.target.value)} required />, 'Link reports')}
      {dialog('unlink', `Unlink ${unlinkTarget?.label ?? ''}`, 'Link removed.', () => request(UNLINK_REPORTS, { a: report.id, b: unlinkTarget?.id ?? '', reason }),
        <p>The link is removed from both reports. A later triage will not bring it back.</p>, 'Unlink')}
      {dialog('disseminate', 'Disseminate this report', 'Dissemination recorded.', () => request(DISSEMINATE, { id: report.id, to: to as RecipientKind, recipient, reason, override: restricted && override }),
        <>
          {!report.grading && <p className="alert warn">Grade the report before disseminating it.</p>}
          {restricted && <p className="alert warn">Handling code C: only a supervisor may disseminate this report, by overriding the restriction.</p>}
          <Select label="Recipient" options={RECIPIENTS} value={to} onChange={(e) => setTo(e.target.value)} />
          <TextField label="Recipient name or force" hint="The officer, unit or force it goes to" value={recipient} onChange={(e) => setRecipient(e.target.value)} required />
          {restricted && supervisor && <Checkbox label="Override handling code C" checked={override} onChange={(e) => setOverride(e.target.checked)} />}
        </>, 'Record dissemination')}
    </section>
  );
}
