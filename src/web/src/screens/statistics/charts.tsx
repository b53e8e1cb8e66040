/**
 * The statistics screen's charts, drawn as SVG by visx (React renders every
 * element; visx injects no <style> and sets no style attribute, so the
 * console's CSP holds; colours and lines come from styles.css classes, so
 * they print). Each chart is an image for screen readers, named by its
 * caller, with the same figures in a table beside it (Statistics.tsx).
 */
import { AxisBottom, AxisLeft, AxisRight } from '@visx/axis';
import { Group } from '@visx/group';
import { scaleLinear, scaleUtc } from '@visx/scale';
import { Bar, LinePath } from '@visx/shape';
import { useLayoutEffect, useRef, useState } from 'react';
import type { ThreatLevel } from '../../gql/graphql';
import { humanise } from '../../ui/ui';
import { dayNumber, showDay } from './period';

/** The width the chart has, followed as the window changes (a chart is drawn at its real size, so its words stay readable). */
function useWidth(fallback = 640) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || fallback);
    const observer = new ResizeObserver((entries) => setWidth(Math.floor(entries[0]!.contentRect.width) || fallback));
    observer.observe(el);
    return () => observer.disconnect();
  }, [fallback]);
  return [ref, width] as const;
}

/** A figure in a chart: a count, or null where the published table hides it (drawn as its words, never as a bar). */
export interface ChartValue {
  count: number | null;
  display: string;
}

const tick = { fontSize: 12, className: 'chart-tick' };
const integer = (v: unknown) => (Number.isInteger(Number(v)) ? String(v) : '');

/**
 * A chart's key. A line series (`line`) is keyed by a short piece of the chart's own line, drawn in SVG, so a dashed
 * line prints dashed: a CSS pattern (a gradient, a dashed border) reaches a PDF in a form Ghostscript, what CUPS
 * prints PDF through on Linux, draws blank or solid.
 */
function Legend({ series }: { series: readonly { label: string; className: string; line?: boolean }[] }) {
  return (
    <ul className="chart-legend" aria-hidden="true">
      {series.map((s) => (
        <li key={s.label}>
          {s.line ? (
            <svg className="swatch-line" width="22" height="10" focusable="false">
              <line x1="0" y1="5" x2="22" y2="5" className={`trend-line ${s.className}`} />
            </svg>
          ) : (
            <span className={`swatch ${s.className}`} />
          )}{' '}
          {s.label}
        </li>
      ))}
    </ul>
  );
}

/**
 * Horizontal bars, one group per category and one bar per series (this
 * period and the previous one; or OVERSIGHT's weeks). A hidden figure is
 * written in words where its bar would start.
 */
export function BarChart({ label, categories, series, value }: { label: string; categories: readonly string[]; series: readonly string[]; value: (category: number, series: number) => ChartValue }) {
  const [ref, width] = useWidth();
  const bar = series.length > 3 ? 9 : 12;
  // On a narrow window each group's name goes above its bars, across the whole width, rather than cut short beside them.
  const narrow = width < 480;
  const labelRoom = narrow ? 16 : 0;
  const rowHeight = series.length * bar + 10 + labelRoom;
  const labelWidth = narrow ? 8 : Math.min(210, Math.round(width * 0.38));
  const valueRoom = 90;
  const axisHeight = 26;
  const height = categories.length * rowHeight + axisHeight + 4;
  let max = 0;
  categories.forEach((_, c) => series.forEach((_, s) => (max = Math.max(max, value(c, s).count ?? 0))));
  const x = scaleLinear<number>({ domain: [0, Math.max(4, max)], range: [0, Math.max(40, width - labelWidth - valueRoom)], nice: true });
  const seriesClasses = series.map((s, i) => ({ label: s, className: `series-${i}` }));
  const chars = Math.max(8, Math.floor((narrow ? width : labelWidth) / 7));
  return (
    <div ref={ref} className="chart">
      <Legend series={seriesClasses} />
      <svg width={width} height={height} role="img" aria-label={`${label}: bar chart. The figures are in the table that follows.`}>
        <Group left={labelWidth}>
          {categories.map((name, c) => (
            <g key={name} transform={`translate(0, ${c * rowHeight + 4})`}>
              <text x={narrow ? -8 : -6} y={narrow ? 11 : (series.length * bar) / 2 + 4} textAnchor={narrow ? 'start' : 'end'} className="chart-label">
                <title>{name}</title>
                {name.length > chars ? `${name.slice(0, chars - 1)}…` : name}
              </text>
              {series.map((_, s) => {
                const v = value(c, s);
                const y = labelRoom + s * bar;
                const w = v.count === null ? 0 : x(v.count);
                return (
                  <g key={s}>
                    {v.count !== null && <Bar x={0} y={y} width={Math.max(v.count > 0 ? 1 : 0, w)} height={bar - 2} className={`bar series-${s}`} />}
                    <text x={w + 4} y={y + bar - 3} className={v.count === null ? 'chart-value hidden-figure' : 'chart-value'}>
                      {v.display}
                    </text>
                  </g>
                );
              })}
            </g>
          ))}
          <AxisBottom top={categories.length * rowHeight + 4} scale={x} numTicks={Math.max(2, Math.floor((width - labelWidth) / 90))} tickFormat={integer} tickLabelProps={tick} axisClassName="chart-axis" />
        </Group>
      </svg>
    </div>
  );
}

export const THREAT_LEVEL_ORDER: readonly ThreatLevel[] = ['LOW', 'MODERATE', 'SUBSTANTIAL', 'SEVERE', 'CRITICAL'];

export interface TrendPoint {
  /** The bucket's first and last UTC days. */
  start: string;
  end: string;
  now: ChartValue;
  /** The same bucket of the previous period (by position), if any. */
  previous: ChartValue | null;
}

/**
 * Counts over time (this period solid, the previous period dashed, laid on
 * the same days) and the national threat level as a step line on the same
 * time axis, its levels on the right-hand axis.
 */
export function TrendChart({ label, from, to, points, threat, height = 260 }: { label: string; from: string; to: string; points: readonly TrendPoint[]; threat: readonly { level: ThreatLevel; since: string | null }[]; /** Pixels; the one-page committee report draws it lower. */ height?: number }) {
  const [ref, width] = useWidth();
  const margin = { top: 12, right: width < 500 ? 78 : 96, bottom: 30, left: 40 };
  const innerW = Math.max(60, width - margin.left - margin.right);
  const innerH = height - margin.top - margin.bottom;
  const start = dayNumber(from) * 86_400_000;
  const end = (dayNumber(to) + 1) * 86_400_000;
  const x = scaleUtc<number>({ domain: [new Date(start), new Date(end)], range: [0, innerW] });
  const max = Math.max(4, ...points.flatMap((p) => [p.now.count ?? 0, p.previous?.count ?? 0]));
  const y = scaleLinear<number>({ domain: [0, max], range: [innerH, 0], nice: true });
  const level = scaleLinear<number>({ domain: [0, THREAT_LEVEL_ORDER.length - 1], range: [innerH - 8, 8] });
  const mid = (p: TrendPoint) => ((dayNumber(p.start) + dayNumber(p.end) + 1) / 2) * 86_400_000;
  // The threat level as steps: each level from its setting (or the period's start) to the next one.
  let path = '';
  threat.forEach((t, i) => {
    const a = Math.max(start, t.since ? Date.parse(t.since) : start);
    const b = i + 1 < threat.length ? Math.max(start, Date.parse(threat[i + 1]!.since!)) : end;
    const ly = level(THREAT_LEVEL_ORDER.indexOf(t.level));
    path += `${i === 0 ? 'M' : 'V'}${i === 0 ? `${x(new Date(a))},${ly}` : ly}H${x(new Date(Math.min(b, end)))}`;
  });
  const dayTicks = Math.max(2, Math.min(points.length, Math.floor(innerW / 80)));
  return (
    <div ref={ref} className="chart">
      <Legend
        series={[
          { label: 'This period', className: 'series-0' },
          { label: 'Previous period, laid on the same days', className: 'series-1 dashed', line: true },
          { label: 'National threat level (right-hand scale)', className: 'threat' },
        ]}
      />
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: line chart with the national threat level. The figures are in the table that follows.`}>
        <Group left={margin.left} top={margin.top}>
          <path d={path} className="threat-line" />
          <LinePath data={[...points].filter((p) => p.previous?.count != null)} x={(p) => x(new Date(mid(p)))} y={(p) => y(p.previous!.count!)} className="trend-line series-1 dashed" />
          <LinePath data={[...points]} defined={(p) => p.now.count !== null} x={(p) => x(new Date(mid(p)))} y={(p) => y(p.now.count ?? 0)} className="trend-line series-0" />
          {points.map((p) =>
            p.previous?.count != null ? <circle key={`before-${p.start}`} cx={x(new Date(mid(p)))} cy={y(p.previous.count)} r={3} className="trend-point series-1" /> : null,
          )}
          {points.map((p) =>
            p.now.count === null ? (
              <text key={p.start} x={x(new Date(mid(p)))} y={innerH - 4} textAnchor="middle" className="chart-value hidden-figure">
                {p.now.display === 'fewer than 5' ? '<5' : 'hidden'}
              </text>
            ) : (
              <circle key={p.start} cx={x(new Date(mid(p)))} cy={y(p.now.count)} r={3} className="trend-point series-0" />
            ),
          )}
          <AxisLeft scale={y} numTicks={5} tickFormat={integer} tickLabelProps={{ ...tick, textAnchor: 'end', dx: -4, dy: 4 }} axisClassName="chart-axis" />
          <AxisRight
            left={innerW}
            scale={level}
            tickValues={THREAT_LEVEL_ORDER.map((_, i) => i)}
            tickFormat={(v) => humanise(THREAT_LEVEL_ORDER[Number(v)] ?? '')}
            tickLabelProps={{ ...tick, dx: 2, dy: 4 }}
            axisClassName="chart-axis threat-axis"
          />
          <AxisBottom top={innerH} scale={x} numTicks={dayTicks} tickFormat={(d) => showDay(new Date(d as Date).toISOString().slice(0, 10)).slice(0, 5)} tickLabelProps={{ ...tick, textAnchor: 'middle' }} axisClassName="chart-axis" />
        </Group>
      </svg>
    </div>
  );
}
