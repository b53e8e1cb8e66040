/**
 * THE separation-of-duties table, next to the policy table it constrains:
 * which roles one person may never hold together, and which roles take
 * effect only once a second, different administrator approves the grant.
 * createUser and grant approval read it; scripts/print-policy.ts prints it
 * into the README; tests/unit/separation.test.ts fails when it drifts from
 * the policy (a new content role the rules forget) or from the README.
 */
import type { Role } from './types.js';

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
    never: ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR', 'ADMIN'],
    why: 'an auditor never audits their own work',
  },
  {
    rule: 'admin-no-content',
    role: 'ADMIN',
    never: ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR'],
    why: 'an administrator never reads or writes report content',
  },
] as const satisfies readonly SeparationRule[];

/**
 * Roles granted only after a second administrator approves. SUPERVISOR and
 * INVESTIGATOR read content; ADMIN is here too, or one admin could create a
 * second admin account and approve their own requests with it. The very
 * first admin (no enabled admin exists yet) is the bootstrap exception.
 */
export const NEEDS_SECOND_ADMIN: readonly Role[] = ['SUPERVISOR', 'INVESTIGATOR', 'ADMIN'];

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

/** The table as Markdown, for the README (scripts/print-policy.ts). */
export function separationTable(): string {
  const rows = FORBIDDEN_COMBINATIONS.map((r) => `| \`${r.rule}\` | ${r.role} | ${r.never.join(', ')} | ${r.why} |`);
  return [
    '| rule | role | never together with | why |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Granting ${NEEDS_SECOND_ADMIN.join(', ')} needs a second, different administrator's approval (\`pendingRoleGrants\`, \`approveRoleGrant\`, \`npm run admin -- grants:approve\`); only the first administrator of an empty system is created directly.`,
    '',
    "In the API and the console, re-enabling a user, moving an investigator's desk and resetting a second factor (`enableUser`, `moveUserDesk`, `resetMfa`, each with a reason) are requests of the same kind: a second admin approves them. Approving or rejecting any request in the console asks for the deciding admin's own password and second-factor code again, as the CLI does; every other admin is notified (the bell) when a request is made.",
  ].join('\n');
}
