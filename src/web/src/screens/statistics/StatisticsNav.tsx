/** The statistics screens' sub-navigation, carrying the period (from, to) from one to the next. */
import type { JSX } from 'react';
import { NavLink } from 'react-router';
import { useStatisticsPeriod } from './period';

const LINKS = [
  { to: '/statistics', label: 'Trends and breakdowns' },
  { to: '/statistics/london', label: 'London picture' },
  { to: '/statistics/export', label: 'Export' },
] as const;

export function StatisticsNav(): JSX.Element {
  const { from, to } = useStatisticsPeriod();
  const search = `?from=${from}&to=${to}`;
  return (
    <nav aria-label="Statistics" className="page-toc statistics-nav">
      <ul>
        {LINKS.map((l) => (
          <li key={l.to}>
            <NavLink to={`${l.to}${search}`} end>
              {l.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
