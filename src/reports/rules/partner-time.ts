/**
 * Partner metadata: the README promises nothing finer than the minute about
 * a partner's submission. Every time the system writes for a
 * partner-sourced report or its processing (history, triage decision, due
 * date, version claims, audit entries, queue jobs) goes through here.
 */
import { toMinute } from '../../time.js';
import type { ReportDoc } from '../model/types.js';

/** True for reports a partner referred. */
export const isPartnerSourced = (doc: Pick<ReportDoc, 'source'>) => doc.source === 'PARTNER_REFERRAL';

/** `at` as it may be written for this report: to the minute for a partner's, as is otherwise. */
export function timeFor(doc: Pick<ReportDoc, 'source'>, at: Date = new Date()): Date {
  return isPartnerSourced(doc) ? toMinute(at) : at;
}

/**
 * Every Date inside `value` (plain objects and arrays only; binary values
 * and other class instances are left alone) as `timeFor` writes it: the
 * one pass applied to a partner report's change before it is stored.
 */
export function timesFor<T>(doc: Pick<ReportDoc, 'source'>, value: T): T {
  if (!isPartnerSourced(doc)) return value;
  const walk = (v: unknown): unknown => {
    if (v instanceof Date) return toMinute(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
