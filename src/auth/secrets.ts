/**
 * Bearer secrets (session tokens, partner API keys): high-entropy random
 * values, shown once, stored only as SHA-256. A slow hash is unnecessary for
 * 256-bit random secrets and would put argon2 on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'hlt_';
export const PARTNER_KEY_PREFIX = 'hlp_';

export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A secret has a fixed shape; anything else is rejected before any lookup. */
export function looksLikeSecret(value: string, prefix: string): boolean {
  return value.length === prefix.length + 43 && value.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(value.slice(prefix.length));
}
