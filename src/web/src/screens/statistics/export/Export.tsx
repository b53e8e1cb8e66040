/**
 * /statistics/export: pick a period and a view, download its CSV. The server
 * builds the file from the published, suppressed tables whoever asks, cut to
 * the whole weeks of the period, and records the export in the audit log
 * before handing it over (src/reports/desk/statistics-export.ts); nothing is
 * kept in the browser. Also the way to the printable committee report.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { request } from '../../../api/client';
import { graphql } from '../../../gql';
import type { StatisticsView } from '../../../gql/graphql';
import { ErrorMessage } from '../../../ui/ui';
import { download } from '../../oversight/AuditExport';
import { PeriodPicker } from '../PeriodPicker';
import { StatisticsNav } from '../StatisticsNav';
import { showDay, useStatisticsPeriod } from '../period';

const EXPORT_STATISTICS = graphql(`
  mutation ExportStatistics($view: StatisticsView!, $period: LondonPeriod!) {
    exportStatistics(view: $view, period: $period) { view period { from to } filename csv rows }
  }
`);

export const VIEWS: { value: StatisticsView; label: string; hint: string }[] = [
  { value: 'TRENDS', label: 'Trends', hint: 'Reports received, week by week' },
  { value: 'CHANNEL', label: 'By channel', hint: 'Reports received by intake channel' },
  { value: 'CATEGORY', label: 'By category', hint: 'Reports received by threat category (a report may have several)' },
  { value: 'BOROUGH', label: 'By borough', hint: 'Reports received by borough' },
  { value: 'DESK', label: 'By desk', hint: 'Reports routed to each desk, with time from receipt' },
  { value: 'OUTCOME', label: 'By outcome', hint: 'Reports closed, by outcome, with time from receipt' },
  { value: 'TIME_TO_CLAIM', label: 'Time to claim', hint: 'Reports claimed by priority, with time from receipt' },
  { value: 'SLA', label: 'SLA', hint: 'Reports claimed within or after their deadline' },
  { value: 'LONDON', label: 'London picture', hint: 'Reports received per borough tile, the previous period and unusual rises' },
  { value: 'PARTNER', label: 'By partner organisation', hint: 'Reports received from partner organisations, by organisation name' },
];

export function Export() {
  const { from, to } = useStatisticsPeriod();
  const [view, setView] = useState<StatisticsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const exporter = useMutation({
    mutationFn: (v: StatisticsView) => request(EXPORT_STATISTICS, { view: v, period: { from, to } }),
    onSuccess: (data) => download(data.exportStatistics.filename, data.exportStatistics.csv),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!view) return setError('Choose what to export');
    setError(null);
    exporter.mutate(view);
  };
  const done = exporter.data?.exportStatistics;
  return (
    <>
      <h1>Export statistics</h1>
      <StatisticsNav />
      <section>
        <PeriodPicker />
      </section>
      <section aria-labelledby="export-heading">
        <h2 id="export-heading">Download a CSV</h2>
        <p>
          Every export holds the published figures: whole weeks from Monday to Sunday inside the period ({showDay(from)} to {showDay(to)}), a count from 1 to 4 shown as "fewer than 5"
          and another figure "suppressed" where a total would give it away, then the whole period where every week's figure is shown. Each export is recorded in the audit log.
        </p>
        {error && (
          <div className="alert error" role="alert">
            <h2>There is a problem</h2>
            <ul>
              <li>
                <a href="#view-TRENDS">{error}</a>
              </li>
            </ul>
          </div>
        )}
        <form onSubmit={submit} noValidate>
          <fieldset aria-describedby={error ? 'view-error' : undefined}>
            <legend>What to export</legend>
            {error && (
              <span className="field-error" id="view-error">
                {error}
              </span>
            )}
            {VIEWS.map((v) => (
              <div className="radio" key={v.value}>
                <input type="radio" id={`view-${v.value}`} name="view" value={v.value} checked={view === v.value} onChange={() => setView(v.value)} aria-describedby={`view-${v.value}-hint`} />
                <label htmlFor={`view-${v.value}`}>
                  {v.label} <span className="hint" id={`view-${v.value}-hint`}>— {v.hint}</span>
                </label>
              </div>
            ))}
          </fieldset>
          <button type="submit" className="primary" disabled={exporter.isPending}>
            {exporter.isPending ? 'Preparing the CSV…' : 'Download CSV'}
          </button>
        </form>
        <div aria-live="polite">
          {done && !exporter.isPending && (
            <p className="small" role="status">
              Downloaded {done.filename}: {done.rows} rows, {showDay(done.period.from)} to {showDay(done.period.to)}. The export is recorded in the audit log.
            </p>
          )}
        </div>
        <ErrorMessage error={exporter.error} />
      </section>
      <section aria-labelledby="report-heading">
        <h2 id="report-heading">Committee report</h2>
        <p>A one-page report of the same published figures, with the London picture, to print or save as PDF. Opening it is recorded in the audit log.</p>
        <p>
          <Link to={`/statistics/report?from=${from}&to=${to}`}>Open the committee report</Link>
        </p>
      </section>
    </>
  );
}
