/**
 * Migration 3: every report is filed again in the search table under what
 * `searchTermsOf` now gives (src/reports/model/indexed-content.ts): each
 * part of each name, exact and by sound, and the phonetic terms of names
 * after transliteration (محمد now meets Mohammed). Intake, follow-ups and
 * `keys:rotate` file the new terms from this release on; without this a
 * report stored before it is not found by its surname alone.
 *
 * Walks `reports` in `_id` order, a batch at a time, recording the last id
 * done (a killed run goes on from there). Unlike migration 2 a filed report
 * is not skipped (its manifest says it is filed, not under which terms):
 * each live report's indexed values are opened through the content vault,
 * the read audited under the report (`report.read`, `purpose: 'migration'`),
 * and `search.sync` files only the terms it lacks (a second run files
 * nothing: `unchanged`). Refused as migration 2 refuses: an envelope that
 * does not verify, or a report that is not its current version.
 */
import { createEnvelopeMac } from '../reports/model/envelope-mac.js';
import { searchTermsOf } from '../reports/model/indexed-content.js';
import { createContentVault } from '../reports/content/vault.js';
import { ReportRollbackError } from '../reports/store/freshness.js';
import type { Migration } from './types.js';

export const NAME_PARTS_MIGRATION = 'search-terms-name-parts-v1';

export const nameParts: Migration = {
  version: 3,
  id: NAME_PARTS_MIGRATION,
  description: 'reports are filed again in search_terms under each part of their names and their transliterated phonetic terms',
  async up(ctx) {
    const { reports, crypto } = ctx;
    const vault = createContentVault({ crypto, reports, audit: ctx.audit });
    const envelope = createEnvelopeMac(crypto.integrity);
    const actor = { type: 'system' as const, id: 'migration' };
    const out = { examined: 0, refiled: 0, unchanged: 0, refused: 0 };
    let cursor = ctx.resumeFrom;
    for (;;) {
      const batch = await reports.pageAfter(cursor, ctx.batchSize);
      if (!batch.length) break;
      for (const doc of batch) {
        out.examined++;
        if (!doc.content || !doc.dataKey) continue; // erased: filed under nothing
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
        await read.record(actor, { purpose: 'migration', migration: NAME_PARTS_MIGRATION });
        if (await reports.fileSearchTerms(doc._id, terms)) out.refiled++;
        else out.unchanged++;
      }
      cursor = batch.at(-1)!._id;
      await ctx.checkpoint(cursor, out.examined);
    }
    if (out.refused) ctx.log.error({ refused: out.refused }, 'reports not filed again in the search table: their envelope or version does not verify (see the integrity alarms)');
    return out;
  },
};
