/** Who is asking: a signed-in staff member or a partner organisation's API key. */
export const ROLES = ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR', 'AUDITOR', 'ADMIN'] as const;
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

export interface PartnerPrincipal {
  kind: 'partner';
  partnerId: string;
  name: string;
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
}

export interface SessionDoc {
  /** SHA-256 of the bearer token: the token itself is never stored. */
  _id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface PartnerDoc {
  _id: string;
  name: string;
  /** SHA-256 of the API key. */
  keyHash: string;
  /** First characters of the key, to help an admin recognise it; not enough to use it. */
  keyHint: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The actor recorded in audit entries for a principal. */
export function actorOf(p: Principal | null) {
  if (!p) return { type: 'anonymous' as const };
  return p.kind === 'staff'
    ? { type: 'user' as const, id: p.userId, name: p.username }
    : { type: 'partner' as const, id: p.partnerId, name: p.name };
}
