/** The audit log's filters: action, actor, report, time range and page size, applied together. */
import { useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS } from '../../../../audit/types';
import { Select, TextField } from '../../ui/ui';
import { localToIso } from './forms';

export interface AuditFilterValues {
  action?: string;
  actorId?: string;
  reportId?: string;
  from?: string;
  to?: string;
  first: number;
}

/** Actions the service records (the server's own list), offered as suggestions (any text is accepted). */
const KNOWN_ACTIONS = AUDIT_ACTIONS;

const EMPTY = { action: '', actorId: '', reportId: '', from: '', to: '', first: '50' };

export function AuditFilters({ onApply }: { onApply(filters: AuditFilterValues): void }) {
  const [v, setV] = useState(EMPTY);
  const [rangeError, setRangeError] = useState<string | undefined>();
  const set = (k: keyof typeof EMPTY) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  const apply = (values: typeof EMPTY) => {
    const from = localToIso(values.from);
    const to = localToIso(values.to);
    if (from && to && from > to) {
      setRangeError('"To" must be after "From"');
      return;
    }
    setRangeError(undefined);
    const clean = (s: string) => s.trim() || undefined;
    onApply({ action: clean(values.action), actorId: clean(values.actorId), reportId: clean(values.reportId), from, to, first: Number(values.first) });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(v);
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Filter the audit log">
      <div className="grid">
        <TextField label="Action" hint="e.g. auth.login" list="audit-actions" autoComplete="off" value={v.action} onChange={set('action')} />
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <TextField label="Actor id" hint="A user or partner id" autoComplete="off" value={v.actorId} onChange={set('actorId')} />
        <TextField label="Report id" hint="Entries about one report" autoComplete="off" value={v.reportId} onChange={set('reportId')} />
        <TextField label="From" type="datetime-local" hint="Your local time" value={v.from} onChange={set('from')} />
        <TextField label="To" type="datetime-local" hint="Your local time" value={v.to} onChange={set('to')} error={rangeError} />
        <Select label="Entries per page" hint="Newest first" options={[{ value: '10', label: '10' }, { value: '50', label: '50' }, { value: '200', label: '200' }]} value={v.first} onChange={set('first')} />
      </div>
      <div className="actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => {
            setV(EMPTY);
            apply(EMPTY);
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}
