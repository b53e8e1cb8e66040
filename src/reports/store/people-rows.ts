/**
 * What the two lists people wait on hold of a report (person-lists.ts keeps
 * them): who a report belongs to in each list, its row as listed, and the
 * order it sorts by. Used by the repository (repository.ts) to write rows
 * before and after a change, and to check a pending row against its report.
 *
 * - `held` (myReports): the report's holder (holdings.ts `holderOf`); the row
 *   is the report as a queue listing shows it (desk-queue.ts QueueSummary:
 *   no content, keys, index terms, history, pending audit events or
 *   attachment records).
 * - `submitted` (mySubmissions): the member of staff who recorded it, for
 *   SUBMISSIONS_WINDOW_MS and a bit; partners' referrals are not listed (an
 *   organisation's own list is partner-referrals.ts). The row is what a call
 *   handler sees of it: reference, coarse status, categories, times, the
 *   imminent-threat flag and the files they attached (nothing of the desk
 *   work, nothing decrypted).
 */
import { BSON } from 'mongodb';
import { filesAttachedBy, type FileReceived } from '../model/attachments.js';
import type { ReportDoc } from '../model/types.js';
import { PARTNER_STATE } from '../rules/state-machine.js';
import type { QueueSummary } from './desk-queue.js';
import { holderOf } from './holdings.js';
import type { ListPolicy, ListRow } from './person-lists.js';
import { SUBMISSIONS_WINDOW_MS } from './submissions.js';

const { EJSON } = BSON;

/** How long past the window a submission's row is kept (the prune's slack). */
const SUBMITTED_SLACK_MS = 3600_000;
/** Rows kept in a submissions snapshot (the list shows 200). */
export const SUBMITTED_CAP = 250;

/** A report as "my submissions" lists it. */
export interface SubmittedRow {
  _id: string;
  reference: string;
  /** The coarse state a submitter may know (reports/rules/state-machine.ts PARTNER_STATE): triage changes nothing here. */
  state: (typeof PARTNER_STATE)[keyof typeof PARTNER_STATE];
  categories: ReportDoc['categories'];
  receivedAt: Date;
  recordedAt: Date;
  imminentThreat: boolean;
  /** The files its recorder attached (reports/model/attachments.ts filesAttachedBy). */
  filesAttached: FileReceived[];
}

export interface PeopleList<Row> {
  name: 'held' | 'submitted';
  /** Whose list the report is in, as it stands, or null. */
  owner(doc: ReportDoc, now: number): string | null;
  /** The row as listed (compared to tell whether a change altered it). */
  listing(doc: ReportDoc): string;
  sortTime(doc: Pick<ReportDoc, 'receivedAt' | 'recordedAt'>): number;
  parse(listing: string): Row;
  policy: ListPolicy;
}

const SUMMARY_OMITTED = ['content', 'history', 'dataKey', 'bidx', 'auditPending', 'envelopeParts', 'attachments'] as const;

export const HELD: PeopleList<QueueSummary> = {
  name: 'held',
  owner: (doc) => holderOf(doc),
  listing(doc) {
    const summary: Record<string, unknown> = { ...doc };
    for (const k of SUMMARY_OMITTED) delete summary[k];
    return EJSON.stringify(summary, { relaxed: false });
  },
  sortTime: (doc) => doc.receivedAt.getTime(),
  parse: (s) => EJSON.parse(s, { relaxed: false }) as QueueSummary,
  policy: {},
};

export const SUBMITTED: PeopleList<SubmittedRow> = {
  name: 'submitted',
  owner: (doc, now) =>
    doc.recordedBy?.type === 'user' && doc.status !== 'ERASED' && doc.recordedAt.getTime() >= now - SUBMISSIONS_WINDOW_MS - SUBMITTED_SLACK_MS ? doc.recordedBy.id : null,
  listing(doc) {
    const row: SubmittedRow = {
      _id: doc._id,
      reference: doc.reference,
      state: PARTNER_STATE[doc.status],
      categories: doc.categories,
      receivedAt: doc.receivedAt,
      recordedAt: doc.recordedAt,
      imminentThreat: doc.imminentThreat,
      filesAttached: filesAttachedBy(doc.attachments, doc.recordedBy.id),
    };
    return EJSON.stringify(row, { relaxed: false });
  },
  sortTime: (doc) => doc.recordedAt.getTime(),
  parse: (s) => EJSON.parse(s, { relaxed: false }) as SubmittedRow,
  policy: { keepAfter: (now) => now - SUBMISSIONS_WINDOW_MS - SUBMITTED_SLACK_MS, cap: SUBMITTED_CAP },
};

export const PEOPLE_LISTS = [HELD, SUBMITTED] as const;

export const listKey = (list: Pick<PeopleList<unknown>, 'name'>, person: string) => `${list.name}:${person}`;

/** A settled row of `doc` in `list`. */
export const settledRow = (list: PeopleList<unknown>, doc: ReportDoc, now: number): ListRow => ({ id: doc._id, v: doc.version, t: list.sortTime(doc), w: now, s: list.listing(doc) });
