/**
 * The search form: four terms (at least one, said in plain words in a
 * summary at the top and next to the terms) and optional filters (desk,
 * status, borough, category, received between two dates). Nothing typed is
 * kept: autocomplete is off, so the browser does not remember names or
 * phone numbers either.
 */
import { useRef, useState, type FormEvent } from 'react';
import type { Borough, Desk, ReportSearchInput, ReportStatus, ThreatCategory } from '../../gql/graphql';
import { Select, TextField, humanise } from '../../ui/ui';
import { BOROUGHS, CATEGORIES, CATEGORY_LABELS } from '../intake/model';
import { serverFieldError } from '../oversight/forms';

const TERMS = [
  { key: 'subjectName', label: 'Subject name', hint: 'Spelling variants are found too (Mohammed, Muhammad)' },
  { key: 'phone', label: 'Phone number', hint: 'Any format: spaces and +44 do not matter' },
  { key: 'vehicleRegistration', label: 'Vehicle registration', hint: 'For example AB12 CDE' },
  { key: 'postcode', label: 'Postcode', hint: 'The full postcode, for example E1 6AB' },
] as const;
type Term = (typeof TERMS)[number]['key'];

const STATUSES: ReportStatus[] = ['RECEIVED', 'TRIAGED', 'TRIAGE_FAILED', 'ASSIGNED', 'UNDER_RESEARCH', 'REFERRED', 'ACTIONED', 'NO_FURTHER_ACTION', 'CLOSED'];
const DESKS: Desk[] = ['SO12', 'SO13'];
const EMPTY = { subjectName: '', phone: '', vehicleRegistration: '', postcode: '', desk: '', status: '', borough: '', category: '', from: '', to: '' };
type Values = typeof EMPTY;

export const NO_TERM = 'Enter at least one of: subject name, phone number, vehicle registration or postcode.';

/** "2026-05-01" (a date input, local time) → the start or the end of that day, as ISO. */
function dayBound(value: string, end: boolean): string | undefined {
  if (!value) return undefined;
  const d = new Date(`${value}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function SearchForm({ onSearch, busy, serverError }: { onSearch: (filter: ReportSearchInput) => void; busy: boolean; serverError: unknown }) {
  const [v, setV] = useState<Values>(EMPTY);
  const [problems, setProblems] = useState<{ terms?: string; to?: string }>({});
  const firstTerm = useRef<HTMLInputElement>(null);
  const set = (k: keyof Values) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  function submit(e: FormEvent) {
    e.preventDefault();
    const found: typeof problems = {};
    if (TERMS.every((t) => !v[t.key].trim())) found.terms = NO_TERM;
    if (v.from && v.to && v.from > v.to) found.to = '"Received to" must be on or after "Received from".';
    setProblems(found);
    if (found.terms || found.to) return;
    const clean = (s: string) => s.trim() || undefined;
    onSearch({
      subjectName: clean(v.subjectName),
      phone: clean(v.phone),
      vehicleRegistration: clean(v.vehicleRegistration),
      postcode: clean(v.postcode),
      desk: (v.desk || undefined) as Desk | undefined,
      status: (v.status || undefined) as ReportStatus | undefined,
      borough: (v.borough || undefined) as Borough | undefined,
      category: (v.category || undefined) as ThreatCategory | undefined,
      receivedFrom: dayBound(v.from, false),
      receivedTo: dayBound(v.to, true),
    });
  }

  const summary = [problems.terms && { href: '#search-subjectName', text: problems.terms }, problems.to && { href: '#search-to', text: problems.to }].filter(
    (p): p is { href: string; text: string } => !!p,
  );

  return (
    <form className="search-form" onSubmit={submit} noValidate aria-labelledby="search-form-title">
      <h2 id="search-form-title">Search reports</h2>
      {summary.length > 0 && (
        <div className="alert error error-summary" role="alert">
          <h3>There is a problem</h3>
          <ul>
            {summary.map((p) => (
              <li key={p.href}>
                <a
                  href={p.href}
                  onClick={(e) => {
                    e.preventDefault();
                    document.querySelector<HTMLElement>(p.href)?.focus();
                  }}
                >
                  {p.text}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <fieldset className={problems.terms ? 'search-terms invalid' : 'search-terms'} aria-describedby={problems.terms ? 'search-terms-hint search-terms-error' : 'search-terms-hint'}>
        <legend>Look for</legend>
        <p className="hint" id="search-terms-hint">
          Give at least one. Open and closed reports are searched; only exact values (and name variants) match.
        </p>
        {problems.terms && (
          <p className="field-error" id="search-terms-error">
            {problems.terms}
          </p>
        )}
        <div className="grid">
          {TERMS.map((t) => (
            <TextField
              key={t.key}
              id={`search-${t.key}`}
              ref={t.key === 'subjectName' ? firstTerm : undefined}
              label={t.label}
              hint={t.hint}
              autoComplete="off"
              spellCheck={false}
              value={v[t.key as Term]}
              onChange={set(t.key)}
              error={serverFieldError(serverError, t.key)}
            />
          ))}
        </div>
      </fieldset>
      <fieldset className="search-filters">
        <legend>Narrow the results (optional)</legend>
        <div className="grid">
          <Select label="Desk" placeholder="Any desk" options={DESKS} value={v.desk} onChange={set('desk')} />
          <Select label="Status" placeholder="Any status" options={STATUSES.map((s) => ({ value: s, label: humanise(s) }))} value={v.status} onChange={set('status')} />
          <Select label="Borough" placeholder="Any borough" options={BOROUGHS} value={v.borough} onChange={set('borough')} />
          <Select label="Category" placeholder="Any category" options={CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABELS[c] }))} value={v.category} onChange={set('category')} />
          <TextField id="search-from" label="Received from" type="date" value={v.from} onChange={set('from')} />
          <TextField id="search-to" label="Received to" type="date" value={v.to} onChange={set('to')} error={problems.to} />
        </div>
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
        <button
          type="button"
          onClick={() => {
            setV(EMPTY);
            setProblems({});
            firstTerm.current?.focus();
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
