/**
 * What an identity provider's claims mean here: the group-to-role map read
 * from configuration (OIDC_ROLE_MAP), the roles and desk a set of groups
 * grants (checked against the same separation-of-duties table as local
 * accounts), and the local username and id of an IdP user. Pure functions,
 * so the rules are unit-tested without a provider.
 */
import { createHash } from 'node:crypto';
import { separationViolation } from './separation.js';
import { DESKS, ROLES, type Desk, type Role } from './types.js';

export interface RoleMapEntry {
  group: string;
  role: Role;
  desk: Desk | null;
}

/**
 * Roles an IdP may grant. ADMIN is not among them: administration (creating
 * local accounts, approving grants, disabling users) stays with local
 * break-glass accounts, so a compromised IdP cannot make itself a hotline admin.
 */
export const OIDC_GRANTABLE_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'ADMIN');

/** Prefix of every IdP user's username; local usernames may not start with it (createUser refuses it). */
export const OIDC_USERNAME_PREFIX = 'sso.';

/**
 * Parses OIDC_ROLE_MAP: either `group=ROLE[:DESK],...` or a JSON object
 * `{"group": "ROLE[:DESK]" | ["ROLE[:DESK]", ...]}` (for group names holding
 * `,` or `=`, such as LDAP DNs). Throws a message naming the bad entry.
 */
export function parseRoleMap(raw: string): RoleMapEntry[] {
  const pairs: [string, string][] = [];
  const text = raw.trim();
  if (text.startsWith('{')) {
    const obj = JSON.parse(text) as Record<string, unknown>;
    for (const [group, v] of Object.entries(obj)) {
      for (const spec of Array.isArray(v) ? v : [v]) pairs.push([group, String(spec)]);
    }
  } else {
    for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = item.lastIndexOf('=');
      if (at <= 0) throw new Error(`"${item}" is not group=ROLE[:DESK]`);
      pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()]);
    }
  }
  if (!pairs.length) throw new Error('maps no group');
  return pairs.map(([group, spec]) => {
    const [role, desk = null, extra] = spec.split(':');
    if (extra !== undefined || !OIDC_GRANTABLE_ROLES.includes(role as Role)) {
      throw new Error(`"${group}" maps to "${spec}": the role must be one of ${OIDC_GRANTABLE_ROLES.join(', ')} (ADMIN stays local)`);
    }
    if (desk !== null && !DESKS.includes(desk as Desk)) throw new Error(`"${group}" maps to an unknown desk "${desk}"`);
    return { group, role: role as Role, desk: desk as Desk | null };
  });
}

export type Mapping = { ok: true; roles: Role[]; desk: Desk | null } | { ok: false; reason: 'no_role' | 'desk_conflict' | 'no_desk' | 'separation' };

/** The roles and desk a user's groups grant, or why they grant nothing usable. */
export function mapGroups(groupsClaim: unknown, map: readonly RoleMapEntry[]): Mapping {
  const groups = new Set(Array.isArray(groupsClaim) ? groupsClaim.filter((g) => typeof g === 'string') : typeof groupsClaim === 'string' ? [groupsClaim] : []);
  const hits = map.filter((e) => groups.has(e.group));
  const roles = ROLES.filter((r) => hits.some((h) => h.role === r));
  const desks = [...new Set(hits.map((h) => h.desk).filter((d): d is Desk => d !== null))];
  if (!roles.length) return { ok: false, reason: 'no_role' };
  if (desks.length > 1) return { ok: false, reason: 'desk_conflict' };
  const desk = desks[0] ?? null;
  if (roles.includes('INVESTIGATOR') && !desk) return { ok: false, reason: 'no_desk' };
  if (separationViolation(roles)) return { ok: false, reason: 'separation' };
  return { ok: true, roles, desk };
}

/**
 * The local record id of an IdP identity: derived from (issuer, sub), so a
 * returning user is found by `_id` (the one indexed lookup on the local store) and
 * two first sign-ins at once collide on insert instead of making two accounts.
 */
export function oidcUserId(issuer: string, sub: string): string {
  return `oidc-${createHash('sha256').update(`${issuer}\n${sub}`).digest('hex').slice(0, 40)}`;
}

/**
 * A readable, valid (USERNAME_RE) username: `sso.` + preferred_username (or
 * sub) lower-cased with other characters as `-`; `suffix` disambiguates when
 * the name is taken by another identity.
 */
export function oidcUsername(preferred: unknown, sub: string, suffix = ''): string {
  const base = (typeof preferred === 'string' && preferred.trim() ? preferred : sub)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  const tail = suffix ? `-${suffix}` : '';
  return `${OIDC_USERNAME_PREFIX}${(base || 'user').slice(0, 63 - OIDC_USERNAME_PREFIX.length - tail.length)}${tail}`;
}
