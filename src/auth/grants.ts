/**
 * The two-person rule for every role (src/auth/separation.ts): a grant of
 * any role is recorded as pending, shown to every admin
 * (`pendingRoleGrants`), and applied only when a different admin approves
 * it. Requests, approvals and rejections are audited
 * (admin.role_grant_request / _approve / _reject) so auditors can filter on them.
 *
 * The same mechanism carries the other changes that widen someone's access
 * (the trust review): re-enabling a user, moving an investigator's desk and
 * resetting a second factor are requests of another `kind`, audited as
 * admin.account_change_*, and applied on approval by the lifecycle and MFA
 * services (which audit the change itself, with the approver as actor).
 * Every other enabled admin is notified of a new request (the bell).
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
import { DESKS, ROLES, type AccountChangeKind, type Desk, type Role, type RoleGrantDoc, type StaffPrincipal, type UserDoc } from './types.js';
import type { Logger } from '../logger.js';

/** How an approved request of each non-role kind is applied (src/auth/lifecycle.ts, src/auth/mfa.ts); each audits its own change. */
export interface AccountChangeAppliers {
  enable(username: string, approver: StaffPrincipal): Promise<unknown>;
  moveDesk(username: string, desk: Desk, reason: string, approver: StaffPrincipal): Promise<unknown>;
  resetSecondFactor(username: string, approver: StaffPrincipal): Promise<unknown>;
  /** Lets an approved partner admin account sign in (src/partners/accounts.ts). */
  partnerAdmin?(partnerId: string, accountId: string, approver: StaffPrincipal): Promise<unknown>;
  /** Drops a refused partner admin account that never signed in, so its username is free to ask for again. */
  partnerAdminRefused?(partnerId: string, accountId: string): Promise<unknown>;
}

export interface RoleGrantDeps {
  users: UserRepository;
  grants: RoleGrantRepository;
  audit: AuditLog;
  integrity: Integrity;
  alarm: UserIntegrityAlarm;
  /** Applies approved requests of the non-role kinds; without it only role grants can be requested. */
  changes?: AccountChangeAppliers;
  /** Tells these admins a request waits for them (the notification bell); a failure is logged, never fails the request. */
  notifyAdmins?: (adminIds: string[], grant: RoleGrantDoc) => Promise<unknown>;
  log?: Pick<Logger, 'warn'>;
}

/** The longest reason kept: it goes into the audit entry, whose texts are bounded (src/audit/details.ts). */
export const MAX_REASON = 200;

const kindOf = (g: Pick<RoleGrantDoc, 'kind'>): AccountChangeKind => g.kind ?? 'ROLES';
/** The audit actions of a request's kind: role grants keep their own names. */
const auditActions = (g: Pick<RoleGrantDoc, 'kind'>) =>
  kindOf(g) === 'ROLES'
    ? ({ request: 'admin.role_grant_request', approve: 'admin.role_grant_approve', reject: 'admin.role_grant_reject' } as const)
    : ({ request: 'admin.account_change_request', approve: 'admin.account_change_approve', reject: 'admin.account_change_reject' } as const);

export type Requester = RoleGrantDoc['requestedBy'];

/** What a request's audit entries name as target: the user, or for a partner admin the organisation (never the account). */
const targetOf = (g: Pick<RoleGrantDoc, 'userId' | 'partner'>) => (g.partner ? { type: 'partner' as const, id: g.partner.partnerId } : { type: 'user' as const, id: g.userId });

/** Roles in the one order of ROLES, so a user's MAC does not depend on the order they were granted in. */
export const orderRoles = (roles: Iterable<Role>) => ROLES.filter((r) => new Set(roles).has(r));

/** A BAD_USER_INPUT naming the separation rule a role set breaks, or nothing. */
export function assertSeparated(roles: readonly Role[]) {
  const broken = separationViolation(roles);
  assertThat(!broken, () => badInput(`roles: ${broken!.role} is never combined with ${broken!.never.join(', ')} (separation rule ${broken!.rule}: ${broken!.why})`, ['roles']));
}

/** What the host CLI is told when it tries to act alone outside bootstrap. */
const HOST_ALONE_REFUSED =
  'The host CLI acts without a named admin only to make the first two admins (fewer than two enabled admins): name the requesting admin with --as ADMIN --password-stdin, and a second admin approves';

/** True when the request was filed by the host CLI without a named admin (bootstrap). */
const fromHost = (g: Pick<RoleGrantDoc, 'requestedBy'>) => g.requestedBy.type === 'system';

export function createRoleGrants(deps: RoleGrantDeps) {
  const { users, grants, audit, integrity, alarm } = deps;

  /** Enabled admins whose records verify: those who can approve. */
  const soundAdmins = async () => (await users.findEnabledWithRole('ADMIN')).filter((u) => userSealOk(integrity, u));

  /**
   * Bootstrap, the one place the two-person rule cannot hold (nobody is there
   * to be the second person): the host CLI, naming no admin, may make an
   * ADMIN and nothing else, and only while fewer than two enabled admins with
   * sound records exist. With none, the admin is made at once ('first'); with
   * one, the grant waits for that admin ('second'): the host's operator and
   * that admin are the two people. Anything else is FORBIDDEN.
   * The same holds for recovery (every admin disabled or lost): disabling is
   * audited, and whoever runs the CLI holds the server's keys anyway.
   */
  async function hostBootstrap(roles: readonly Role[]): Promise<'first' | 'second'> {
    const onlyAdmin = roles.length === 1 && roles[0] === 'ADMIN';
    const admins = onlyAdmin ? (await soundAdmins()).length : Infinity;
    assertThat(admins < 2, forbidden(HOST_ALONE_REFUSED));
    return admins === 0 ? 'first' : 'second';
  }

  /** A host-filed grant is approved only by the one admin of a bootstrapping system (see hostBootstrap). */
  async function assertHostGrantDecidable(grant: RoleGrantDoc, approver: StaffPrincipal) {
    const admins = await soundAdmins();
    const alone = admins.length === 1 && admins[0]!._id === approver.userId;
    assertThat(
      alone && grant.roles.length === 1 && grant.roles[0] === 'ADMIN',
      forbidden('This request was filed by the host CLI without a named admin: it can be approved only while its approver is the one admin of the system; reject it and ask again as a named admin'),
    );
  }

  /** Tells every other enabled admin with a sound record; never fails the request that was already recorded. */
  async function announce(grant: RoleGrantDoc) {
    if (!deps.notifyAdmins) return;
    try {
      const admins = (await users.findEnabledWithRole('ADMIN')).filter((u) => u._id !== grant.requestedBy.id && userSealOk(integrity, u));
      if (admins.length) await deps.notifyAdmins(admins.map((u) => u._id), grant);
    } catch (err) {
      deps.log?.warn({ grantId: grant._id, err: (err as Error).name }, 'admins not notified of a pending request');
    }
  }

  /** Files a pending request (a role grant or an account change), audits it and tells the other admins. */
  async function file(grant: RoleGrantDoc, action: 'admin.role_grant_request' | 'admin.account_change_request', details: Record<string, unknown>) {
    await grants.insert(grant);
    await audit.record({ action, actor: grant.requestedBy, target: targetOf(grant), outcome: 'success', details: { grantId: grant._id, username: grant.username, ...details } });
    await announce(grant);
    return grant;
  }

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

  /**
   * Decides a pending non-role request, then applies it as the approver. As
   * for roles, the decision comes first (one write settles a race between
   * two admins). A decided request is never applied again: if the process
   * stopped between the decision and the change, an admin asks again (a new
   * request, seen and approved by a second admin like the first).
   */
  async function approveAccountChange(grant: RoleGrantDoc, approver: StaffPrincipal) {
    assertThat(grant.status === 'pending', conflict(`This request is already ${grant.status}`));
    const changes = deps.changes;
    if (!changes) throw new Error('account changes are not wired');
    if (kindOf(grant) === 'PARTNER_ADMIN') return approvePartnerAdmin(grant, approver, changes);
    const user = await users.findById(grant.userId);
    assertThat(user, notFound('User'));
    if (!userSealOk(integrity, user)) throw await alarm(user);
    const by = { type: 'user' as const, id: approver.userId, name: approver.username };
    const now = await grants.decide(grant._id, 'approved', by, new Date());
    if (!now) throw conflict('Another admin decided this request first');
    const kind = kindOf(grant);
    if (kind === 'ENABLE') await changes.enable(user.username, approver);
    else if (kind === 'MOVE_DESK') await changes.moveDesk(user.username, grant.desk!, grant.reason ?? '', approver);
    else await changes.resetSecondFactor(user.username, approver);
    await audit.record({
      action: 'admin.account_change_approve',
      actor: by,
      target: { type: 'user', id: grant.userId },
      outcome: 'success',
      details: { grantId: grant._id, username: grant.username, kind, desk: grant.desk ?? null, requestedBy: grant.requestedBy.id },
    });
    return now;
  }

  /** A PARTNER_ADMIN request: decided first, as every request, then the account is let sign in. */
  async function approvePartnerAdmin(grant: RoleGrantDoc, approver: StaffPrincipal, changes: AccountChangeAppliers) {
    if (!changes.partnerAdmin || !grant.partner) throw new Error('partner admin approval is not wired');
    const by = { type: 'user' as const, id: approver.userId, name: approver.username };
    const now = await grants.decide(grant._id, 'approved', by, new Date());
    if (!now) throw conflict('Another admin decided this request first');
    await changes.partnerAdmin(grant.partner.partnerId, grant.partner.accountId, approver);
    await audit.record({
      action: 'admin.account_change_approve',
      actor: by,
      target: targetOf(grant),
      outcome: 'success',
      details: { grantId: grant._id, username: grant.username, kind: 'PARTNER_ADMIN', desk: null, requestedBy: grant.requestedBy.id },
    });
    return now;
  }

  return {
    hostBootstrap,

    /**
     * Files the request for a partner organisation's admin account (made disabled by src/partners/accounts.ts):
     * it signs in only once a second admin approves. The request names the organisation, not the person.
     */
    async requestPartnerAdmin(partner: { _id: string; name: string }, accountId: string, requestedBy: StaffPrincipal) {
      const by = { type: 'user' as const, id: requestedBy.userId, name: requestedBy.username };
      const grant: RoleGrantDoc = {
        _id: randomUUID(),
        userId: partner._id,
        username: partner.name,
        kind: 'PARTNER_ADMIN',
        partner: { partnerId: partner._id, accountId },
        roles: [],
        desk: null,
        reason: 'A partner admin account for this organisation',
        status: 'pending',
        requestedBy: by,
        requestedAt: new Date(),
        decidedBy: null,
        decidedAt: null,
      };
      return file(grant, 'admin.account_change_request', { kind: 'PARTNER_ADMIN' });
    },

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
      return file(grant, 'admin.role_grant_request', { roles: grant.roles });
    },

    /**
     * Records a request to re-enable a user, move an investigator's desk or
     * reset a second factor; nothing changes until a second admin approves.
     * Refused at once when it could not be applied (not disabled, not an
     * investigator, already on that desk) or when the same request is pending.
     */
    async requestAccountChange(usernameRaw: string, change: { kind: Exclude<AccountChangeKind, 'ROLES' | 'PARTNER_ADMIN'>; desk?: string | null; reason: string }, requestedBy: StaffPrincipal) {
      if (!deps.changes) throw new Error('account changes are not wired');
      const reason = change.reason.trim();
      assertThat(reason.length > 0 && reason.length <= MAX_REASON, badInput(`reason: say why, in 1 to ${MAX_REASON} characters`, ['reason']));
      const user = await users.findByUsername(usernameRaw.trim().toLowerCase());
      assertThat(user, notFound('User'));
      if (!userSealOk(integrity, user)) throw await alarm(user);
      let desk: Desk | null = null;
      if (change.kind === 'ENABLE') assertThat(user.disabled, conflict(`${user.username} is not disabled`));
      if (change.kind === 'MOVE_DESK') {
        assertThat(DESKS.includes(change.desk as Desk), badInput('desk must be SO12 or SO13', ['desk']));
        desk = change.desk as Desk;
        assertThat(user.roles.includes('INVESTIGATOR'), badInput(`${user.username} is not an investigator`, ['username']));
        assertThat(user.desk !== desk, badInput(`${user.username} is already on the ${desk} desk`, ['desk']));
      }
      const same = (await grants.listPending()).some((g) => g.userId === user._id && kindOf(g) === change.kind);
      assertThat(!same, conflict(`The same request for ${user.username} is already waiting for a second admin`));
      const by = { type: 'user' as const, id: requestedBy.userId, name: requestedBy.username };
      const grant: RoleGrantDoc = {
        _id: randomUUID(),
        userId: user._id,
        username: user.username,
        kind: change.kind,
        roles: [],
        desk,
        reason,
        status: 'pending',
        requestedBy: by,
        requestedAt: new Date(),
        decidedBy: null,
        decidedAt: null,
      };
      return file(grant, 'admin.account_change_request', { kind: change.kind, desk, reason });
    },

    pendingRoleGrants: () => grants.listPending(),

    /** Applies a pending request, decided by an admin other than the requester. */
    async approveRoleGrant(id: string, approver: StaffPrincipal) {
      const grant = await decidable(id, approver);
      if (kindOf(grant) !== 'ROLES') return approveAccountChange(grant, approver);
      assertThat(grant.status !== 'rejected', conflict('This role grant was rejected'));
      if (fromHost(grant) && grant.status === 'pending') await assertHostGrantDecidable(grant, approver);
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

    /** Drops a pending request; audited like an approval. */
    async rejectRoleGrant(id: string, approver: StaffPrincipal) {
      const grant = await decidable(id, approver);
      assertThat(grant.status === 'pending', conflict(`This request is already ${grant.status}`));
      const by = { type: 'user' as const, id: approver.userId, name: approver.username };
      const now = await grants.decide(grant._id, 'rejected', by, new Date());
      if (!now) throw conflict('Another admin decided this request first');
      await audit.record({
        action: auditActions(grant).reject,
        actor: by,
        target: targetOf(grant),
        outcome: 'success',
        details: { grantId: grant._id, username: grant.username, kind: kindOf(grant), roles: grant.roles, requestedBy: grant.requestedBy.id },
      });
      if (kindOf(grant) === 'PARTNER_ADMIN' && grant.partner) await deps.changes?.partnerAdminRefused?.(grant.partner.partnerId, grant.partner.accountId);
      return now;
    },
  };
}

