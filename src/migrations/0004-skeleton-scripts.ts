/**
 * Migration 4: every live report is filed again in the search table with the
 * consonant skeleton of each name (and of each name part) under its script's
 * code (`~L:` for a Latin name, `~N:` for one with letters of another script:
 * `scriptedSkeletonCode` in src/crypto/blind-index.ts), and taken out of the
 * bare `~` code migrations 2 and 3 filed it under. A skeleton confirms only
 * when one of the two names is not Latin, so a Latin name now looks up only
 * the `~N:` code: searching or linking "Ahmed" no longer reads, decrypts and
 * audits every "Hamid" for nothing. Intake, follow-ups and `keys:rotate` file
 * the new codes from this release on (they call `searchTermsOf`).
 *
 * The walk is migration 3's (src/migrations/refile.ts): each live report's
 * indexed values opened through the content vault, the read audited under
 * the report (`report.read`, `purpose: 'migration'`), the terms it lacks
 * filed (add-only), then its bare skeleton terms (`retiredSkeletonTermsFor`,
 * but any its current terms hold too) left: their slots blanked and dropped
 * from its manifest. Nothing looks up a bare `~` term any more: until the
 * walk reaches a report, it is found by its exact, Double Metaphone and part
 * terms only (محمد would not meet Mohammed), which is why a process refuses
 * to start in production with this migration pending (runner.ts `atStart`).
 * Left in place, a bare term would cost nothing but coincidences: a lookup
 * whose truncated term equals it would read the report and fail to confirm.
 * Idempotent: a second run files and leaves nothing (`refiled: 0`,
 * `unfiled: 0`); killed, it goes on from its last checkpoint.
 */
import { refileReports } from './refile.js';
import type { Migration } from './types.js';

export const SKELETON_SCRIPTS_MIGRATION = 'search-terms-skeleton-scripts-v1';

export const skeletonScripts: Migration = {
  version: 4,
  id: SKELETON_SCRIPTS_MIGRATION,
  description: "reports are filed again in search_terms with each name's consonant skeleton under its script's code, and leave the bare skeleton terms",
  async up(ctx) {
    const retired = (values: { name: string[] }) => [...new Set(values.name.flatMap((name) => ctx.crypto.blindIndex.retiredSkeletonTermsFor(name)))];
    const walk = await refileReports(ctx, SKELETON_SCRIPTS_MIGRATION, undefined, retired);
    const out = { examined: walk.examined, refiled: walk.newlyFiled, unchanged: walk.unchanged, unfiled: walk.unfiled, retiredLater: walk.retiredLater, refused: walk.refused };
    if (out.refused) ctx.log.error({ refused: out.refused }, 'reports not filed again in the search table: their envelope or version does not verify (see the integrity alarms)');
    return out;
  },
};
