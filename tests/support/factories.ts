/**
 * Factories: staff users and partners, created through the real services.
 * Roles that need a second admin (SUPERVISOR, INVESTIGATOR, ADMIN) are
 * approved the way an operator would: a second admin (the factory's
 * approver, created as the first admin of the test's empty database) signs
 * in and approves the pending grant through the service.
 */
import { randomUUID } from 'node:crypto';
import { actAsAdmin } from '../../src/auth/acting-admin.js';
import { orderRoles } from '../../src/auth/grants.js';
import type { Desk, Role } from '../../src/auth/types.js';
import type { Deps } from '../../src/deps.js';
import type { AppError } from '../../src/errors.js';
import type { TestApp } from './app.js';

export const PASSWORD = 'correct horse battery staple';
export const APPROVER = 'factory.approver';

const approvers = new WeakMap<Deps, Promise<unknown>>();

/** Creates the factory's approving admin once per app: the first admin of an empty database needs no approval. */
function ensureApprover(deps: Deps) {
  let made = approvers.get(deps);
  if (!made) {
    made = deps.services.auth.createUser({ username: APPROVER, password: PASSWORD, roles: ['ADMIN'] }, 'cli').then(
      (u) => {
        if (!u.roles.includes('ADMIN')) throw new Error('an admin existed before the factory approver: create admins with createStaff');
      },
      (err: AppError) => {
        if (err.code !== 'CONFLICT') throw err; // made by an earlier process on the same database (bench, chaos seed)
      },
    );
    approvers.set(deps, made);
  }
  return made;
}

const approvals = new WeakMap<Deps, Promise<unknown>>();

/**
 * Approves a pending role grant as the factory's second admin. Approvals run
 * one at a time per app: each signs the approver in, and parallel sign-ins
 * of one user would trip the sign-in rate limit.
 */
export async function approveAsSecondAdmin(deps: Deps, grantId: string) {
  await ensureApprover(deps);
  const run = (approvals.get(deps) ?? Promise.resolve())
    .catch(() => {})
    .then(() => actAsAdmin(deps.services.auth, APPROVER, PASSWORD, null, (admin) => deps.services.auth.approveRoleGrant(grantId, admin)));
  approvals.set(deps, run);
  return run;
}

/** The password an admin chose for an account the factories create; its holder replaces it at first sign-in. */
export const initialPasswordFor = (password: string) => `${password} (given by an admin)`;

/**
 * The first sign-in of an account an admin created, as its holder does it: the password they were given
 * answers with a ticket (no session), which sets their own password (src/auth/service.ts setInitialPassword).
 */
export async function chooseOwnPassword(deps: Deps, username: string, given: string, own: string) {
  try {
    await deps.services.auth.login(username, given, `factory-first-sign-in-${randomUUID()}`);
  } catch (err) {
    const ticket = (err as AppError).extensions?.passwordTicket;
    if (typeof ticket !== 'string') throw err;
    await deps.services.auth.setInitialPassword(ticket, own);
    return;
  }
  throw new Error(`${username} signed in with the password an admin gave: expected a first-sign-in ticket`);
}

/** Creates a user with all the given roles; also used by the chaos seed and the bench (through the CLI path, approved by a second admin where needed). */
export async function createUserWithRoles(deps: Deps, input: { username: string; password: string; roles: Role[]; desk: Desk | null }) {
  if (input.roles.some((r) => r === 'ADMIN' || r === 'SUPERVISOR' || r === 'INVESTIGATOR')) await ensureApprover(deps);
  const given = initialPasswordFor(input.password);
  const created = await deps.services.auth.createUser({ ...input, password: given }, 'cli');
  await chooseOwnPassword(deps, created.username, given, input.password);
  if (!created.pendingGrantId) return created;
  await approveAsSecondAdmin(deps, created.pendingGrantId);
  return { ...created, roles: orderRoles([...created.roles, ...created.pendingRoles]), pendingRoles: [], pendingGrantId: null };
}

export async function createStaff(app: TestApp, roles: Role[] | Role, desk: Desk | null = null) {
  const list = Array.isArray(roles) ? roles : [roles];
  const username = `${list[0]!.toLowerCase().replace('_', '-')}-${randomUUID().slice(0, 8)}`;
  const user = await createUserWithRoles(app.deps, { username, password: PASSWORD, roles: list, desk: desk ?? (list.includes('INVESTIGATOR') ? 'SO12' : null) });
  const { token } = await app.deps.services.auth.login(username, PASSWORD, `test-${randomUUID()}`);
  return { user, token, username };
}

export async function createPartner(app: TestApp, name = `Partner ${randomUUID().slice(0, 8)}`) {
  const { partner, apiKey } = await app.deps.services.auth.createPartner(name, 'cli');
  return { partner, apiKey, name };
}

/** The four people most desk tests need: a call handler, a supervisor, and an investigator on each desk. */
export async function createDeskTeam(app: TestApp) {
  const [handler, sup, so12, so13] = await Promise.all([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'SUPERVISOR'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
  ]);
  return { handler, sup, so12, so13 };
}
