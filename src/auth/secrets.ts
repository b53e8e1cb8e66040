/**
 * Bearer secrets (session tokens, partner API keys): high-entropy random
 * values, shown once, stored only as a keyed hash (BLAKE2b under the
 * 'token' subkey of HOTLINE_AUDIT_KEY). A slow hash is unnecessary for
 * 256-bit random secrets and would put argon2 on every request; the key
 * means a row written into `sessions` or `partners` by someone without it
 * (a plain SHA-256, say) matches no token at all.
 */
import { randomBytes } from 'node:crypto';
import type { Integrity } from '../crypto/integrity.js';

export const TOKEN_PREFIX = 'hlt_';
export const PARTNER_KEY_PREFIX = 'hlp_';
/** A partner portal session (a caseworker signed in: src/partners/accounts.ts). */
export const PARTNER_SESSION_PREFIX = 'hlc_';

export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The stored form of a new secret (current audit key). */
export function hashSecret(integrity: Integrity, secret: string): string {
  return integrity.mac('token', secret);
}

/** Every stored form a secret may have (current key first, then keys being rotated out): for lookups. */
export function secretLookupHashes(integrity: Integrity, secret: string): string[] {
  return integrity.macAll('token', secret);
}

/** A secret has a fixed shape; anything else is rejected before any lookup. */
export function looksLikeSecret(value: string, prefix: string): boolean {
  return value.length === prefix.length + 43 && value.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(value.slice(prefix.length));
}
