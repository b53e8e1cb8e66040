/**
 * The GOV.UK-style error summary at the top of the call form: every problem,
 * in form order, named by its field ("Subject 1, name: ..."), each a link
 * that puts the cursor in that field. The same message sits next to the field.
 */
import type { FieldErrors } from 'react-hook-form';
import { fieldId, type CallValues } from './model';
import { KINDS, type RowsName } from './Rows';

export function ErrorSummary({ errors, onFocus }: { errors: FieldErrors<CallValues>; onFocus: (name: string) => void }) {
  const problems = problemsOf(errors);
  if (problems.length === 0) return null;
  return (
    <div className="alert error error-summary">
      <h2>There is a problem</h2>
      <ul>
        {problems.map(({ name, label, message }) => (
          <li key={name}>
            <a
              href={`#${fieldId(name)}`}
              onClick={(e) => {
                e.preventDefault();
                onFocus(name);
              }}
            >
              {label}: {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

const TOP_LABELS: Record<string, string> = {
  channel: 'Channel',
  borough: 'Borough',
  imminentThreat: 'Imminent threat',
  narrative: 'What the caller said',
  categories: 'Categories',
  'caller.name': "Caller's name",
  'caller.phone': "Caller's phone",
  'caller.email': "Caller's email",
  'caller.preferredContactTimes': 'Preferred contact times',
  'caller.address': "Caller's address",
  'caller.mayRecontact': 'Contact again',
};
const TOP_ORDER = Object.keys(TOP_LABELS);
const ROW_ORDER: RowsName[] = ['subjects', 'vehicles', 'locations'];

/** A field's label as the summary shows it ("Subject 1, name") and its place in the form, for sorting. */
function describe(name: string): { label: string; rank: number[] } {
  const [group, index, key] = name.split('.');
  if (ROW_ORDER.includes(group as RowsName)) {
    const kind = KINDS[group as RowsName];
    const f = kind.fields.findIndex((x) => x.key === key);
    const singular = kind.singular.charAt(0).toUpperCase() + kind.singular.slice(1);
    return {
      label: `${singular} ${Number(index) + 1}${f >= 0 ? `, ${kind.fields[f]!.label.toLowerCase()}` : ''}`,
      rank: [TOP_ORDER.length + ROW_ORDER.indexOf(group as RowsName), Number(index), f],
    };
  }
  return { label: TOP_LABELS[name] ?? name, rank: [TOP_ORDER.indexOf(name)] };
}

function byRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The form's errors as (field name, label, message), in form order, for the summary. */
function problemsOf(errors: FieldErrors<CallValues>) {
  return flatten(errors)
    .map((p) => ({ ...p, ...describe(p.name) }))
    .sort((a, b) => byRank(a.rank, b.rank));
}

/** The form's errors as (field name, message) pairs. */
function flatten(errors: FieldErrors<CallValues>, prefix = ''): { name: string; message: string }[] {
  const out: { name: string; message: string }[] = [];
  for (const [key, value] of Object.entries(errors)) {
    if (!value || key === 'ref' || key === 'root') continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof (value as { message?: unknown }).message === 'string') out.push({ name, message: (value as { message: string }).message });
    else if (typeof value === 'object') out.push(...flatten(value as FieldErrors<CallValues>, name));
  }
  return out;
}
