/**
 * The statistics screen (/statistics), loaded on its own (React.lazy in
 * routes.tsx) so that its chart library is fetched only here. Supervisors see
 * exact figures with any grouping (statistics/SupervisorFigures.tsx);
 * OVERSIGHT sees the published tables only (statistics/PublishedFigures.tsx),
 * the server deciding which answer each gets (src/reports/desk/statistics.ts).
 * Counts only, never content (docs/statistics.md).
 */
import { useSession } from '../session/session';
import { PeriodPicker } from './statistics/PeriodPicker';
import { PublishedFigures } from './statistics/PublishedFigures';
import { StatisticsNav } from './statistics/StatisticsNav';
import { SupervisorFigures } from './statistics/SupervisorFigures';
import { useStatisticsPeriod } from './statistics/period';

export default function Statistics() {
  const { session } = useSession();
  const { from, to, previous } = useStatisticsPeriod();
  const exact = session?.user.roles.includes('SUPERVISOR') ?? false;
  return (
    <div className="statistics">
      <StatisticsNav />
      <h1>Statistics</h1>
      <p className="hint">Counts kept as reports change, by UTC day; a change is counted within about a minute. {exact ? 'Exact figures, for supervisors.' : ''}</p>
      <section aria-labelledby="period-title">
        <PeriodPicker />
      </section>
      {exact ? <SupervisorFigures period={{ from, to }} previous={previous} /> : <PublishedFigures from={from} to={to} />}
    </div>
  );
}
