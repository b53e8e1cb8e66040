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
 * does not verify, or a report that is not its current version. The walk is
 * migration 2's too: src/migrations/refile.ts.
 */
import { refileReports } from './refile.js';
import type { Migration } from './types.js';

export const NAME_PARTS_MIGRATION = 'search-terms-name-parts-v1';

export const nameParts: Migration = {
  version: 3,
  id: NAME_PARTS_MIGRATION,
  description: 'reports are filed again in search_terms under each part of their names and their transliterated phonetic terms',
  async up(ctx) {
    // No report skipped but the erased: the walk (refile.ts) files only the terms a report lacks.
    const walk = await refileReports(ctx, NAME_PARTS_MIGRATION);
    const out = { examined: walk.examined, refiled: walk.newlyFiled, unchanged: walk.unchanged, refused: walk.refused };
    if (out.refused) ctx.log.error({ refused: out.refused }, 'reports not filed again in the search table: their envelope or version does not verify (see the integrity alarms)');
    return out;
  },
};
