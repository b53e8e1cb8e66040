/**
 * The walk migrations 2 and 3 share (0002-search-terms.ts, 0003-name-parts.ts):
 * every report, in `_id` order, a batch at a time from where the last run
 * stopped, filed in the search table under what `searchTermsOf` gives now
 * (add-only: terms a later change filed stay).
 * One copy, so the two cannot drift apart in what they refuse or audit.
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
 */
import { createEnvelopeMac } from '../reports/model/envelope-mac.js';
import { searchTermsOf } from '../reports/model/indexed-content.js';
import type { ReportDoc } from '../reports/model/types.js';
import { createContentVault } from '../reports/content/vault.js';
import { ReportRollbackError } from '../reports/store/freshness.js';
import type { MigrationContext } from './types.js';

/** What a walk did: reports examined, refused, filed with new terms (`newlyFiled`) and filed already so (`unchanged`). */
export interface RefileCounts {
  examined: number;
  refused: number;
  newlyFiled: number;
  unchanged: number;
}

/** Walks every report of the store and files each live one `skip` does not name, as the migration `migration` (its id, in the audited reads). */
export async function refileReports(ctx: MigrationContext, migration: string, skip?: (doc: ReportDoc) => Promise<boolean>): Promise<RefileCounts> {
  const { reports, crypto } = ctx;
  const vault = createContentVault({ crypto, reports, audit: ctx.audit });
  const envelope = createEnvelopeMac(crypto.integrity);
  const actor = { type: 'system' as const, id: 'migration' };
  const out: RefileCounts = { examined: 0, refused: 0, newlyFiled: 0, unchanged: 0 };
  let cursor = ctx.resumeFrom;
  for (;;) {
    const batch = await reports.pageAfter(cursor, ctx.batchSize);
    if (!batch.length) break;
    for (const doc of batch) {
      out.examined++;
      if (!doc.content || !doc.dataKey) continue; // erased: filed under nothing
      if (skip && (await skip(doc))) continue;
      if (envelope.problems(doc)) {
        out.refused++;
        continue;
      }
      const current = await reports.assertCurrent(doc).then(
        () => true,
        (err: unknown) => (err instanceof ReportRollbackError ? false : Promise.reject(err)),
      );
      if (!current) {
        out.refused++;
        continue;
      }
      const read = vault.openIndexed(doc);
      const terms = searchTermsOf(crypto.blindIndex, read.values);
      await read.record(actor, { purpose: 'migration', migration });
      // Add-only: a change committed since this read filed its own terms, which must stay (reports/store/repository.ts fileSearchTerms).
      if (await reports.fileSearchTerms(doc._id, terms, { addOnly: true })) out.newlyFiled++;
      else out.unchanged++;
    }
    cursor = batch.at(-1)!._id;
    await ctx.checkpoint(cursor, out.examined);
  }
  return out;
}
