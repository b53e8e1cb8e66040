/**
 * The desk's reads of one report: its content (`report`) and the caller's
 * identity (`revealCaller`), each opened and audited together by the content
 * module (reports/content/vault.ts), and the log of reveals. Search and
 * signed bundles are the other audited reads (search.ts, bundle.ts). Confidentiality
 * over availability: the audit entry is written before anything is
 * returned, and a failed audit write fails the read.
 */
import type { Principal } from '../../auth/types.js';
import * as access from '../rules/access.js';
import { connectionOf, pageSize, seqCursor, type Connection } from '../../paging.js';
import type { DeskDeps } from './deps.js';
import { resolveStaffNames } from './staff-names.js';
import { STAFF_TEXT_LIMITS } from '../rules/staff-text-limits.js';
import { disclosed, linkViews } from './presenters.js';
import { createLinkValues } from './link-values.js';
import type { ReportView } from './view.js';
import { reasonText } from '../rules/staff-text.js';

export interface Caller {
  name: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  mayRecontact: boolean | null;
  preferredContactTimes: string | null;
  language: string | null;
  interpreter: string | null;
  safeContact: string | null;
  mayLeaveMessage: boolean | null;
}

export interface CallerReveal {
  seq: number;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  reportId: string | null;
  reference: string | null;
  reason: string | null;
}

/** The audited reads of the desk service: each asks the content module (reports/content/vault.ts), which decrypts and audits together. */
export function createDisclosure(deps: Pick<DeskDeps, 'reports' | 'vault' | 'audit' | 'users' | 'crypto' | 'log'>) {
  const { reports, vault, audit } = deps;
  const linkValues = createLinkValues(deps);
  return {
    /**
     * The report with its content decrypted except the caller's identity; audited before it is returned.
     * `linkValues: false` (a search hit's report): its links without what they share or who linked them, so a page
     * of hits cannot cost SHARED_VALUES_MAX more decrypts per hit (link-values.ts); opening the report gives them.
     */
    async report(principal: Principal | null, id: string, opts: { linkValues?: boolean } = {}): Promise<ReportView> {
      const read = await vault.openForReading(principal, id, 'view');
      const seen = await linkViews(reports, read.principal, read.doc);
      // What each link shares and who linked it (link-values.ts: those reads audited too), worked out only when a query
      // asks for them (the report page does; a search hit's report or a queue row does not), once for all links.
      let all: ReturnType<typeof linkValues.withValues> | null = null;
      const values = () => (all ??= linkValues.withValues(read.principal, read.doc._id, read.content, seen));
      const links = opts.linkValues === false ? seen : seen.map((link, i) => ({ ...link, details: () => values().then((list) => list[i]!) }));
      // The holder and the people its history names, as the viewer may know them (another desk's staff in words): staff-names.ts.
      const staff = await resolveStaffNames(deps.users, read.principal, read.doc);
      return { ...disclosed(read.principal, { ...read.doc, history: read.history }, read.content, links), staff };
    },

    /**
     * The caller's identity, for an investigator of the report's desk or a
     * supervisor, with a stated reason; audited before it is returned.
     */
    async revealCaller(principal: Principal | null, reportId: string, reason: string): Promise<Caller> {
      access.assertStaff(principal);
      const why = reasonText(reason, STAFF_TEXT_LIMITS.revealReasonMin);
      const { doc, content } = await vault.openForReading(principal, reportId, 'reveal-caller', { reason: why });
      const caller = content!.caller!;
      return {
        name: caller.name ?? null,
        phone: caller.phone ?? null,
        email: caller.email ?? null,
        address: caller.address ?? null,
        mayRecontact: doc.callerMayRecontact,
        preferredContactTimes: caller.preferredContactTimes ?? null,
        language: caller.language ?? null,
        interpreter: caller.interpreter ?? null,
        safeContact: caller.safeContact ?? null,
        mayLeaveMessage: caller.leaveMessage === 'YES' ? true : caller.leaveMessage === 'NO' ? false : null,
      };
    },

    /** Who revealed which caller and why, newest first (from the audit log). */
    async callerReveals(principal: Principal | null, first?: number | null, after?: string | null): Promise<Connection<CallerReveal>> {
      access.assertSupervisor(principal);
      const size = pageSize(first);
      const page = await audit.query({ action: 'report.reveal_caller' }, { first: size, after: seqCursor(after) });
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      // Each reason is opened with its report's data key (null once the report is erased).
      const reportsById = new Map<string, Awaited<ReturnType<typeof reports.findById>>>();
      for (const id of new Set(page.entries.map((e) => e.target?.id).filter((id): id is string => !!id))) reportsById.set(id, await reports.findById(id));
      const reasonOf = (e: (typeof page.entries)[number]) => {
        const doc = e.target?.id ? reportsById.get(e.target.id) : null;
        if (!doc || e.details?.reasonSealed == null) return str(e.details?.reason); // entries written before reasons were sealed
        return vault.openReason(doc, e.details.reasonSealed); // a damaged one is DATA_INTEGRITY, like any stored ciphertext
      };
      const edges = page.entries.map((e) => ({
        cursor: String(e.seq),
        node: {
          seq: e.seq,
          at: e.at,
          actorId: e.actor.id ?? null,
          actorName: e.actor.name ?? null,
          reportId: e.target?.id ?? null,
          reference: str(e.details?.reference),
          reason: reasonOf(e),
        },
      }));
      return connectionOf(edges, page.hasNextPage);
    },
  };
}
