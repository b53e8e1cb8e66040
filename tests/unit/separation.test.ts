/**
 * The separation-of-duties table (src/auth/separation.ts) against the policy
 * table it constrains and the README section generated from it: a new role
 * given content, or an operational role the auditor rule forgets, fails here.
 */
import { describe, expect, it } from 'vitest';
import { readmeTable, SEPARATION_BEGIN, SEPARATION_END } from '../../scripts/print/print-policy.js';
import { POLICY, type Audience } from '../../src/auth/policy.js';
import { FORBIDDEN_COMBINATIONS, NEEDS_SECOND_ADMIN, separationTable, separationViolation, splitGrant } from '../../src/auth/separation.js';
import { ROLES, type Role } from '../../src/auth/types.js';

const audience = (op: keyof typeof POLICY) => POLICY[op] as readonly Audience[];
const rolesFor = (ops: (keyof typeof POLICY)[]) => ROLES.filter((r) => ops.some((op) => audience(op).includes(r)));
// Operations that read or write report content or reveal callers.
const CONTENT_OPS = ['report', 'revealCaller', 'recordHotlineCall', 'mySubmissions', 'addResearchNote', 'deskQueue', 'supervisorQueue'] as const;
// Everything any role may do that is not merely signing in or reading the shared threat level.
const operationalOps = (Object.keys(POLICY) as (keyof typeof POLICY)[]).filter(
  (op) => !audience(op).includes('ANYONE') && !audience(op).includes('SIGNED_IN') && op !== 'threatLevel',
);
const rule = (role: Role) => FORBIDDEN_COMBINATIONS.find((r) => r.role === role)!;

describe('separation of duties', () => {
  it('keeps ADMIN away from every role that reads or writes content (from the policy table)', () => {
    const content = rolesFor([...CONTENT_OPS]);
    expect(content.length).toBeGreaterThan(0);
    expect(content).not.toContain('ADMIN');
    expect([...rule('ADMIN').never].sort()).toEqual(content.filter((r) => r !== 'AUDITOR').sort());
  });

  it('keeps AUDITOR away from every role that may act (anything beyond sign-in and the audit itself)', () => {
    const acting = ROLES.filter((r) => r !== 'AUDITOR' && operationalOps.some((op) => audience(op).includes(r)));
    expect([...rule('AUDITOR').never].sort()).toEqual([...acting].sort());
  });

  it('keeps OVERSIGHT away from every role that reads or writes content, and gives it the statistics alone (the figures, the London picture, the exports)', () => {
    const content = rolesFor([...CONTENT_OPS]).filter((r) => r !== 'AUDITOR');
    expect([...rule('OVERSIGHT').never].sort()).toEqual(content.sort());
    expect(operationalOps.filter((op) => audience(op).includes('OVERSIGHT')).sort()).toEqual(['exportStatistics', 'londonPicture', 'statistics', 'statisticsReport']);
    expect(separationViolation(['OVERSIGHT', 'SUPERVISOR'])?.rule).toBe('oversight-no-content');
    expect(separationViolation(['OVERSIGHT', 'CALL_HANDLER'])?.rule).toBe('oversight-no-content');
    expect(separationViolation(['OVERSIGHT'])).toBeNull();
  });

  it('refuses the forbidden sets and allows the rest', () => {
    expect(separationViolation(['SUPERVISOR', 'AUDITOR'])?.rule).toBe('auditor-independent');
    expect(separationViolation(['ADMIN', 'INVESTIGATOR'])?.rule).toBe('admin-no-content');
    expect(separationViolation(['ADMIN', 'AUDITOR'])?.rule).toBe('auditor-independent');
    expect(separationViolation(['SUPERVISOR', 'INVESTIGATOR', 'CALL_HANDLER'])).toBeNull();
    expect(separationViolation(['AUDITOR'])).toBeNull();
  });

  it('holds every role for a second admin, except the first admin of the bootstrap', () => {
    // Every role, including any added later: one admin alone makes no working account of any kind.
    expect([...NEEDS_SECOND_ADMIN].sort()).toEqual([...ROLES].sort());
    expect(splitGrant(['CALL_HANDLER', 'SUPERVISOR'], { bootstrapAdmin: false })).toEqual({ now: [], pending: ['CALL_HANDLER', 'SUPERVISOR'] });
    expect(splitGrant(['AUDITOR'], { bootstrapAdmin: false })).toEqual({ now: [], pending: ['AUDITOR'] });
    expect(splitGrant(['ADMIN'], { bootstrapAdmin: true })).toEqual({ now: ['ADMIN'], pending: [] });
    expect(splitGrant(['ADMIN'], { bootstrapAdmin: false })).toEqual({ now: [], pending: ['ADMIN'] });
  });

  it('is the section in the README (run `npx tsx scripts/print/print-policy.ts --write`)', () => {
    expect(readmeTable(SEPARATION_BEGIN, SEPARATION_END)).toBe(separationTable());
  });
});
