/**
 * The two-person rule for powerful roles (src/auth/separation.ts): a grant
 * of SUPERVISOR, INVESTIGATOR or ADMIN is recorded as pending, shown to every
 * admin (`pendingRoleGrants`), and applied only when a different admin
 * approves it. Requests, approvals and rejections are audited
 * (admin.role_grant_request / _approve / _reject) so auditors can filter on them.
 *
 * No transactions: the grant is decided first (one write, which settles a
 * race between two deciding admins), then the roles and the user's MAC are
 * written together (one compare-and-set write). If the process stops in
 * between, approving the approved grant again completes it.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/types.js';
import type { Integrity } from '../crypto/integrity.js';
import { assertThat, badInput, conflict, forbidden, notFound } from '../errors.js';
import type { RoleGrantRepository } from './grant-repository.js';
import type { UserIntegrityAlarm } from './integrity-alarm.js';
import type { UserRepository } from './repository.js';
import { userSeal, userSealOk } from './seal.js';
import { separationViolation } from './separation.js';
import { ROLES, type Role, type RoleGrantDoc, type StaffPrincipal, type UserDoc } from './types.js';

export interface RoleGrantDeps {
  users: UserRepository;
  grants: RoleGrantRepository;
  audit: AuditLog;
  integrity: Integrity;
  alarm: UserIntegrityAlarm;
}

export type Requester = RoleGrantDoc['requestedBy'];

/** Roles in the one order of ROLES, so a user's MAC does not depend on the order they were granted in. */
export const orderRoles = (roles: Iterable<Role>) => ROLES.filter((r) => new Set(roles).has(r));

/** A BAD_USER_INPUT naming the separation rule a role set breaks, or nothing. */
export function assertSeparated(roles: readonly Role[]) {
  const broken = separationViolation(roles);
  assertThat(!broken, () => badInput(`roles: ${broken!.role} is never combined with ${broken!.never.join(', ')} (separation rule ${broken!.rule}: ${broken!.why})`, ['roles']));
}

export function createRoleGrants(deps: RoleGrantDeps) {
  const { users, grants, audit, integrity, alarm } = deps;

  /** Adds roles to a user and re-seals the record in one write; retries if the record changed meanwhile. */
  async function applyRoles(userId: string, roles: readonly Role[]): Promise<UserDoc> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const user = await users.findById(userId);
      assertThat(user, notFound('User'));
      if (!userSealOk(integrity, user)) throw await alarm(user);
      assertThat(!user.disabled, conflict(`user ${user.username} is disabled`));
      const next = orderRoles([...user.roles, ...roles]);
      assertSeparated(next);
      const updated = await users.updateSealed(user._id, user.mac, { roles: next, mac: userSeal(integrity, { ...user, roles: next }) });
      if (updated) return updated;
    }
    throw conflict('the user record kept changing; try again');
  }

  /** The grant, if this admin may decide it (not the one who asked). */
  async function decidable(id: string, approver: StaffPrincipal) {
    const grant = await grants.findById(id);
    assertThat(grant, notFound('Role grant'));
    assertThat(grant.requestedBy.id !== approver.userId, forbidden('A role grant needs a second admin: the admin who requested it cannot decide it'));
    return grant;
  }

  return {
    /** Records a pending grant and audits the request; the roles are not applied. */
    async requestRoleGrant(user: Pick<UserDoc, '_id' | 'username'>, roles: Role[], requestedBy: Requester) {
      const grant: RoleGrantDoc = {
        _id: randomUUID(),
        userId: user._id,
        username: user.username,
        roles: orderRoles(roles),
        status: 'pending',
        requestedBy,
        requestedAt: new Date(),
        decidedBy: null,
        decidedAt: null,
      };
      await grants.insert(grant);
      await audit.record({
        action: 'admin.role_grant_request',
        actor: requestedBy,
        target: { type: 'user', id: user._id },
        outcome: 'success',
        details: { grantId: grant._id, username: user.username, roles: grant.roles },
      });
      return grant;
    },

    pendingRoleGrants: () => grants.listPending(),

    /** Applies a pending grant, decided by an admin other than the requester. */
    async approveRoleGrant(id: string, approver: StaffPrincipal) {
      const grant = await decidable(id, approver);
      assertThat(grant.status !== 'rejected', conflict('This role grant was rejected'));
      // Check the user before deciding, so a grant on a tampered or disabled record stays pending.
      const user = await users.findById(grant.userId);
      assertThat(user, notFound('User'));
      if (!userSealOk(integrity, user)) throw await alarm(user);
      assertThat(!user.disabled, conflict(`user ${user.username} is disabled`));
      assertSeparated(orderRoles([...user.roles, ...grant.roles]));
      if (grant.status === 'approved' && grant.roles.every((r) => user.roles.includes(r))) throw conflict('This role grant is already approved');
      const by = { type: 'user' as const, id: approver.userId, name: approver.username };
      const now = grant.status === 'pending' ? await grants.decide(grant._id, 'approved', by, new Date()) : grant;
      if (!now) throw conflict('Another admin decided this role grant first');
      const updated = await applyRoles(grant.userId, grant.roles);
      await audit.record({
        action: 'admin.role_grant_approve',
        actor: by,
        target: { type: 'user', id: grant.userId },
        outcome: 'success',
        details: { grantId: grant._id, username: grant.username, roles: grant.roles, requestedBy: grant.requestedBy.id, userRoles: updated.roles },
      });
      return now;
    },

    /** Drops a pending grant; audited like an approval. */
    async rejectRoleGrant(id: string, approver: StaffPrincipal) {
      const grant = await decidable(id, approver);
      assertThat(grant.status === 'pending', conflict(`This role grant is already ${grant.status}`));
      const by = { type: 'user' as const, id: approver.userId, name: approver.username };
      const now = await grants.decide(grant._id, 'rejected', by, new Date());
      if (!now) throw conflict('Another admin decided this role grant first');
      await audit.record({
        action: 'admin.role_grant_reject',
        actor: by,
        target: { type: 'user', id: grant.userId },
        outcome: 'success',
        details: { grantId: grant._id, username: grant.username, roles: grant.roles, requestedBy: grant.requestedBy.id },
      });
      return now;
    },
  };
}

export type RoleGrants = ReturnType<typeof createRoleGrants>;
