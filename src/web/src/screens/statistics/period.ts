/**
 * The statistics period, kept in the address (`?from=YYYY-MM-DD&to=YYYY-MM-DD`,
 * UTC days, both included) so that moving between the statistics screens,
 * reloading or sharing the address keeps it. Default: the 28 whole days
 * ending yesterday; the previous period is the same number of days just before.
 */
import { useSearchParams } from 'react-router';

const DAY_MS = 24 * 3600_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of a time, YYYY-MM-DD. */
export const utcDay = (t: number | Date) => new Date(t).toISOString().slice(0, 10);
/** Days since 1970-01-01 of a YYYY-MM-DD day. */
export const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
export const dayOf = (n: number) => utcDay(n * DAY_MS);
export const addDays = (day: string, n: number) => dayOf(dayNumber(day) + n);
/** True for a real calendar day written YYYY-MM-DD. */
export const isDay = (s: string | null | undefined): s is string => !!s && DAY_RE.test(s) && !Number.isNaN(dayNumber(s)) && dayOf(dayNumber(s)) === s;
/** The number of days from `from` to `to`, both included. */
export const daysIn = (from: string, to: string) => dayNumber(to) - dayNumber(from) + 1;

/** YYYY-MM-DD → dd/mm/yyyy. */
export const showDay = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
/** dd/mm/yyyy (or d/m/yyyy) → YYYY-MM-DD, or null when it is not a real day. */
export function readDay(text: string): string | null {
  const m = /^\s*(\d{1,2})\s*\/\s*(\d{1,2})\s*\/\s*(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const day = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return isDay(day) ? day : null;
}

/** The default period: the 28 whole days ending yesterday (UTC). */
export function defaultPeriod(now = Date.now()): { from: string; to: string } {
  const to = addDays(utcDay(now), -1);
  return { from: addDays(to, -27), to };
}

/** The period of the same length just before. */
export function previousOf(from: string, to: string): { from: string; to: string } {
  const n = daysIn(from, to);
  return { from: addDays(from, -n), to: addDays(from, -1) };
}

/** The period in the address (or the default), its previous period, and a way to change it (kept in the address). */
export function useStatisticsPeriod(): { from: string; to: string; previous: { from: string; to: string }; setPeriod(from: string, to: string): void } {
  const [params, setParams] = useSearchParams();
  const given = { from: params.get('from'), to: params.get('to') };
  const { from, to } = isDay(given.from) && isDay(given.to) && given.from <= given.to ? { from: given.from, to: given.to } : defaultPeriod();
  return {
    from,
    to,
    previous: previousOf(from, to),
    setPeriod(f, t) {
      setParams((p) => {
        const next = new URLSearchParams(p);
        next.set('from', f);
        next.set('to', t);
        return next;
      });
    },
  };
}

/** The whole ISO weeks (Monday to Sunday) inside a period, as the published tables give them; null when there is none. */
export function wholeWeeksIn(from: string, to: string): { from: string; to: string; weeks: number } | null {
  const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
  const first = addDays(from, (8 - weekday(from)) % 7);
  const last = addDays(to, -(weekday(to) % 7));
  if (first > last) return null;
  return { from: first, to: last, weeks: daysIn(first, last) / 7 };
}
