/**
 * The neighbourhood on one time axis: reports received, follow-up calls,
 * partners' additions and answers, status changes (dd/mm/yyyy, 24-hour),
 * grouped by day, filterable by a shared value (the reports holding it).
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { Empty, formatTime, Select } from '../../ui/ui';
import { nodeKindWords, timelineWords, type Chart } from './words';

const day = (iso: string) => new Date(iso).toLocaleDateString('en-GB', { weekday: 'long', day: '2-digit', month: '2-digit', year: 'numeric' });

export function Timeline({ chart }: { chart: Chart }) {
  const [entity, setEntity] = useState('');
  const entities = chart.nodes.filter((n) => n.kind === 'ENTITY');
  const holders = entity ? new Set(chart.edges.filter((e) => e.kind === 'SHARES' && e.target === entity).map((e) => e.source.replace(/^report:/, ''))) : null;
  const events = chart.timeline.filter((e) => !holders || holders.has(e.reportId));
  const days = new Map<string, typeof events>();
  for (const e of events) days.set(day(e.at), [...(days.get(day(e.at)) ?? []), e]);
  return (
    <>
      <Select
        label="Show the events of"
        hint="Every report of the chart, or only those holding one shared person, vehicle, phone or place"
        value={entity}
        onChange={(e) => setEntity(e.target.value)}
        options={[{ value: '', label: 'Every report of the chart' }, ...entities.map((n) => ({ value: n.id, label: `${nodeKindWords(n)}: ${n.label}` }))]}
      />
      {events.length === 0 ? (
        <Empty>No events.</Empty>
      ) : (
        <ol className="timeline" aria-label="Events, oldest first">
          {[...days].map(([d, list]) => (
            <li key={d}>
              <h3>{d}</h3>
              <ul>
                {list.map((e, i) => (
                  <li key={`${e.reportId}-${e.kind}-${e.at}-${i}`}>
                    <span className="mono">{formatTime(e.at)}</span> <Link to={`/reports/${e.reportId}`} className="mono">{e.reference}</Link>: {timelineWords(e)}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
