/**
 * The one-time upgrade of issue 21, item 1: user records sealed before
 * credentials were bound (a MAC over id, username, roles, desk and disabled
 * only) are re-sealed over the new body, which also covers the password hash,
 * which second factor the user enrolled, and the SSO link; each `mfa`
 * document gets its own MAC. Without it, every existing account would answer
 * DATA_INTEGRITY at its next request.
 *
 * Migration 1 of the store (src/migrations/0001-credential-reseal.ts), run
 * before anything serves; concurrent runs are safe all the same (each write
 * is a compare-and-set on the MAC it read). A record is re-sealed only when
 * its OLD MAC verifies under a configured audit key, so a record tampered
 * before the upgrade stays refused; each re-sealed account is audited
 * (`auth.credentials_reseal`). Once a pass leaves nothing to do the
 * migration is recorded as applied and never runs again: afterwards no code
 * path accepts the old body. What it trusts is what
 * the database holds at that moment (the password hash, the `mfa` document):
 * docs/encryption.md "Credentials bound to their user".
 */
import type { AuditLog } from '../audit/types.js';
import type { Integrity } from '../crypto/integrity.js';
import type { Logger } from '../logger.js';
import type { MfaRepository } from './mfa-repository.js';
import type { UserRepository } from './repository.js';
import { legacyUserBody, secondFactorSeal, secondFactorSealOk, userSeal, userSealOk } from './seal.js';
import type { UserDoc } from './types.js';

/** The migration's id: also the `_id` of the marker it wrote before migrations were versioned, so a store that ran it then counts it as applied. */
export const CREDENTIALS_MIGRATION = 'user-credentials-bound-v2';

export interface CredentialMigrationDeps {
  users: Pick<UserRepository, 'list' | 'findById' | 'updateSealed'>;
  mfa: Pick<MfaRepository, 'find' | 'reseal'>;
  integrity: Integrity;
  audit: Pick<AuditLog, 'record'>;
  log: Pick<Logger, 'info' | 'error'>;
}

export interface CredentialMigrationResult {
  resealed: number;
  /** Old-shape records whose old MAC fails too: left as they are (they answer DATA_INTEGRITY). */
  failed: string[];
  /** Old-shape records changed by someone else during the pass: a next pass looks again. */
  remaining: number;
}

/** One pass over the users: each old-shape record whose old MAC verifies is re-sealed (with its second factor), one that fails it is listed as failed and left refused, one already of the new shape is left alone. */
export async function migrateCredentialSeals(deps: CredentialMigrationDeps): Promise<CredentialMigrationResult> {
  const { users, integrity } = deps;
  const out: CredentialMigrationResult = { resealed: 0, failed: [], remaining: 0 };
  for (const listed of await users.list()) {
    if (userSealOk(integrity, listed)) continue;
    const done = await resealOne(deps, listed);
    if (done === 'resealed') out.resealed++;
    else if (done === 'failed') out.failed.push(`user:${listed._id}`);
    else out.remaining++;
  }
  if (out.failed.length) deps.log.error({ users: out.failed.slice(0, 20), count: out.failed.length }, 'user records whose MAC fails under the old and the new body: not re-sealed');
  if (out.resealed) deps.log.info({ resealed: out.resealed }, 'user records re-sealed over their credentials (one-time upgrade)');
  return out;
}

async function resealOne(deps: CredentialMigrationDeps, read: UserDoc): Promise<'resealed' | 'failed' | 'changed'> {
  const { users, integrity } = deps;
  for (let attempt = 0; attempt < 3; attempt++) {
    const user = attempt === 0 ? read : await users.findById(read._id);
    if (!user) return 'changed';
    if (userSealOk(integrity, user)) return 'changed'; // another process did it
    // Only a record of the old shape whose old MAC verifies: anything else was tampered with.
    if (user.secondFactor !== undefined || !integrity.verify('userRecord', legacyUserBody(user), user.mac)) return 'failed';
    const doc = await deps.mfa.find(user._id);
    let secondFactor: UserDoc['secondFactor'] = null;
    if (doc) {
      if (!secondFactorSealOk(integrity, doc)) await deps.mfa.reseal(doc, { seal: secondFactorSeal(integrity, doc) });
      if (doc.confirmedAt) secondFactor = { seedCreatedAt: doc.createdAt };
    }
    const set = { secondFactor, mustChangePassword: false };
    const mac = userSeal(integrity, { ...user, ...set });
    if (await users.updateSealed(user._id, user.mac, { ...set, mac })) {
      await deps.audit.record({
        action: 'auth.credentials_reseal',
        actor: { type: 'system', id: 'credential-migration' },
        target: { type: 'user', id: user._id },
        outcome: 'success',
        details: { username: user.username, secondFactor: secondFactor !== null, sso: Boolean(user.oidc) },
      });
      return 'resealed';
    }
  }
  return 'changed';
}
