/**
 * Linking: reports that share a blind-index term are candidates; a link is
 * recorded only after decrypting both and confirming that the normalised
 * values really are equal (blind indexes are truncated and collide on
 * purpose). The caller's identity is never used for linking.
 */
import type { AuditLog } from '../audit/types.js';
import { INDEXED_GROUPS, indexedValuesOf, type Crypto, type IndexKind } from '../crypto/index.js';
import type { ReportRepository } from '../reports/repository.js';
import { OPEN_STATUSES } from '../reports/state-machine.js';
import type { ReportDoc } from '../reports/types.js';

/**
 * What linking compares for one stored report: the values of its
 * blind-indexed fields (the fields marked `blindIndex` in
 * encrypted-fields.ts), decrypting only the groups that hold them.
 */
export function linkableValuesOf(crypto: Crypto, doc: ReportDoc): Record<IndexKind, string[]> {
  const content = crypto.cipher.withDataKey(doc._id, doc.dataKey!, (key) =>
    crypto.codec.decryptContent(key, doc._id, doc.content!, { fields: [...INDEXED_GROUPS] }),
  );
  return indexedValuesOf(content);
}

export interface ConfirmedLink {
  doc: ReportDoc;
  reasons: IndexKind[];
}

export function createLinker(deps: { reports: ReportRepository; crypto: Crypto; audit: AuditLog }) {
  const { crypto } = deps;

  return {
    /** Open reports that share a confirmed value of a blind-indexed field (vehicle, phone, postcode, subject name) with `doc`. */
    async confirmedLinks(doc: ReportDoc): Promise<ConfirmedLink[]> {
      if (!doc.content || !doc.dataKey || !doc.bidx.length) return [];
      // Filing meets the reports filed before: of two reports triaged at once, the later one sees the other.
      const others = await deps.reports.fileLinkTerms(doc._id, doc.bidx);
      const candidates = (await deps.reports.findLinkCandidates(others, OPEN_STATUSES)).filter((c) => c.content && c.dataKey);
      if (!candidates.length) return [];
      const mine = linkableValuesOf(crypto, doc);
      const links: ConfirmedLink[] = [];
      for (const other of candidates) {
        const theirs = linkableValuesOf(crypto, other);
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
        details: { purpose: 'link-confirmation', fields: [...INDEXED_GROUPS], candidates: candidates.map((c) => c._id), linked: links.map((l) => l.doc._id) },
      });
      return links;
    },
  };
}
