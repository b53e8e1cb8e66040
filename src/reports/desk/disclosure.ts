/**
 * Every desk read that decrypts or reveals, in one place: the report's
 * content (`report`) and the caller's identity (`revealCaller`), each
 * decrypted and audited together, and the log of reveals. Confidentiality
 * over availability: the audit entry is written before anything is
 * returned, and a failed audit write fails the read.
 */
import type { Principal } from '../../auth/types.js';
import { DEFAULT_CONTENT_GROUPS } from '../../crypto/index.js';
import { AppError } from '../../errors.js';
import * as access from '../rules/access.js';
import { connectionOf, pageSize, seqCursor, type Connection } from '../../paging.js';
import { assertEnvelope } from '../model/envelope-mac.js';
import { loadReport, type DeskServiceDeps } from './deps.js';
import { resolveStaffNames } from './staff-names.js';
import { STAFF_TEXT_LIMITS } from '../rules/staff-text-limits.js';
import { disclosed, linkViews, userActor } from './presenters.js';
import { openReason, openHistoryReasons, reasonMac, sealReason } from '../content/reasons.js';
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

/** The audited reads of the desk service. */
export function createDisclosure(deps: Pick<DeskServiceDeps, 'reports' | 'crypto' | 'audit' | 'users'>) {
  const { reports, crypto, audit } = deps;
  return {
    /** The report with its content decrypted except the caller's identity; audited before it is returned. */
    async report(principal: Principal | null, id: string): Promise<ReportView> {
      access.assertStaff(principal);
      const doc = await loadReport(reports, id);
      assertEnvelope(crypto.integrity, doc); // before anything trusts its desk, flags or ciphertexts
      access.assertCanRead(principal, doc);
      const links = await linkViews(reports, principal, doc);
      // The holder and the people its history names, as the viewer may know them (another desk's staff in words): staff-names.ts.
      const staff = await resolveStaffNames(deps.users, principal, doc);
      const enc = doc.content;
      const wrapped = doc.dataKey;
      if (!enc || !wrapped) return { ...disclosed(principal, doc, null, links), staff }; // an erased tombstone
      const fields = [...DEFAULT_CONTENT_GROUPS];
      const content = crypto.cipher.withDataKey(doc._id, wrapped, (key) => crypto.codec.decryptContent(key, doc._id, enc, { fields }));
      // Confidentiality over availability: no audit entry, no content.
      await audit.record({
        action: 'report.read',
        actor: userActor(principal),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, desk: doc.desk, status: doc.status, fields },
      });
      return { ...disclosed(principal, { ...doc, history: openHistoryReasons(crypto, doc) }, content, links), staff }; // typed reasons: sealed like the content
    },

    /**
     * The caller's identity, for an investigator of the report's desk or a
     * supervisor, with a stated reason; audited before it is returned.
     */
    async revealCaller(principal: Principal | null, reportId: string, reason: string): Promise<Caller> {
      access.assertStaff(principal);
      const why = reasonText(reason, STAFF_TEXT_LIMITS.revealReasonMin);
      const doc = await loadReport(reports, reportId);
      assertEnvelope(crypto.integrity, doc); // before anything trusts its desk or the caller's ciphertexts
      access.assertCanRead(principal, doc);
      const noIdentity = () => new AppError('NOT_FOUND', 'This report has no caller identity');
      const enc = doc.content;
      const wrapped = doc.dataKey;
      // Not `anonymous`: an anonymous caller may still have given a language or safe-to-contact notes (intake/service.ts `identifies`).
      if (!enc || !wrapped) throw noIdentity();
      const { caller } = crypto.cipher.withDataKey(doc._id, wrapped, (key) => crypto.codec.decryptContent(key, doc._id, enc, { fields: ['caller'] }));
      if (!caller) throw noIdentity();
      await audit.record({
        action: 'report.reveal_caller',
        actor: userActor(principal),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        // The reason sealed under the report's data key (erasure shreds it) and its keyed hash, never the text (reasons.ts).
        details: { reference: doc.reference, desk: doc.desk, reasonSealed: sealReason(crypto, doc, why), reasonMac: reasonMac(crypto, doc._id, why), fields: ['caller'] },
      });
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
        return openReason(crypto, doc, e.details.reasonSealed); // a damaged one is DATA_INTEGRITY, like any stored ciphertext
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
