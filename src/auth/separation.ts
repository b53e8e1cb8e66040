/**
 * THE separation-of-duties table, next to the policy table it constrains:
 * which roles one person may never hold together, and which roles take
 * effect only once a second, different administrator approves the grant.
 * createUser and grant approval read it; scripts/print/print-policy.ts prints it
 * into the README; tests/unit/separation.test.ts fails when it drifts from
 * the policy (a new content role the rules forget) or from the README.
 * Guarded by: tests/unit/separation.test.ts
 */
import { ROLES, type Role } from './types.js';

export interface SeparationRule {
  /** Stable name, quoted in the error an admin sees. */
  rule: string;
  role: Role;
  never: readonly Role[];
  why: string;
}

export const FORBIDDEN_COMBINATIONS = [
  {
    rule: 'auditor-independent',
    role: 'AUDITOR',
    never: ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR', 'ADMIN', 'OVERSIGHT'],
    why: 'an auditor never audits their own work',
  },
  {
    rule: 'admin-no-content',
    role: 'ADMIN',
    never: ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR'],
    why: 'an administrator never reads or writes report content',
  },
  {
    rule: 'oversight-no-content',
    role: 'OVERSIGHT',
    never: ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR'],
    why: 'oversight sees only published, suppressed figures; a content role would see what suppression hides',
  },
] as const satisfies readonly SeparationRule[];

/**
 * Roles granted only after a second, different administrator approves: every
 * role (the trust review found that one admin alone could make a working
 * AUDITOR, who reads every audit entry, or CALL_HANDLER, who records calls).
 * ADMIN is here too, or one admin could create a second admin account and
 * approve their own requests with it. The one exception is bootstrap: the
 * first admin of a system with no enabled admin, created by the host CLI
 * (src/auth/service.ts createUser).
 */
export const NEEDS_SECOND_ADMIN: readonly Role[] = ROLES;

/** The first rule a role set breaks, or null. */
export function separationViolation(roles: readonly Role[]): SeparationRule | null {
  for (const r of FORBIDDEN_COMBINATIONS) {
    if (roles.includes(r.role) && r.never.some((n) => roles.includes(n))) return r;
  }
  return null;
}

/** Splits a requested role set into what is granted now and what waits for a second admin. */
export function splitGrant(roles: readonly Role[], opts: { bootstrapAdmin: boolean }): { now: Role[]; pending: Role[] } {
  const gated = (r: Role) => NEEDS_SECOND_ADMIN.includes(r) && !(r === 'ADMIN' && opts.bootstrapAdmin);
  return { now: roles.filter((r) => !gated(r)), pending: roles.filter(gated) };
}

/** The table as Markdown, for the README (scripts/print/print-policy.ts). */
export function separationTable(): string {
  const rows = FORBIDDEN_COMBINATIONS.map((r) => `| \`${r.rule}\` | ${r.role} | ${r.never.join(', ')} | ${r.why} |`);
  return [
    '| rule | role | never together with | why |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Granting any role (${NEEDS_SECOND_ADMIN.join(', ')}) needs a second, different administrator's approval (\`pendingRoleGrants\`, \`approveRoleGrant\`, \`npm run admin -- grants:approve\`); only the first administrator of a system without an enabled one is created directly, by the host CLI, and while that admin is the only one they approve the host's request for a second admin.`,
    '',
    "Re-enabling a user, moving an investigator's desk and resetting a second factor (`enableUser`, `moveUserDesk`, `resetMfa`, each with a reason) are requests of the same kind, in the API, the console and the host CLI (`npm run admin -- user:enable|user:move-desk|user:mfa-reset … --as ADMIN --password-stdin`, made in that signed-in admin's name): a second admin approves them. Approving or rejecting any request in the console asks for the deciding admin's own password and second-factor code again, as the CLI does; every other admin is notified (the bell) when a request is made.",
  ].join('\n');
}
