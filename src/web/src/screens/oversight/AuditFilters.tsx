/**
 * The audit log's filters: action (by name), username, report reference, time
 * range and page size, applied together. Usernames and references are
 * resolved by the server; when one names nothing, the server says so and the
 * message appears in the summary and next to its field (`serverError`).
 */
import { useState, type FormEvent } from 'react';
import { ACTION_LABELS } from '../../../../audit/labels';
import { AUDIT_ACTIONS } from '../../../../audit/actions';
import { Select, TextField } from '../../ui/ui';
import { localToIso, serverFieldError } from './forms';

export interface AuditFilterValues {
  action?: string;
  username?: string;
  reference?: string;
  from?: string;
  to?: string;
  first: number;
}

/** The server's list of actions, by name, alphabetically. */
const ACTION_OPTIONS = [...AUDIT_ACTIONS].map((a) => ({ value: a, label: ACTION_LABELS[a] })).sort((a, b) => a.label.localeCompare(b.label));

const EMPTY = { action: '', username: '', reference: '', from: '', to: '', first: '50' };
type Values = typeof EMPTY;
type FieldName = keyof Values;

const FIELD_IDS: Partial<Record<FieldName, string>> = { username: 'audit-username', reference: 'audit-reference', to: 'audit-to' };

export function AuditFilters({ onApply, serverError }: { onApply(filters: AuditFilterValues): void; serverError?: unknown }) {
  const [v, setV] = useState(EMPTY);
  const [rangeError, setRangeError] = useState<string | undefined>();
  const set = (k: FieldName) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  const apply = (values: Values) => {
    const from = localToIso(values.from);
    const to = localToIso(values.to);
    if (from && to && from > to) {
      setRangeError('"To" must be after "From"');
      return;
    }
    setRangeError(undefined);
    const clean = (s: string) => s.trim() || undefined;
    onApply({ action: clean(values.action), username: clean(values.username), reference: clean(values.reference), from, to, first: Number(values.first) });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(v);
  };

  const errors: Partial<Record<FieldName, string>> = {
    username: serverFieldError(serverError, 'username'),
    reference: serverFieldError(serverError, 'reference'),
    to: rangeError ?? serverFieldError(serverError, 'to'),
  };
  const summary = (Object.keys(errors) as FieldName[]).filter((k) => errors[k]);

  return (
    <form onSubmit={submit} noValidate aria-label="Filter the audit log">
      {summary.length > 0 && (
        <div className="alert error error-summary" role="alert" aria-labelledby="audit-filter-errors">
          <h3 id="audit-filter-errors">There is a problem with the filters</h3>
          <ul>
            {summary.map((k) => (
              <li key={k}>
                <a href={`#${FIELD_IDS[k]}`}>{errors[k]}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="grid">
        <Select label="Action" placeholder="Any action" options={ACTION_OPTIONS} value={v.action} onChange={set('action')} />
        <TextField id="audit-username" label="Username" hint="Entries by this person or about their account" autoComplete="off" spellCheck={false} value={v.username} onChange={set('username')} error={errors.username} />
        <TextField id="audit-reference" label="Report reference" hint="For example ATH-2026-000123" autoComplete="off" spellCheck={false} value={v.reference} onChange={set('reference')} error={errors.reference} />
        <TextField label="From" type="datetime-local" hint="Your local time" value={v.from} onChange={set('from')} />
        <TextField id="audit-to" label="To" type="datetime-local" hint="Your local time" value={v.to} onChange={set('to')} error={errors.to} />
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
