/** Dates as the portal shows them: dd/mm/yyyy and 24-hour hh:mm, in the words of the chosen locale. */
import type { Translate } from './i18n';

const two = (n: number) => String(n).padStart(2, '0');

export const formatDate = (t: Translate, iso: string) => {
  const d = new Date(iso);
  return t('date.format', { day: two(d.getDate()), month: two(d.getMonth() + 1), year: d.getFullYear() });
};

export const formatDateTime = (t: Translate, iso: string) => {
  const d = new Date(iso);
  return `${formatDate(t, iso)} ${t('time.format', { hour: two(d.getHours()), minute: two(d.getMinutes()) })}`;
};

/** dd/mm/yyyy (and optional hh:mm) as typed → a Date in local time; null when it is not a real date or time. */
export function parseDayAndTime(day: string, time: string): Date | null | 'bad-date' | 'bad-time' {
  if (!day.trim() && !time.trim()) return null;
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(day);
  if (!m) return 'bad-date';
  const [dd, mm, yyyy] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // The day alone is sent as its first minute (the API keeps a minute; it is the day the caseworker chose to give).
  let hh = 0;
  let mi = 0;
  if (time.trim()) {
    const tm = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(time);
    if (!tm || Number(tm[1]) > 23 || Number(tm[2]) > 59) return 'bad-time';
    [hh, mi] = [Number(tm[1]), Number(tm[2])];
  }
  const d = new Date(yyyy, mm - 1, dd, hh, mi);
  if (d.getFullYear() !== yyyy || d.getMonth() !== mm - 1 || d.getDate() !== dd) return 'bad-date';
  return d;
}
