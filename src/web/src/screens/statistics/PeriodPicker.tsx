/**
 * The statistics period: two days, dd/mm/yyyy, both included (UTC days), and
 * one button. Errors follow the GOV.UK pattern: a summary at the top linking
 * to each field, and the message again next to the field. The chosen period
 * goes in the address (period.ts), which every statistics screen reads.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { TextField } from '../../ui/ui';
import { daysIn, readDay, showDay, useStatisticsPeriod } from './period';

/** The longest period the server answers (src/reports/desk/statistics.ts: STATISTICS_MAX_DAYS). */
const MAX_DAYS = 3 * 366;

export function PeriodPicker() {
  const { from, to, setPeriod } = useStatisticsPeriod();
  const [text, setText] = useState({ from: showDay(from), to: showDay(to) });
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});
  // Another screen (or Back) changed the period: show it.
  useEffect(() => setText({ from: showDay(from), to: showDay(to) }), [from, to]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const f = readDay(text.from);
    const t = readDay(text.to);
    const next: { from?: string; to?: string } = {};
    if (!f) next.from = 'Enter the first day as dd/mm/yyyy, for example 01/11/2026';
    if (!t) next.to = 'Enter the last day as dd/mm/yyyy, for example 28/11/2026';
    if (f && t && f > t) next.to = 'The last day must be the same as or after the first day';
    if (f && t && f <= t && daysIn(f, t) > MAX_DAYS) next.to = `The period can be at most ${MAX_DAYS} days`;
    setErrors(next);
    if (next.from || next.to) {
      document.getElementById(next.from ? 'period-from' : 'period-to')?.focus();
      return;
    }
    setPeriod(f!, t!);
  }

  const problems = (['from', 'to'] as const).filter((k) => errors[k]);
  return (
    <form className="period-picker" onSubmit={submit} noValidate aria-labelledby="period-title">
      <h2 id="period-title">Period</h2>
      {problems.length > 0 && (
        <div className="alert error error-summary" role="alert">
          <h3>There is a problem</h3>
          <ul>
            {problems.map((k) => (
              <li key={k}>
                <a href={`#period-${k}`}>{errors[k]}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="actions align-end">
        <TextField id="period-from" label="From" hint="First day, dd/mm/yyyy" inputMode="numeric" autoComplete="off" value={text.from} error={errors.from} onChange={(e) => setText({ ...text, from: e.target.value })} />
        <TextField id="period-to" label="To" hint="Last day, included" inputMode="numeric" autoComplete="off" value={text.to} error={errors.to} onChange={(e) => setText({ ...text, to: e.target.value })} />
        <button type="submit" className="primary">
          Show figures
        </button>
      </div>
      <p className="hint">
        Showing {showDay(from)} to {showDay(to)} ({daysIn(from, to)} {daysIn(from, to) === 1 ? 'day' : 'days'}, UTC days).
      </p>
    </form>
  );
}
