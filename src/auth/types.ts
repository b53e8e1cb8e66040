/**
 * Who is asking: a signed-in staff member, or a partner organisation (its API key or a caseworker account).
 * OVERSIGHT: a member of an oversight body, who sees the published statistics
 * tables and nothing else (src/auth/policy.ts, src/auth/separation.ts).
 */
import type { Binary } from 'mongodb';

export const ROLES = ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR', 'AUDITOR', 'ADMIN', 'OVERSIGHT'] as const;
export type Role = (typeof ROLES)[number];

export const DESKS = ['SO12', 'SO13'] as const;
export type Desk = (typeof DESKS)[number];

export interface StaffPrincipal {
  kind: 'staff';
  userId: string;
  username: string;
  roles: Role[];
  desk: Desk | null;
  sessionId: string;
}

/**
 * A partner organisation: its API key, or one of its caseworkers signed in to the partner portal. Both have the
 * same rights on every PARTNER operation, and everything the police side keeps (reports, history, audit,
 * notifications, webhooks) names the organisation only: `actorOf` never reads `account`.
 */
export interface PartnerPrincipal {
  kind: 'partner';
  partnerId: string;
  name: string;
  /**
   * Set for a signed-in caseworker account (src/partners/accounts.ts), absent for the API key. Read ONLY by the
   * partner's own code (its activity log, its account admin: audience PARTNER_ADMIN), never written anywhere the
   * police side reads.
   */
  account?: { id: string; admin: boolean; sessionId: string };
}

export type Principal = StaffPrincipal | PartnerPrincipal;

export interface UserDoc {
  _id: string;
  username: string;
  passwordHash: string;
  roles: Role[];
  desk: Desk | null;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Keyed MAC over (id, username, roles, desk, disabled, passwordHash, secondFactor, oidc, mustChangePassword): src/auth/seal.ts.
   * A record without a valid one signs nobody in. A record of the shape before credentials were bound (no
   * `secondFactor` member) is re-sealed once at start-up (src/auth/credential-migration.ts).
   */
  mac: string;
  /** Set for a user provisioned by single sign-on (src/auth/oidc.ts): who they are at which IdP. They have no password. */
  oidc?: { issuer: string; sub: string };
  /**
   * Which second factor the user enrolled (the creation time of its seed in `mfa`), or null when they have none.
   * Under the record's MAC: a missing or different `mfa` document for an enrolled user is DATA_INTEGRITY, never "enrol now".
   */
  secondFactor?: { seedCreatedAt: Date } | null;
  /**
   * Set on an account an admin created (with a password the admin chose): its holder must choose their own
   * password, and enrol their own second factor, before any session opens (src/auth/service.ts). Under the MAC.
   */
  mustChangePassword?: boolean;
}

/**
 * What a request waiting for a second admin would change: roles that need one
 * (src/auth/separation.ts NEEDS_SECOND_ADMIN), or a change that widens a
 * user's access (re-enabling them, moving their desk, removing their second
 * factor so they can enrol a new one), or a partner organisation's admin account (PARTNER_ADMIN: it signs in
 * only once approved).
 */
export const ACCOUNT_CHANGE_KINDS = ['ROLES', 'ENABLE', 'MOVE_DESK', 'RESET_SECOND_FACTOR', 'PARTNER_ADMIN'] as const;
export type AccountChangeKind = (typeof ACCOUNT_CHANGE_KINDS)[number];

/** A request that a second admin decides (src/auth/grants.ts). Stored in `role_grants`; a document without `kind` is a role grant (the shape before other kinds existed). */
export interface RoleGrantDoc {
  _id: string;
  userId: string;
  username: string;
  kind?: AccountChangeKind;
  /** The roles to add (ROLES only; empty for the other kinds). */
  roles: Role[];
  /** The desk to move to (MOVE_DESK only). */
  desk?: Desk | null;
  /** PARTNER_ADMIN only: the organisation (`userId` is its id, `username` its name) and the account waiting for approval. */
  partner?: { partnerId: string; accountId: string };
  /** Why, in the requesting admin's words (required for every kind but ROLES). */
  reason?: string | null;
  status: 'pending' | 'approved' | 'rejected';
  requestedBy: { type: 'user' | 'system'; id: string; name?: string };
  requestedAt: Date;
  decidedBy: { type: 'user'; id: string; name: string } | null;
  decidedAt: Date | null;
}

export interface SessionDoc {
  /** Keyed hash of the bearer token (integrity purpose 'token'): the token itself is never stored, and a row made without the key matches no token. */
  _id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  /** Keyed MAC binding the row to its user, expiry and `console` mark (src/auth/seal.ts): re-pointing a session at another user breaks it. */
  seal: string;
  /**
   * A console session (a cookie from consoleSignIn or single sign-on): it ends after CONSOLE_IDLE_MINUTES
   * without use, on the server too (src/auth/idle.ts). API sessions (`login`) have no mark and no idle limit.
   */
  console?: true;
  /** When the console was last used, recorded at most about once a minute (src/auth/idle.ts); console sessions only. */
  lastSeenAt?: Date;
  /** Keyed MAC over (id, lastSeenAt). */
  seenSeal?: string;
}

export interface PartnerDoc {
  _id: string;
  name: string;
  /** Keyed hash of the API key (integrity purpose 'token'). */
  keyHash: string;
  /** First characters of the key, to help an admin recognise it; not enough to use it. */
  keyHint: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** Keyed MAC over (id, name, keyHash, revoked) (src/auth/seal.ts): un-revoking or moving a key breaks it. */
  seal: string;
  /** The key replaced by the last rotation, accepted until `expiresAt` (src/auth/partner-keys.ts). */
  previousKey?: { keyHash: string; expiresAt: Date; seal: string } | null;
  /**
   * The organisation's own webhook, set by its partner admin (src/webhooks/partner.ts): the URL, the signing secret
   * sealed like a staff endpoint's (crypto/secret-box.ts, bound to `partner:<id>`), and a keyed MAC
   * ('webhookEndpoint') over `partner:<id>` and the URL, so a database writer cannot redirect deliveries.
   */
  webhook?: { url: string; secret: Binary; createdAt: Date; seal: string } | null;
}

/**
 * A partner organisation's caseworker or partner admin (`partner_accounts`, src/partners/account-repository.ts).
 * Nothing here names the person in clear: the username is kept only as a keyed hash (for sign-in and uniqueness
 * across the partner side) and the display name is sealed under the organisation's own key (src/partners/org-keys.ts).
 */
export interface PartnerAccountDoc {
  _id: string;
  partnerId: string;
  /** Keyed hash of the lower-cased username (integrity purpose 'username', partner-side prefix): unique. */
  usernameHash: string;
  /** The display name, sealed under the organisation's key, bound to this account id. */
  displayName: Binary;
  admin: boolean;
  disabled: boolean;
  passwordHash: string;
  secondFactor: { seedCreatedAt: Date } | null;
  /** Set by whoever chose the password (a staff admin, the partner admin): the holder chooses their own at first sign-in. */
  mustChangePassword: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Keyed MAC over (id, organisation, username hash, admin, disabled, credentials, display name envelope): src/auth/seal.ts. */
  mac: string;
}

/** A caseworker's portal session (`partner_sessions`): always a cookie, always with the idle time-out. */
export interface PartnerSessionDoc {
  /** Keyed hash of the token. */
  _id: string;
  accountId: string;
  partnerId: string;
  createdAt: Date;
  expiresAt: Date;
  /** Keyed MAC binding the row to its account, organisation and expiry. */
  seal: string;
  /** The last use (the heartbeat, src/auth/idle.ts) and its MAC. */
  lastSeenAt: Date;
  seenSeal: string;
}

/** The actor recorded in audit entries for a principal. */
export function actorOf(p: Principal | null) {
  if (!p) return { type: 'anonymous' as const };
  return p.kind === 'staff'
    ? { type: 'user' as const, id: p.userId, name: p.username }
    : { type: 'partner' as const, id: p.partnerId, name: p.name };
}
