/**
 * Linking: reports that share a blind-index term are candidates; a link is
 * recorded only after decrypting both and confirming that the normalised
 * values really are equal (blind indexes are truncated and collide on
 * purpose). The caller's identity is never used for linking.
 */
import type { AuditLog } from '../audit/types.js';
import type { Crypto, IndexKind } from '../crypto/index.js';
import type { ReportContent } from '../reports/content.js';
import type { ReportRepository } from '../reports/repository.js';
import { OPEN_STATUSES } from '../reports/state-machine.js';
import type { ReportDoc } from '../reports/types.js';

type Linkable = Pick<ReportContent, 'subjects' | 'vehicles' | 'locations'>;
const GROUPS = ['subjects', 'vehicles', 'locations'] as const;

function valuesOf(c: Linkable): Record<IndexKind, string[]> {
  const clean = (xs: (string | null | undefined)[]) => xs.filter((x): x is string => !!x);
  return {
    vehicle: clean(c.vehicles.map((v) => v.registration)),
    phone: clean(c.subjects.map((s) => s.phone)),
    postcode: clean(c.locations.map((l) => l.postcode)),
    name: clean(c.subjects.flatMap((s) => [s.name, ...(s.aliases ?? [])])),
  };
}

export interface ConfirmedLink {
  doc: ReportDoc;
  reasons: IndexKind[];
}

export function createLinker(deps: { reports: ReportRepository; crypto: Crypto; audit: AuditLog }) {
  const { crypto } = deps;
  const open = (doc: ReportDoc): Linkable =>
    crypto.cipher.withDataKey(doc._id, doc.dataKey!, (key) => crypto.codec.decryptContent(key, doc._id, doc.content!, { fields: [...GROUPS] }));

  return {
    /** Open reports that share a confirmed vehicle, phone, postcode or subject name with `doc`. */
    async confirmedLinks(doc: ReportDoc): Promise<ConfirmedLink[]> {
      if (!doc.content || !doc.dataKey || !doc.bidx.length) return [];
      // Filing meets the reports filed before: of two reports triaged at once, the later one sees the other.
      const others = await deps.reports.fileLinkTerms(doc._id, doc.bidx);
      const candidates = (await deps.reports.findLinkCandidates(others, OPEN_STATUSES)).filter((c) => c.content && c.dataKey);
      if (!candidates.length) return [];
      const mine = valuesOf(open(doc));
      const links: ConfirmedLink[] = [];
      for (const other of candidates) {
        const theirs = valuesOf(open(other));
        const reasons = (Object.keys(mine) as IndexKind[]).filter((kind) =>
          mine[kind].some((a) => theirs[kind].some((b) => crypto.blindIndex.sameNormalised(kind, a, b))),
        );
        if (reasons.length) links.push({ doc: other, reasons });
      }
      await deps.audit.record({
        action: 'report.read',
        actor: { type: 'system', id: 'triage-worker' },
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { purpose: 'link-confirmation', fields: [...GROUPS], candidates: candidates.map((c) => c._id), linked: links.map((l) => l.doc._id) },
      });
      return links;
    },
  };
}
