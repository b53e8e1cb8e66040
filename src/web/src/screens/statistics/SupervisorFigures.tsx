/**
 * A supervisor's statistics: exact figures, any grouping. Each figure is this
 * period beside the previous one of the same length, with the change (exact
 * counts may be subtracted; OVERSIGHT's published figures never are:
 * PublishedFigures.tsx).
 */
import { useState } from 'react';
import type { StatisticsDimension, StatisticsInterval, StatisticsMeasure } from '../../gql/graphql';
import { DataTable } from '../../ui/DataTable';
import { QueryState, Select } from '../../ui/ui';
import { BarChart, TrendChart, type TrendPoint } from './charts';
import { DIMENSION_NAMES, Figure, MEASURE_NAMES, groupKey, groupName, rangeText, useFigures, valueName, type FigureRow, type Figures } from './figures';
import { addDays, daysIn, showDay, wholeWeeksIn } from './period';
import { threatDuring } from './threat';

type Period = { from: string; to: string };

/** "+3 (+25%)", "−2 (−10%)", "no change", "+4 (none before)". */
export function change(now: number, before: number): string {
  const d = now - before;
  if (d === 0) return 'no change';
  const sign = d > 0 ? '+' : '−';
  if (before === 0) return `${sign}${Math.abs(d)} (none before)`;
  return `${sign}${Math.abs(d)} (${sign}${Math.round((Math.abs(d) / before) * 100)}%)`;
}

/** This period's and the previous period's rows of one grouping, matched by group: the total first, then the groups by this period's count. */
function compare(now: Figures, before: Figures) {
  const rows = new Map<string, { key: string; name: string; now: FigureRow | null; before: FigureRow | null }>();
  for (const r of now.rows) rows.set(groupKey(r), { key: groupKey(r), name: groupName(r), now: r, before: null });
  for (const r of before.rows) {
    const k = groupKey(r);
    rows.set(k, { ...(rows.get(k) ?? { key: k, name: groupName(r), now: null }), before: r });
  }
  const all = [...rows.values()];
  const total = all.find((r) => r.key === '')!;
  const groups = all.filter((r) => r.key !== '').sort((a, b) => (b.now?.count ?? 0) - (a.now?.count ?? 0) || (b.before?.count ?? 0) - (a.before?.count ?? 0) || a.name.localeCompare(b.name));
  return [total, ...groups];
}

const SERIES = ['This period', 'Previous period'];
/** At most this many groups in a chart (the largest); the table has them all. */
const CHART_GROUPS = 12;

/** One grouping of one measure: chart of the largest groups and the table of all, this period against the previous one. */
export function Comparison({ id, title, hint, measure, by, period, previous }: { id: string; title: string; hint?: string; measure: StatisticsMeasure; by: StatisticsDimension[]; period: Period; previous: Period }) {
  const now = useFigures(period, measure, by);
  const before = useFigures(previous, measure, by);
  const both = now.data && before.data ? { now: now.data, before: before.data } : undefined;
  const query = { isLoading: now.isLoading || before.isLoading, error: now.error ?? before.error, data: both, refetch: () => Promise.all([now.refetch(), before.refetch()]) };
  const header = by.map((d, i) => (i ? DIMENSION_NAMES[d].toLowerCase() : DIMENSION_NAMES[d])).join(' and ');
  return (
    <QueryState query={query} loading={`Loading ${title.toLowerCase()}`}>
      {(d) => {
        const rows = compare(d.now, d.before);
        const groups = rows.slice(1);
        const charted = groups.slice(0, CHART_GROUPS);
        const more = groups.length > CHART_GROUPS ? ` The chart shows the ${CHART_GROUPS} largest; the table has all ${groups.length}.` : '';
        const timed = rows.some((r) => r.now?.median || r.before?.median);
        return (
          <Figure
            id={id}
            title={title}
            hint={`${hint ?? ''}${more}`.trim() || undefined}
            chart={
              groups.length > 0 && by.length === 1 ? (
                <BarChart label={title} categories={charted.map((r) => r.name)} series={SERIES} value={(c, s) => {
                  const row = s === 0 ? charted[c]!.now : charted[c]!.before;
                  return { count: row?.count ?? 0, display: String(row?.count ?? 0) };
                }} />
              ) : undefined
            }
            table={
              <DataTable
                caption={`${title}: this period and the previous one`}
                captionHidden
                rows={rows}
                rowKey={(r) => r.key || 'total'}
                rowClassName={(r) => (r.key === '' ? 'total-row' : undefined)}
                columns={[
                  { header: header, rowHeader: true, cell: (r) => r.name },
                  { header: 'This period', className: 'num', cell: (r) => r.now?.count ?? 0 },
                  { header: 'Previous period', className: 'num', cell: (r) => r.before?.count ?? 0 },
                  { header: 'Change', className: 'num', cell: (r) => change(r.now?.count ?? 0, r.before?.count ?? 0) },
                  ...(timed
                    ? [
                        { header: 'Median time from receipt', cell: (r: (typeof rows)[number]) => rangeText(r.now?.median ?? null) },
                        { header: '90% within', cell: (r: (typeof rows)[number]) => rangeText(r.now?.p90 ?? null) },
                        { header: 'Median, previous period', cell: (r: (typeof rows)[number]) => rangeText(r.before?.median ?? null) },
                      ]
                    : []),
                ]}
              />
            }
          />
        );
      }}
    </QueryState>
  );
}

/** Reports received per day or per week, the previous period laid over it, and the national threat level on the same time axis. */
function Trend({ period, previous }: { period: Period; previous: Period }) {
  const [interval, setInterval] = useState<StatisticsInterval>(daysIn(period.from, period.to) > 62 ? 'WEEK' : 'DAY');
  const now = useFigures(period, 'RECEIVED', [], interval);
  const before = useFigures(previous, 'RECEIVED', [], interval);
  const both = now.data && before.data ? { now: now.data, before: before.data } : undefined;
  const query = { isLoading: now.isLoading || before.isLoading, error: now.error ?? before.error, data: both, refetch: () => Promise.all([now.refetch(), before.refetch()]) };
  const title = `Reports received per ${interval === 'WEEK' ? 'week' : 'day'}`;
  return (
    <section aria-labelledby="trend-section">
      <h2 id="trend-section">Over time</h2>
      <Select
        label="Show the trend"
        className="inline-select"
        value={interval}
        onChange={(e) => setInterval(e.target.value as StatisticsInterval)}
        options={[
          { value: 'DAY', label: 'Per day' },
          { value: 'WEEK', label: 'Per week (Monday to Sunday)' },
        ]}
      />
      <QueryState query={query} loading="Loading the trend">
        {(d) => {
          const points: TrendPoint[] = d.now.rows.map((r, i) => {
            const p = d.before.rows[i];
            return { start: r.start, end: r.end, now: { count: r.count, display: r.display }, previous: p ? { count: p.count, display: p.display } : null };
          });
          return (
            <Figure
              id="trend-title"
              title={title}
              hint={`${showDay(period.from)} to ${showDay(period.to)}, against ${showDay(previous.from)} to ${showDay(previous.to)}. The national threat level is drawn on the same days.`}
              chart={<TrendChart label={title} from={period.from} to={period.to} points={points} threat={d.now.threatLevels} />}
              table={
                <DataTable
                  caption={`${title}, with the previous period and the national threat level`}
                  captionHidden
                  rows={points}
                  rowKey={(p) => p.start}
                  columns={[
                    { header: interval === 'WEEK' ? 'Week' : 'Day', rowHeader: true, cell: (p) => (p.start === p.end ? showDay(p.start) : `${showDay(p.start)} to ${showDay(p.end)}`) },
                    { header: 'Received', className: 'num', cell: (p) => p.now.display },
                    { header: 'Previous period', className: 'num', cell: (p) => p.previous?.display ?? '—' },
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

/** The share claimed within the deadline (SLA met), per desk or per priority, this period and the previous one. */
function SlaCompliance({ id, by, period, previous }: { id: string; by: 'DESK' | 'PRIORITY'; period: Period; previous: Period }) {
  const now = useFigures(period, 'CLAIMED', [by, 'SLA']);
  const before = useFigures(previous, 'CLAIMED', [by, 'SLA']);
  const both = now.data && before.data ? { now: now.data, before: before.data } : undefined;
  const query = { isLoading: now.isLoading || before.isLoading, error: now.error ?? before.error, data: both, refetch: () => Promise.all([now.refetch(), before.refetch()]) };
  const title = `Claimed within the deadline, by ${DIMENSION_NAMES[by].toLowerCase()}`;
  return (
    <QueryState query={query} loading={`Loading ${title.toLowerCase()}`}>
      {(d) => {
        const tally = (f: Figures) => {
          const out = new Map<string, { met: number; missed: number }>();
          for (const r of f.rows) {
            const value = r.group.find((g) => g.dimension === by)?.value;
            const sla = r.group.find((g) => g.dimension === 'SLA')?.value;
            if (!value || !sla) continue;
            const t = out.get(value) ?? { met: 0, missed: 0 };
            if (sla === 'MET') t.met += r.count ?? 0;
            else t.missed += r.count ?? 0;
            out.set(value, t);
          }
          return out;
        };
        const a = tally(d.now);
        const b = tally(d.before);
        const values = [...new Set([...a.keys(), ...b.keys()])].sort();
        const share = (t: { met: number; missed: number } | undefined) => (t && t.met + t.missed ? Math.round((t.met / (t.met + t.missed)) * 100) : null);
        const pct = (n: number | null) => (n === null ? 'none claimed' : `${n}%`);
        if (!values.length) return <Figure id={id} title={title} table={<p className="empty">Nothing was claimed in either period.</p>} />;
        return (
          <Figure
            id={id}
            title={title}
            hint="Claimed by the triage deadline, as a share of all claimed."
            chart={<BarChart label={title} categories={values.map((v) => valueName(by, v))} series={SERIES} value={(c, s) => {
              const n = share((s === 0 ? a : b).get(values[c]!));
              return { count: n ?? 0, display: pct(n) };
            }} />}
            table={
              <DataTable
                caption={`${title}: this period and the previous one`}
                captionHidden
                rows={values}
                rowKey={(v) => v}
                columns={[
                  { header: DIMENSION_NAMES[by], rowHeader: true, cell: (v) => valueName(by, v) },
                  { header: 'In time', className: 'num', cell: (v) => a.get(v)?.met ?? 0 },
                  { header: 'Late', className: 'num', cell: (v) => a.get(v)?.missed ?? 0 },
                  { header: 'Share in time', className: 'num', cell: (v) => pct(share(a.get(v))) },
                  { header: 'Share in time, previous period', className: 'num', cell: (v) => pct(share(b.get(v))) },
                ]}
              />
            }
          />
        );
      }}
    </QueryState>
  );
}

/** Time to claim per desk and priority, and how many were claimed within the deadline (SLA). */
function Claims({ period, previous }: { period: Period; previous: Period }) {
  return (
    <section aria-labelledby="claims-title">
      <h2 id="claims-title">Time to claim and deadlines</h2>
      <p className="hint">From receipt to a claim from the desk queue. A median or 90th percentile is the range of times that holds it (docs/statistics.md: durations).</p>
      <Comparison id="claims-desk-priority" title="Claimed, by desk and priority" measure="CLAIMED" by={['DESK', 'PRIORITY']} period={period} previous={previous} />
      <SlaCompliance id="sla-desk" by="DESK" period={period} previous={previous} />
      <SlaCompliance id="sla-priority" by="PRIORITY" period={period} previous={previous} />
    </section>
  );
}

const MEASURES = Object.keys(MEASURE_NAMES) as StatisticsMeasure[];
const DIMENSIONS = (Object.keys(DIMENSION_NAMES) as StatisticsDimension[]).filter((d) => d !== 'PARTNER');

/** Any measure by any one or two dimensions, partner excepted (by whole weeks only: its own figure, ByPartner, and the API). */
function OwnBreakdown({ period, previous }: { period: Period; previous: Period }) {
  const [measure, setMeasure] = useState<StatisticsMeasure>('RECEIVED');
  const [by, setBy] = useState<StatisticsDimension>('SOURCE');
  const [andBy, setAndBy] = useState<StatisticsDimension | ''>('');
  const dims = andBy && andBy !== by ? [by, andBy] : [by];
  return (
    <section aria-labelledby="own-title">
      <h2 id="own-title">Your own breakdown</h2>
      <div className="grid">
        <Select label="Count" value={measure} onChange={(e) => setMeasure(e.target.value as StatisticsMeasure)} options={MEASURES.map((m) => ({ value: m, label: MEASURE_NAMES[m] }))} />
        <Select label="By" value={by} onChange={(e) => setBy(e.target.value as StatisticsDimension)} options={DIMENSIONS.map((d) => ({ value: d, label: DIMENSION_NAMES[d] }))} />
        <Select label="And by (optional)" value={andBy} placeholder="Nothing else" onChange={(e) => setAndBy(e.target.value as StatisticsDimension | '')} options={DIMENSIONS.filter((d) => d !== by).map((d) => ({ value: d, label: DIMENSION_NAMES[d] }))} />
      </div>
      <Comparison id="own-figure" title={`${MEASURE_NAMES[measure]}, by ${dims.map((d) => DIMENSION_NAMES[d].toLowerCase()).join(' and ')}`} measure={measure} by={dims} period={period} previous={previous} />
    </section>
  );
}

/**
 * Received from partner organisations, by organisation (named, not by id): whole weeks only, as the server gives
 * partner figures, so over the whole weeks inside the period against as many weeks before.
 */
function ByPartner({ period }: { period: Period }) {
  const weeks = wholeWeeksIn(period.from, period.to);
  const title = 'Received from partner organisations, by organisation';
  if (!weeks) {
    return <Figure id="by-partner" title={title} table={<p className="empty">Partner organisations' figures are given by whole weeks, Monday to Sunday; this period holds none.</p>} />;
  }
  const before = { from: addDays(weeks.from, -7 * weeks.weeks), to: addDays(weeks.from, -1) };
  return (
    <Comparison
      id="by-partner"
      title={title}
      hint={`Whole weeks only: ${showDay(weeks.from)} to ${showDay(weeks.to)}, against ${showDay(before.from)} to ${showDay(before.to)}. The total is every report received, from a partner or not.`}
      measure="RECEIVED"
      by={['PARTNER']}
      period={{ from: weeks.from, to: weeks.to }}
      previous={before}
    />
  );
}

export function SupervisorFigures({ period, previous }: { period: Period; previous: Period }) {
  const days = daysIn(previous.from, previous.to);
  return (
    <>
      <div className="alert">
        <p>
          Exact figures. Each is compared with the previous {days} {days === 1 ? 'day' : 'days'}: {showDay(previous.from)} to {showDay(previous.to)}.
        </p>
      </div>
      <Trend period={period} previous={previous} />
      <section aria-labelledby="breakdowns-title">
        <h2 id="breakdowns-title">Breakdowns</h2>
        <Comparison id="by-channel" title="Received, by channel" measure="RECEIVED" by={['CHANNEL']} period={period} previous={previous} />
        <Comparison id="by-category" title="Received, by category" hint="A report with two categories counts in each, so the categories add up to more than the total." measure="RECEIVED" by={['CATEGORY']} period={period} previous={previous} />
        <Comparison id="by-borough" title="Received, by borough" measure="RECEIVED" by={['BOROUGH']} period={period} previous={previous} />
        <Comparison id="by-desk" title="Routed, by desk" measure="TRIAGED" by={['DESK']} period={period} previous={previous} />
        <Comparison id="by-outcome" title="Closed, by outcome" measure="CLOSED" by={['OUTCOME']} period={period} previous={previous} />
        <ByPartner period={period} />
      </section>
      <Claims period={period} previous={previous} />
      <OwnBreakdown period={period} previous={previous} />
    </>
  );
}
