/**
 * OVERSIGHT's statistics: built only from the published tables
 * (src/reports/desk/statistics-tables.ts), as the server gives them: whole
 * weeks, each week on its own, a small count shown as "fewer than 5" and a
 * figure hidden so that no total gives one away shown as "suppressed". Nothing
 * here adds weeks together, subtracts or otherwise works a figure out from
 * others: every number on the screen is one the server published. No free
 * grouping: the tables are the list.
 */
import { DataTable } from '../../ui/DataTable';
import { Empty, QueryState } from '../../ui/ui';
import { PUBLISHED_TABLES, type PublishedTable } from './published';
import { BarChart, TrendChart, type TrendPoint } from './charts';
import { DIMENSION_NAMES, Figure, labelsOf, rangeText, useFigures, valueName, type FigureRow, type Figures } from './figures';
import { addDays, showDay, wholeWeeksIn } from './period';
import { threatDuring } from './threat';

type Weeks = { from: string; to: string; weeks: number };
/** The chart shows at most this many weeks (the latest); the table has them all. */
const CHART_WEEKS = 4;

const plural = (weeks: number) => (weeks === 1 ? '1 week' : `${weeks} weeks`);
const weeksBefore = (weeks: number) => (weeks === 1 ? 'the week before' : `the ${weeks} weeks before`);
const weekName = (start: string) => `Week from ${showDay(start)}`;

/** The table's weeks (their first days, in order) and its rows by week and value ('' the total). */
function byWeek(f: Figures) {
  const weeks = [...new Set(f.rows.map((r) => r.start))];
  const cell = new Map<string, FigureRow>();
  for (const r of f.rows) cell.set(`${r.start}|${r.group[0]?.value ?? ''}`, r);
  const values = [...new Set(f.rows.filter((r) => r.group.length).map((r) => r.group[0]!.value))].sort();
  return { weeks, values, get: (week: string, value: string) => cell.get(`${week}|${value}`) ?? null };
}

/** A published figure as the server wrote it (a cell absent from a week had no event: 0), with its durations when published. */
function Published({ row }: { row: FigureRow | null }) {
  if (!row) return <>0</>;
  return (
    <>
      <span className={row.count === null ? 'hidden-figure' : undefined}>{row.display}</span>
      {row.median && (
        <span className="small duration">
          median {rangeText(row.median)}; 90% within {rangeText(row.p90)}
        </span>
      )}
    </>
  );
}

function usePublished(table: PublishedTable, weeks: Weeks, previous: Weeks) {
  const now = useFigures(weeks, table.measure, [table.by]);
  const before = useFigures(previous, table.measure, [table.by]);
  const data = now.data && before.data ? { now: now.data, before: before.data } : undefined;
  return { isLoading: now.isLoading || before.isLoading, error: now.error ?? before.error, data, refetch: () => Promise.all([now.refetch(), before.refetch()]) };
}


function PublishedTableFigure({ table, weeks, previous }: { table: PublishedTable; weeks: Weeks; previous: Weeks }) {
  const query = usePublished(table, weeks, previous);
  const title = table.title;
  return (
    <QueryState query={query} loading={`Loading ${title.toLowerCase()}`}>
      {(d) => {
        const now = byWeek(d.now);
        const before = byWeek(d.before);
        // A partner organisation by its name (the value is its id: the key across weeks and periods).
        const labels = labelsOf(d.now, d.before);
        const name = (v: string) => valueName(table.by, v, labels.get(v));
        const values = [...new Set([...now.values, ...before.values])].sort((a, b) => name(a).localeCompare(name(b)));
        const charted = now.weeks.slice(-CHART_WEEKS);
        const columns = [
          ...now.weeks.map((w) => ({ header: weekName(w), get: (v: string) => now.get(w, v) })),
          ...before.weeks.map((w) => ({ header: `Previous period: ${weekName(w).toLowerCase()}`, get: (v: string) => before.get(w, v) })),
        ];
        return (
          <Figure
            id={`published-${table.id}`}
            title={title}
            hint={now.weeks.length > CHART_WEEKS ? `The chart shows the last ${CHART_WEEKS} weeks; the table has every week of both periods.` : undefined}
            chart={
              values.length > 0 ? (
                <BarChart
                  label={title}
                  categories={values.map(name)}
                  series={charted.map(weekName)}
                  value={(c, s) => {
                    const row = now.get(charted[s]!, values[c]!);
                    return row ? { count: row.count, display: row.display } : { count: 0, display: '0' };
                  }}
                />
              ) : (
                <Empty>Nothing was counted in these weeks.</Empty>
              )
            }
            table={
              <DataTable
                caption={`${title}, week by week, as published`}
                captionHidden
                rows={['', ...values]}
                rowKey={(v) => v || 'total'}
                rowClassName={(v) => (v === '' ? 'total-row' : undefined)}
                columns={[
                  { header: DIMENSION_NAMES[table.by], rowHeader: true, cell: (v) => (v ? name(v) : 'Total') },
                  ...columns.map((c) => ({ header: c.header, className: 'num', cell: (v: string) => <Published row={c.get(v)} /> })),
                ]}
              />
            }
          />
        );
      }}
    </QueryState>
  );
}

/** Received per week (the received tables' published total), the previous period's weeks laid over them, and the threat level. */
function PublishedTrend({ weeks, previous }: { weeks: Weeks; previous: Weeks }) {
  const query = usePublished(PUBLISHED_TABLES.find((t) => t.measure === 'RECEIVED')!, weeks, previous);
  const title = 'Reports received per week';
  return (
    <section aria-labelledby="trend-section">
      <h2 id="trend-section">Over time</h2>
      <QueryState query={query} loading="Loading the trend">
        {(d) => {
          const totals = (f: Figures) => f.rows.filter((r) => r.group.length === 0);
          const before = totals(d.before);
          const points: TrendPoint[] = totals(d.now).map((r, i) => ({
            start: r.start,
            end: r.end,
            now: { count: r.count, display: r.display },
            previous: before[i] ? { count: before[i].count, display: before[i].display } : null,
          }));
          return (
            <Figure
              id="trend-title"
              title={title}
              hint={`Weeks from ${showDay(weeks.from)} to ${showDay(weeks.to)}, against ${weeksBefore(weeks.weeks)}. The national threat level is drawn on the same days.`}
              chart={<TrendChart label={title} from={weeks.from} to={weeks.to} points={points} threat={d.now.threatLevels} />}
              table={
                <DataTable
                  caption={`${title}, with the previous period and the national threat level`}
                  captionHidden
                  rows={points}
                  rowKey={(p) => p.start}
                  columns={[
                    { header: 'Week', rowHeader: true, cell: (p) => `${showDay(p.start)} to ${showDay(p.end)}` },
                    { header: 'Received', className: 'num', cell: (p) => p.now.display },
                    { header: 'Same week of the previous period', className: 'num', cell: (p) => p.previous?.display ?? '—' },
                    { header: 'National threat level', cell: (p) => threatDuring(d.now.threatLevels, p.start, p.end) },
                  ]}
                />
              }
            />
          );
        }}
      </QueryState>
    </section>
  );
}

export function PublishedFigures({ from, to }: { from: string; to: string }) {
  const weeks = wholeWeeksIn(from, to);
  if (!weeks) {
    return (
      <div className="alert warn">
        <p>The published figures are given by whole weeks, Monday to Sunday. Choose a period that holds at least one whole week.</p>
      </div>
    );
  }
  const previous = { from: addDays(weeks.from, -7 * weeks.weeks), to: addDays(weeks.from, -1), weeks: weeks.weeks };
  return (
    <>
      <div className="alert">
        <p>
          These are the published figures: whole weeks, {showDay(weeks.from)} to {showDay(weeks.to)} ({plural(weeks.weeks)}), each week on its own, beside {weeksBefore(weeks.weeks)} ({showDay(previous.from)} to{' '}
          {showDay(previous.to)}). A count from 1 to 4 is shown as “fewer than 5”, and a figure that would give one away is shown as “suppressed”.
        </p>
      </div>
      <PublishedTrend weeks={weeks} previous={previous} />
      <section aria-labelledby="published-title">
        <h2 id="published-title">Published tables</h2>
        {PUBLISHED_TABLES.map((t) => (
          <PublishedTableFigure key={t.id} table={t} weeks={weeks} previous={previous} />
        ))}
      </section>
    </>
  );
}
