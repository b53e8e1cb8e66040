/**
 * What desk work returns for a report: the stored document without envelopes,
 * keys or index terms, the content only when the read that built the view
 * was allowed and audited, and the people it names as the viewer may see
 * them. Every GraphQL Report (src/reports/graphql/report-schema.ts) is built
 * from one; presenters.ts builds them.
 */
import type { ReportContent } from '../model/content.js';
import type { HistoryEntry, ReportDoc, ReportLink } from '../model/types.js';
import type { UserNames } from './history-words.js';

export interface ReportView {
  doc: Omit<ReportDoc, 'content' | 'dataKey' | 'bidx' | 'history' | 'auditPending'> & { history?: HistoryEntry[] };
  content: Partial<ReportContent> | null;
  /** Links to reports the viewer may not read show only that they exist and which desk holds them. */
  /** Links as the viewer may see them; `details` (what each shares, who linked it) only on a full read (disclosure.ts), worked out when asked for. */
  links?: (ReportLink & { visible: boolean; details?: () => Promise<{ shared: { kind: string; value: string; theirs: string | null }[] | null; linkedBy: string | null }> })[];
  /** The people the report names (holder, history, grader) as the viewer may see them (staff-names.ts), resolved by the read that built the view; otherwise looked up when asked. */
  staff?: StaffNames;
}

/** The people a view names, as its viewer may see them. */
export interface StaffNames {
  /** Id → words: the username where shown; "an investigator on SO12" or "a staff member" where not. */
  names: UserNames;
  /** The ids the viewer may not see (nor the usernames behind them). */
  hidden: ReadonlySet<string>;
}
