/**
 * Migration 1: user records sealed before credentials were bound are
 * re-sealed over the new body (src/auth/credential-migration.ts, issue 21,
 * item 1; the trust review). Users are few, so a run is one pass over them
 * (a pass is its own resume point: a record already re-sealed is skipped);
 * a record changed by another process during a pass is looked at again, up
 * to three passes, and the run fails rather than be recorded as applied
 * while an old-shape record it could re-seal is left.
 */
import { CREDENTIALS_MIGRATION, migrateCredentialSeals } from '../auth/credential-migration.js';
import type { Migration } from './types.js';

export const credentialReseal: Migration = {
  version: 1,
  id: CREDENTIALS_MIGRATION,
  description: 'user records sealed before credentials were bound are re-sealed over the password hash, second factor and SSO link',
  async up(ctx) {
    let resealed = 0;
    const failed = new Set<string>();
    for (let pass = 0; pass < 3; pass++) {
      const out = await migrateCredentialSeals({ users: ctx.users, mfa: ctx.mfa, integrity: ctx.crypto.integrity, audit: ctx.audit, log: ctx.log });
      resealed += out.resealed;
      out.failed.forEach((f) => failed.add(f));
      if (!out.remaining) return { resealed, failed: failed.size };
    }
    throw new Error('user records kept changing during the credential re-seal: run the migration again');
  },
};
