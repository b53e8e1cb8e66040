/**
 * The statistics screen's pieces without a browser (src/web/src/screens/statistics/):
 * its copy of the published tables is the server's list, and the period
 * helpers (default period, previous period, whole weeks, dd/mm/yyyy).
 */
import { describe, expect, it } from 'vitest';
import { PUBLISHED_TABLES } from '../../src/reports/desk/statistics-tables.js';

interface PeriodApi {
  defaultPeriod(now?: number): { from: string; to: string };
  previousOf(from: string, to: string): { from: string; to: string };
  wholeWeeksIn(from: string, to: string): { from: string; to: string; weeks: number } | null;
  readDay(text: string): string | null;
  showDay(day: string): string;
}
// The console's code is type-checked by its own tsconfig (src/web), so it is loaded by a computed path the server's tsc does not follow.
const PERIOD = '../../src/web/src/screens/statistics/period.js';
const PUBLISHED = '../../src/web/src/screens/statistics/published.js';
const period = (await import(PERIOD)) as PeriodApi;
const published = (await import(PUBLISHED)) as { PUBLISHED_TABLES: { id: string; measure: string; by: string }[] };

describe('the statistics screen', () => {
  it('asks for exactly the published tables the server has', () => {
    expect(published.PUBLISHED_TABLES.map((t) => ({ id: t.id, measure: t.measure, by: t.by }))).toEqual(PUBLISHED_TABLES.map((t) => ({ id: t.id, measure: t.measure, by: t.by })));
  });

  it('defaults to the 28 whole days ending yesterday, compared with the 28 before', () => {
    const p = period.defaultPeriod(Date.parse('2026-12-07T01:00:00Z'));
    expect(p).toEqual({ from: '2026-11-09', to: '2026-12-06' });
    expect(period.previousOf(p.from, p.to)).toEqual({ from: '2026-10-12', to: '2026-11-08' });
  });

  it('finds the whole weeks inside a period, or none', () => {
    expect(period.wholeWeeksIn('2026-11-09', '2026-12-06')).toEqual({ from: '2026-11-09', to: '2026-12-06', weeks: 4 });
    expect(period.wholeWeeksIn('2026-11-10', '2026-12-05')).toEqual({ from: '2026-11-16', to: '2026-11-29', weeks: 2 });
    expect(period.wholeWeeksIn('2026-11-10', '2026-11-15')).toBeNull();
  });

  it('reads and writes days as dd/mm/yyyy', () => {
    expect(period.readDay('5/1/2026')).toBe('2026-01-05');
    expect(period.readDay('31/02/2026')).toBeNull();
    expect(period.readDay('2026-01-05')).toBeNull();
    expect(period.showDay('2026-01-05')).toBe('05/01/2026');
  });
});
