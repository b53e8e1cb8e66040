/**
 * Migration 2: the reports stored before the search table existed are filed
 * in it (`search_terms`, src/reports/store/search-index.ts). Intake and
 * follow-ups file a report as they store it, and `keys:rotate` re-files only
 * a report under an old index key, so without this a report older than the
 * table is never found by `searchReports`.
 *
 * Walks `reports` in `_id` order, a batch at a time, recording the last id
 * done (a killed run goes on from there). A report already filed (its
 * manifest `@<id>` is in the table) or erased is skipped, so a second run
 * files nothing. A report whose envelope verifies under no configured audit
 * key, or that is not its current version (rolled back, put back after
 * erasure: reports/store/freshness.ts, alarmed), is neither decrypted nor
 * filed, and counted as `refused`. Its indexed values are opened through the
 * content vault and the read is audited under the report (`report.read`,
 * `purpose: 'migration'`), as the index-key rotation does; the terms are
 * computed under the current index key, nothing of the values leaves.
 */
import { createEnvelopeMac } from '../reports/model/envelope-mac.js';
import { searchTermsOf } from '../reports/model/indexed-content.js';
import { createContentVault } from '../reports/content/vault.js';
import { ReportRollbackError } from '../reports/store/freshness.js';
import type { Migration } from './types.js';

export const SEARCH_TERMS_MIGRATION = 'search-terms-filed-v1';

export const searchTermsFiled: Migration = {
  version: 2,
  id: SEARCH_TERMS_MIGRATION,
  description: 'reports stored before the search table existed are filed in search_terms',
  async up(ctx) {
    const { reports, crypto } = ctx;
    const vault = createContentVault({ crypto, reports, audit: ctx.audit });
    const envelope = createEnvelopeMac(crypto.integrity);
    const actor = { type: 'system' as const, id: 'migration' };
    const out = { examined: 0, filed: 0, refused: 0 };
    let cursor = ctx.resumeFrom;
    for (;;) {
      const batch = await reports.pageAfter(cursor, ctx.batchSize);
      if (!batch.length) break;
      for (const doc of batch) {
        out.examined++;
        if (!doc.content || !doc.dataKey || (await reports.search.isFiled(doc._id))) continue;
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
        await read.record(actor, { purpose: 'migration', migration: SEARCH_TERMS_MIGRATION });
        await reports.fileSearchTerms(doc._id, terms);
        out.filed++;
      }
      cursor = batch.at(-1)!._id;
      await ctx.checkpoint(cursor, out.examined);
    }
    if (out.refused) ctx.log.error({ refused: out.refused }, 'reports not filed in the search table: their envelope or version does not verify (see the integrity alarms)');
    return out;
  },
};
