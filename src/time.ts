/**
 * Time helpers with no domain in them. The rule of WHEN a time is kept only
 * to the minute (a partner's report and everything about it) lives in
 * src/reports/rules/partner-time.ts; this file only says how.
 */
const MINUTE = 60_000;

/** `d` truncated to the minute. */
export function toMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);
}
