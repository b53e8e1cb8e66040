/**
 * The auditor's reading of the log: filters by what people know (a report's
 * reference, a username) resolved here to the ids entries hold, entries in
 * words (describe.ts), and the CSV export of a filtered view.
 *
 * The export is built here, on the server, from the same filter resolution
 * and the same descriptions as the screen, and it records its own audit event
 * (`audit.export`) before anything is returned: an export cannot leave
 * without its record, and the record's row count is the file's. A client-side
 * export would need a second call to record it, which a client could skip.
 */
import { AppError, badInput } from '../errors.js';
import type { Principal } from '../auth/types.js';
import { toCsv } from './csv.js';
import { describeEntry, formatUtc, idsToName, type AuditEntryWords, type AuditNames } from './describe.js';
import type { AuditLogService } from './service.js';
import type { AuditEntry, AuditQuery } from './types.js';

/** What the auditor filters by; names and references are resolved to ids. */
export interface AuditFilterInput {
  action?: string | null;
  /** Entries by this person, about their account, or failed sign-ins typed with this name. */
  username?: string | null;
  /** Entries about the report holding this reference. */
  reference?: string | null;
  /** Internal ids, still accepted from API clients. */
  actorId?: string | null;
  reportId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export type DescribedAuditEntry = AuditEntry & { words: AuditEntryWords };

export interface AuditorDeps {
  audit: Pick<AuditLogService, 'query' | 'record' | 'erasedReportId'>;
  users: {
    findByUsername(username: string): Promise<{ _id: string } | null>;
    usernamesOf(ids: readonly string[]): Promise<Map<string, string>>;
    existingUsernames(names: readonly string[]): Promise<Set<string>>;
  };
  partners: { namesOf(ids: readonly string[]): Promise<Map<string, string>> };
  reports: {
    /** The id of the report holding the reference (report_refs: one lookup by _id), or null (unknown, or erased). */
    idOfReference(reference: string): Promise<string | null>;
    referencesOf(ids: readonly string[]): Promise<Map<string, string>>;
  };
}

/** At most this many entries go into one export; the file says when it was cut short. */
export const MAX_EXPORT_ROWS = 10_000;
const EXPORT_PAGE = 500;
const REFERENCE = /^[A-Z]{2,8}-\d{4}-\d{1,12}$/;

/** The export's columns: the table's, in the same order. */
export const EXPORT_HEADER = ['Entry', 'Time (UTC)', 'Action', 'Outcome', 'Actor', 'Actor type', 'Target', 'Details'] as const;

export type AuditorService = ReturnType<typeof createAuditorService>;

export function createAuditorService(deps: AuditorDeps) {
  /** The filter as stored ids; an unknown username or reference is said plainly, against its field. */
  async function resolve(input: AuditFilterInput): Promise<AuditQuery> {
    const q: AuditQuery = {
      ...(input.action ? { action: input.action } : {}),
      ...(input.from ? { from: input.from } : {}),
      ...(input.to ? { to: input.to } : {}),
    };
    if (input.from && input.to && input.from > input.to) throw badInput('"To" must be after "From"', ['to']);
    const username = input.username?.trim();
    if (username) {
      const user = await deps.users.findByUsername(username.toLowerCase());
      if (!user) throw badInput('No account has this username', ['username']);
      q.person = { id: user._id, username: username.toLowerCase() };
    } else if (input.actorId) q.actorId = input.actorId;
    const reference = input.reference?.trim().toUpperCase();
    if (reference) {
      if (!REFERENCE.test(reference)) throw badInput('Enter a reference like ATH-2026-000123', ['reference']);
      // An erased report's reference is no longer in report_refs; its erase entry in the log still names it (a scan: auditors only).
      const id = (await deps.reports.idOfReference(reference)) || (await deps.audit.erasedReportId(reference));
      if (!id) throw badInput('No report has this reference', ['reference']);
      q.targetType = 'report';
      q.targetId = id;
    } else if (input.reportId) {
      q.targetType = 'report';
      q.targetId = input.reportId;
    }
    return q;
  }

  /** Names for every id a page of entries mentions, in one look-up per kind. */
  async function namesFor(entries: readonly AuditEntry[]): Promise<AuditNames> {
    const ids = idsToName(entries);
    const [users, partners, reports, knownUsernames] = await Promise.all([
      deps.users.usernamesOf(ids.users),
      deps.partners.namesOf(ids.partners),
      deps.reports.referencesOf(ids.reports),
      deps.users.existingUsernames(ids.usernames),
    ]);
    return { users, partners, reports, knownUsernames };
  }

  async function describe(entries: AuditEntry[]): Promise<DescribedAuditEntry[]> {
    const names = await namesFor(entries);
    return entries.map((e) => ({ ...e, words: describeEntry(e, names) }));
  }

  return {
    resolve,

    /** A page of the filtered log, newest first, each entry in words. */
    async page(input: AuditFilterInput, page: { first: number; after?: number }) {
      const { entries, hasNextPage } = await deps.audit.query(await resolve(input), page);
      return { entries: await describe(entries), hasNextPage };
    },

    /**
     * The filtered view as CSV (the table's columns, no report content: entries hold none), newest first, up to
     * MAX_EXPORT_ROWS. Records `audit.export` with the filters and the row count; when that record cannot be
     * written the export fails (AuditWriteError), like any other read the log must account for.
     */
    async exportCsv(principal: Principal | null, input: AuditFilterInput) {
      if (principal?.kind !== 'staff') throw new AppError('UNAUTHENTICATED', 'Not signed in');
      const filter = await resolve(input);
      const rows: DescribedAuditEntry[] = [];
      let after: number | undefined;
      let truncated = false;
      for (;;) {
        const { entries, hasNextPage } = await deps.audit.query(filter, { first: EXPORT_PAGE, after });
        rows.push(...(await describe(entries)));
        if (rows.length >= MAX_EXPORT_ROWS) {
          truncated = hasNextPage || rows.length > MAX_EXPORT_ROWS;
          rows.length = Math.min(rows.length, MAX_EXPORT_ROWS);
          break;
        }
        if (!hasNextPage || !entries.length) break;
        after = entries.at(-1)!.seq;
      }
      const csv = toCsv(
        EXPORT_HEADER,
        rows.map((e) => [
          e.seq,
          formatUtc(e.at),
          e.words.actionLabel,
          e.outcome === 'success' ? 'Success' : 'Failure',
          e.words.actorLabel,
          e.words.actorTypeLabel,
          e.words.targetLabel ?? '',
          e.words.facts.map((f) => `${f.label}: ${f.value}`).join('; '),
        ]),
      );
      const at = new Date();
      await deps.audit.record({
        action: 'audit.export',
        actor: { type: 'user', id: principal.userId, name: principal.username },
        target: { type: 'audit' },
        outcome: 'success',
        details: {
          filters: {
            action: input.action || null,
            username: input.username?.trim().toLowerCase() || null,
            reference: input.reference?.trim().toUpperCase() || null,
            actorId: input.username ? null : input.actorId || null,
            reportId: input.reference ? null : input.reportId || null,
            from: input.from?.toISOString() ?? null,
            to: input.to?.toISOString() ?? null,
          },
          rows: rows.length,
          truncated,
        },
      });
      const stamp = at.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
      return { filename: `audit-log-${stamp}.csv`, csv, rows: rows.length, truncated };
    },
  };
}
