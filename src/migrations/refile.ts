/**
 * The walk migrations 2, 3 and 4 share (0002-search-terms.ts, 0003-name-parts.ts, 0004-skeleton-scripts.ts):
 * every report, in `_id` order, a batch at a time from where the last run
 * stopped, filed in the search table under what `searchTermsOf` gives now
 * (add-only: terms a later change filed stay).
 * One copy, so they cannot drift apart in what they refuse or audit.
 *
 * An erased report (no content or data key) is filed under nothing and
 * skipped, and so is one `skip` names (migration 2: one already filed). A
 * report whose envelope verifies under no configured audit key, or that is
 * not its current version (rolled back, put back after erasure:
 * reports/store/freshness.ts, alarmed), is neither decrypted nor filed, and
 * counted as `refused`. Any other report's indexed values are opened through
 * the content vault and the read audited under the report (`report.read`,
 * `purpose: 'migration'`, the migration's id) before its terms are filed;
 * nothing of the values leaves. The progress is recorded after each batch
 * (`ctx.checkpoint`), so a killed run goes on from there.
 *
 * Add-only has a cost: a change that removes a term (a name corrected)
 * committed between this walk's read of a report and its filing leaves the
 * report filed under that stale term too. It is listed in the report's
 * manifest (reports/store/search-index.ts), so erasure blanks it and the
 * report's next change of indexed content drops it; meanwhile search confirms
 * every candidate by decryption, so it costs a decryption, never a wrong hit.
 *
 * `retired` (migration 4): terms of codes nothing files or looks up any more,
 * which the report then leaves (`unfileSearchTerms`: its slots blanked and
 * dropped from its manifest), but for those its current terms hold too (a
 * coincidence of truncated terms). Only when the report is still the version
 * read: one changed since is walked again from its new version (its values
 * read again, audited), at most `RETRIES` times, else left filed under them
 * (costing a candidate's decryption at worst) and counted as `retiredLater`.
 * A change whose filing of one of those very terms runs in the few
 * milliseconds between that check and the unfiling could lose it; that needs
 * a change in flight and a coincidence of 16-bit terms at once.
 */
import { createEnvelopeMac } from '../reports/model/envelope-mac.js';
import { searchTermsOf } from '../reports/model/indexed-content.js';
import type { IndexedValues } from '../reports/model/indexed-content.js';
import type { ReportDoc } from '../reports/model/types.js';
import { createContentVault } from '../reports/content/vault.js';
import { ReportRollbackError } from '../reports/store/freshness.js';
import type { MigrationContext } from './types.js';

/**
 * What a walk did: reports examined, refused, filed with new terms (`newlyFiled`) and filed already so (`unchanged`);
 * with `retired` terms, the slots left (`unfiled`) and the reports that changed under every retry (`retiredLater`).
 */
export interface RefileCounts {
  examined: number;
  refused: number;
  newlyFiled: number;
  unchanged: number;
  unfiled: number;
  retiredLater: number;
}

/** Times a report that changed since it was read is walked again before its retired terms are left for later. */
const RETRIES = 2;

/**
 * Walks every report of the store and files each live one `skip` does not name, as the migration `migration` (its
 * id, in the audited reads); with `retired`, takes it out of the terms that gives for its values.
 */
export async function refileReports(
  ctx: MigrationContext,
  migration: string,
  skip?: (doc: ReportDoc) => Promise<boolean>,
  retired?: (values: IndexedValues) => string[],
): Promise<RefileCounts> {
  const { reports, crypto } = ctx;
  const vault = createContentVault({ crypto, reports, audit: ctx.audit });
  const envelope = createEnvelopeMac(crypto.integrity);
  const actor = { type: 'system' as const, id: 'migration' };
  const out: RefileCounts = { examined: 0, refused: 0, newlyFiled: 0, unchanged: 0, unfiled: 0, retiredLater: 0 };

  /** Files one report; answers its values read, or null when it was left (erased, refused). */
  async function fileOne(doc: ReportDoc, counted: boolean): Promise<IndexedValues | null> {
    if (!doc.content || !doc.dataKey) return null; // erased: filed under nothing
    if (envelope.problems(doc)) {
      out.refused++;
      return null;
    }
    const current = await reports.assertCurrent(doc).then(
      () => true,
      (err: unknown) => (err instanceof ReportRollbackError ? false : Promise.reject(err)),
    );
    if (!current) {
      out.refused++;
      return null;
    }
    const read = vault.openIndexed(doc);
    const terms = searchTermsOf(crypto.blindIndex, read.values);
    await read.record(actor, { purpose: 'migration', migration });
    // Add-only: a change committed since this read filed its own terms, which must stay (reports/store/repository.ts fileSearchTerms).
    const filed = await reports.fileSearchTerms(doc._id, terms, { addOnly: true });
    if (counted) {
      if (filed) out.newlyFiled++;
      else out.unchanged++;
    }
    return read.values;
  }

  /** Takes the report out of its retired terms, if it is still the version read (else walked again from its new one). */
  async function unfileRetired(first: ReportDoc, values: IndexedValues) {
    let doc = first;
    let read: IndexedValues | null = values;
    for (let attempt = 0; read; attempt++) {
      const keep = searchTermsOf(crypto.blindIndex, read);
      const stale = retired!(read).filter((t) => !keep.includes(t));
      if (!stale.length) return;
      const now = await reports.findById(doc._id).catch((err: unknown) => (err instanceof ReportRollbackError ? null : Promise.reject(err)));
      if (!now) return;
      if (now.version === doc.version) {
        out.unfiled += await reports.unfileSearchTerms(doc._id, stale);
        return;
      }
      if (attempt >= RETRIES) {
        out.retiredLater++;
        return;
      }
      doc = now;
      read = await fileOne(doc, false);
    }
  }

  let cursor = ctx.resumeFrom;
  for (;;) {
    const batch = await reports.pageAfter(cursor, ctx.batchSize);
    if (!batch.length) break;
    for (const doc of batch) {
      out.examined++;
      if (!doc.content || !doc.dataKey) continue; // erased: filed under nothing
      if (skip && (await skip(doc))) continue;
      const values = await fileOne(doc, true);
      if (values && retired) await unfileRetired(doc, values);
    }
    cursor = batch.at(-1)!._id;
    await ctx.checkpoint(cursor, out.examined);
  }
  return out;
}
