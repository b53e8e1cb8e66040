/**
 * /statistics/report: the printable one-page committee report (the print
 * stylesheet is in styles.css, "@media print"): title, period, key figures,
 * reports received per week (the statistics screen's visx trend chart, SVG so
 * it prints, with its figures as a table for screen readers), the London tile
 * map, the published tables and notes on suppression. The
 * figures are the published, suppressed tables whoever opens it, and opening
 * it is recorded in the audit log (statistics.export, format PRINT:
 * src/reports/desk/statistics-export.ts).
 */
import { useQuery } from '@tanstack/react-query';
import { request } from '../../../api/client';
import { graphql } from '../../../gql';
import type { StatisticsReportMutation } from '../../../gql/graphql';
import { humanise, QueryState } from '../../../ui/ui';
import { CATEGORY_LABELS } from '../../intake/model';
import { RiseList } from '../london/LondonTable';
import { TileMap } from '../london/TileMap';
import { TrendChart, type TrendPoint } from '../charts';
import { showDay, useStatisticsPeriod } from '../period';
import { threatDuring } from '../threat';

const STATISTICS_REPORT = graphql(`
  mutation StatisticsReport($period: LondonPeriod!) {
    statisticsReport(period: $period) {
      period { from to }
      tables { id measure by total { value count display suppression } cells { value count display suppression } }
      weeks { start end count display suppression }
      previousWeeks { start end count display suppression }
      threatLevels { level since }
      london {
        period { from to }
        previous { from to }
        baseline { from to }
        published
        total { count display previous previousDisplay }
        tiles { borough row column inGrid count display suppression previous previousDisplay change rises { category count baselineMean p } }
      }
    }
  }
`);

type Table = StatisticsReportMutation['statisticsReport']['tables'][number];
type ReportData = StatisticsReportMutation['statisticsReport'];

/**
 * Reports received per week, as published, the weeks before laid over them and the threat level: the chart the
 * statistics screen draws, lower to keep the report on one page; its figures follow as a table for screen readers
 * only (the printed page has the chart's own labels, and no room for both).
 */
function ReportTrend({ r }: { r: ReportData }) {
  const points: TrendPoint[] = r.weeks.map((w, i) => {
    const before = r.previousWeeks[i];
    return { start: w.start, end: w.end, now: { count: w.count ?? null, display: w.display }, previous: before ? { count: before.count ?? null, display: before.display } : null };
  });
  const title = 'Reports received per week';
  return (
    <section aria-labelledby="report-trend">
      <h2 id="report-trend">{title}</h2>
      <p className="small">Against the {r.previousWeeks.length === 1 ? 'week' : `${r.previousWeeks.length} weeks`} before (dashed), with the national threat level.</p>
      <TrendChart label={title} from={r.period.from} to={r.period.to} points={points} threat={r.threatLevels} height={170} />
      <table className="sr-only">
        <caption>{title}, with the weeks before and the national threat level</caption>
        <thead>
          <tr>
            <th scope="col">Week</th>
            <th scope="col">Received</th>
            <th scope="col">Same week of the previous period</th>
            <th scope="col">National threat level</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.start}>
              <th scope="row">
                {showDay(p.start)} to {showDay(p.end)}
              </th>
              <td>{p.now.display}</td>
              <td>{p.previous?.display ?? '—'}</td>
              <td>{threatDuring(r.threatLevels, p.start, p.end)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const TITLES: Record<string, string> = {
  'received-by-channel': 'Reports received by channel',
  'received-by-category': 'Reports received by category',
  'triaged-by-desk': 'Reports routed, by desk',
  'claimed-by-sla': 'Reports claimed within their deadline',
  'closed-by-outcome': 'Reports closed, by outcome',
};
const valueName = (t: Table, v: string) => (t.by === 'CATEGORY' ? ((CATEGORY_LABELS as Record<string, string>)[v] ?? v) : t.by === 'SLA' ? (v === 'MET' ? 'Within deadline' : 'After deadline') : humanise(v));

function PeriodTable({ table }: { table: Table }) {
  return (
    <table className="report-table">
      <caption>{TITLES[table.id] ?? table.id}</caption>
      <thead>
        <tr>
          <th scope="col">{table.by === 'SLA' ? 'Deadline' : humanise(table.by)}</th>
          <th scope="col">Reports</th>
        </tr>
      </thead>
      <tbody>
        {table.cells.map((c) => (
          <tr key={c.value ?? ''}>
            <th scope="row">{valueName(table, c.value ?? '')}</th>
            <td>{c.display}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">Total</th>
          <td>{table.total.display}</td>
        </tr>
      </tbody>
    </table>
  );
}

export function Report() {
  const { from, to } = useStatisticsPeriod();
  // Opening the report is audited on the server: asked once per period, never refetched behind the reader's back.
  const query = useQuery({ queryKey: ['statisticsReport', from, to], queryFn: () => request(STATISTICS_REPORT, { period: { from, to } }), staleTime: Infinity, refetchOnWindowFocus: false, retry: false });
  return (
    <div className="committee-report">
      <QueryState query={query} loading="Preparing the committee report">
        {(data) => {
          const r = data.statisticsReport;
          const total = (id: string) => r.tables.find((t) => t.id === id)?.total.display ?? '—';
          return (
            <>
              <h1>Anti-terrorist hotline: statistics for the committee</h1>
              <p>
                <strong>
                  Period: {showDay(r.period.from)} to {showDay(r.period.to)}
                </strong>{' '}
                (whole weeks, Monday to Sunday). Printed from the hotline console; published figures only.
              </p>
              <p className="actions no-print">
                <button type="button" className="primary" onClick={() => window.print()}>
                  Print this report
                </button>
              </p>
              <div className="report-lead">
                <section aria-labelledby="key-figures">
                  <h2 id="key-figures">Key figures</h2>
                  <dl className="key-figures">
                    <div>
                      <dt>Reports received</dt>
                      <dd>{total('received-by-channel')}</dd>
                    </div>
                    <div>
                      <dt>Routed to a desk</dt>
                      <dd>{total('triaged-by-desk')}</dd>
                    </div>
                    <div>
                      <dt>Claimed by an investigator</dt>
                      <dd>{total('claimed-by-sla')}</dd>
                    </div>
                    <div>
                      <dt>Closed</dt>
                      <dd>{total('closed-by-outcome')}</dd>
                    </div>
                  </dl>
                </section>
                <ReportTrend r={r} />
              </div>
              <section aria-labelledby="report-london">
                <h2 id="report-london">Reports received by borough</h2>
                <TileMap picture={r.london} colourBy="volume" />
                <h3>Unusual rises</h3>
                <RiseList picture={r.london} />
              </section>
              <section aria-labelledby="report-tables">
                <h2 id="report-tables">Tables</h2>
                <div className="report-columns">
                  {r.tables.map((t) => (
                    <PeriodTable key={t.id} table={t} />
                  ))}
                </div>
              </section>
              <section aria-labelledby="report-notes">
                <h2 id="report-notes">Notes</h2>
                <ul className="small">
                  <li>Figures are counted week by week and published as tables. A count from 1 to 4 is shown as "fewer than 5"; another figure may be "suppressed" so that no total or difference reveals a small count. A figure over the period is given only where every week's figure is published.</li>
                  <li>A report may have several categories, so the categories can add up to more than the reports received.</li>
                  <li>An unusual rise is a borough's count this period against the 8 periods before it (a one-sided Poisson test, p &lt; 0.01, at least 5 reports); it says the count is unusual, not why.</li>
                </ul>
              </section>
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
