/**
 * The statistics screens' period, kept in the address (`from`, `to`: UTC days,
 * YYYY-MM-DD, both included) so moving between /statistics,
 * /statistics/london and /statistics/export keeps it. Default: the 28 whole
 * days ending yesterday; `previous` is the same number of days just before.
 * (Shared contract with the statistics screen's branch.)
 */
import { useSearchParams } from 'react-router';

const DAY_MS = 24 * 3600_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
export const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
export const dayOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const valid = (day: string | null): day is string => !!day && DAY_RE.test(day) && !Number.isNaN(dayNumber(day)) && dayOf(dayNumber(day)) === day;

/** 2026-03-09 → 09/03/2026. */
export const ukDate = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;

export function defaultPeriod(now = Date.now()): { from: string; to: string } {
  const yesterday = Math.floor(now / DAY_MS) - 1;
  return { from: dayOf(yesterday - 27), to: dayOf(yesterday) };
}

export function useStatisticsPeriod(): { from: string; to: string; previous: { from: string; to: string }; setPeriod(from: string, to: string): void } {
  const [params, setParams] = useSearchParams();
  const fallback = defaultPeriod();
  const asked = { from: params.get('from'), to: params.get('to') };
  const ok = valid(asked.from) && valid(asked.to) && dayNumber(asked.to) >= dayNumber(asked.from);
  const from = ok ? asked.from! : fallback.from;
  const to = ok ? asked.to! : fallback.to;
  const length = dayNumber(to) - dayNumber(from) + 1;
  return {
    from,
    to,
    previous: { from: dayOf(dayNumber(from) - length), to: dayOf(dayNumber(from) - 1) },
    setPeriod(f: string, t: string) {
      const next = new URLSearchParams(params);
      next.set('from', f);
      next.set('to', t);
      setParams(next);
    },
  };
}
