/** The statistics screens' own navigation, each link carrying the period (period.ts) so it stays as one moves between them. */
import { NavLink } from 'react-router';
import { useStatisticsPeriod } from './period';

const LINKS = [
  { to: '/statistics', label: 'Trends and breakdowns' },
  { to: '/statistics/london', label: 'London picture' },
  { to: '/statistics/export', label: 'Export' },
];

export function StatisticsNav() {
  const { from, to } = useStatisticsPeriod();
  const query = `?${new URLSearchParams({ from, to }).toString()}`;
  return (
    <nav aria-label="Statistics" className="statistics-nav">
      <ul>
        {LINKS.map((l) => (
          <li key={l.to}>
            <NavLink to={`${l.to}${query}`} end>
              {l.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
