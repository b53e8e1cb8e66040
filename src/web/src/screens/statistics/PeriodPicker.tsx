/**
 * The statistics period: two dates, dd/mm/yyyy, with one button to apply them
 * (kept in the address by useStatisticsPeriod). Errors appear in a summary
 * and beside the field, as GOV.UK forms do.
 */
import { useState, type FormEvent, type JSX } from 'react';
import { dayNumber, dayOf, ukDate, useStatisticsPeriod } from './period';

/** dd/mm/yyyy → YYYY-MM-DD, or null when it is not a real date. */
function parseUkDate(text: string): string | null {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const iso = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return !Number.isNaN(dayNumber(iso)) && dayOf(dayNumber(iso)) === iso ? iso : null;
}

export function PeriodPicker(): JSX.Element {
  const { from, to, setPeriod } = useStatisticsPeriod();
  const [fromText, setFromText] = useState(ukDate(from));
  const [toText, setToText] = useState(ukDate(to));
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = parseUkDate(fromText);
    const t = parseUkDate(toText);
    const next: { from?: string; to?: string } = {};
    if (!f) next.from = 'Enter the first day as dd/mm/yyyy';
    if (!t) next.to = 'Enter the last day as dd/mm/yyyy';
    if (f && t && dayNumber(t) < dayNumber(f)) next.to = 'The last day must be the same as or after the first day';
    setErrors(next);
    if (!next.from && !next.to) setPeriod(f!, t!);
  };

  const list = Object.entries(errors).filter(([, v]) => v);
  return (
    <form className="period-picker" onSubmit={apply} noValidate aria-label="Period">
      {list.length > 0 && (
        <div className="alert error" role="alert">
          <h2>There is a problem</h2>
          <ul>
            {list.map(([k, v]) => (
              <li key={k}>
                <a href={`#period-${k}`}>{v}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="actions align-end">
        <div className="field">
          <label htmlFor="period-from">From</label>
          <span className="hint" id="period-from-hint">
            dd/mm/yyyy
          </span>
          {errors.from && <span className="field-error">{errors.from}</span>}
          <input id="period-from" inputMode="numeric" aria-describedby="period-from-hint" aria-invalid={!!errors.from} value={fromText} onChange={(e) => setFromText(e.target.value)} size={10} />
        </div>
        <div className="field">
          <label htmlFor="period-to">To</label>
          <span className="hint" id="period-to-hint">
            dd/mm/yyyy, included
          </span>
          {errors.to && <span className="field-error">{errors.to}</span>}
          <input id="period-to" inputMode="numeric" aria-describedby="period-to-hint" aria-invalid={!!errors.to} value={toText} onChange={(e) => setToText(e.target.value)} size={10} />
        </div>
        <div className="field">
          <button type="submit">Show period</button>
        </div>
      </div>
    </form>
  );
}
