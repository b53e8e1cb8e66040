/**
 * The one rule for reaching a partner's referral by its receipt: the receipt must be this
 * partner's own, and the report live (stored, not erased, with content and a data key) and
 * intact. Anything else — unknown, another organisation's, erased — is the same
 * NOT_FOUND('Receipt'), so an answer never confirms that a receipt exists. Follow-ups
 * (additions, answers) and attachments both go through it.
 */
import type { PartnerPrincipal } from '../../auth/types.js';
import { isOwnReceipt, receiptLookup, type IntakeKeys } from '../../crypto/derived.js';
import type { Crypto } from '../../crypto/index.js';
import { notFound } from '../../errors.js';
import { assertEnvelope } from '../model/envelope-mac.js';
import type { ReportDoc } from '../model/types.js';
import type { ReportRepository } from '../store/repository.js';

/** A report that can take a follow-up or a file: stored, not erased, with content and a data key. */
export const isLiveReport = (doc: ReportDoc | null): doc is ReportDoc => !!doc && doc.status !== 'ERASED' && !!doc.content && !!doc.dataKey;

export function createOwnReferralFinder(deps: { reports: Pick<ReportRepository, 'findById'>; crypto: Pick<Crypto, 'integrity'>; keys: IntakeKeys & { previous?: IntakeKeys[] } }) {
  return async function ownReferral(principal: PartnerPrincipal, receipt: unknown): Promise<ReportDoc> {
    const lookup = receiptLookup(deps.keys, receipt);
    for (const id of lookup?.ids ?? []) {
      const doc = await deps.reports.findById(id);
      if (!doc) continue;
      if (!isOwnReceipt(doc, principal.partnerId, lookup!.code) || !isLiveReport(doc)) break;
      assertEnvelope(deps.crypto.integrity, doc);
      return doc;
    }
    throw notFound('Receipt');
  };
}
