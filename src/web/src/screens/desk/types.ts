/** Shared types for the report page's panels. */
import type { DeskReportQuery } from '../../gql/graphql';

export type ReportData = NonNullable<DeskReportQuery['report']>;

/**
 * Runs one action on the report, then reloads it. Resolves with null when it
 * worked, or with the plain-words error to show next to the action (a
 * CONFLICT also reloads the report, so the person sees what changed).
 * `leave` goes back to the desk queue instead (after a referral or release
 * the report is no longer this person's to work on).
 */
export type Act = (done: string, run: () => Promise<unknown>, opts?: { leave?: boolean }) => Promise<string | null>;
