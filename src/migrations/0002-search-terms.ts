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
 * computed under the current index key, nothing of the values leaves. The
 * walk is migration 3's too: src/migrations/refile.ts.
 */
import { refileReports } from './refile.js';
import type { Migration } from './types.js';

export const SEARCH_TERMS_MIGRATION = 'search-terms-filed-v1';

export const searchTermsFiled: Migration = {
  version: 2,
  id: SEARCH_TERMS_MIGRATION,
  description: 'reports stored before the search table existed are filed in search_terms',
  async up(ctx) {
    // A report filed already is skipped (counted as examined only); `filed` counts those filed by this run, with new terms or none (the walk: refile.ts).
    const walk = await refileReports(ctx, SEARCH_TERMS_MIGRATION, (doc) => ctx.reports.search.isFiled(doc._id));
    const out = { examined: walk.examined, filed: walk.newlyFiled + walk.unchanged, refused: walk.refused };
    if (out.refused) ctx.log.error({ refused: out.refused }, 'reports not filed in the search table: their envelope or version does not verify (see the integrity alarms)');
    return out;
  },
};
