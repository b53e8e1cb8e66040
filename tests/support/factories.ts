/**
 * Factories: staff users and partners, created through the real services.
 * Every role needs a second admin (src/auth/separation.ts), so the factory
 * plays two admins, as an operator would: the requester (the first admin of
 * the test's empty database, made by the host CLI's bootstrap) files each new
 * user's grant, and the approver (the second admin, made by the bootstrap's
 * second step and approved by the requester) approves it through the
 * service. Every account but the first admin chooses its own password at
 * its first sign-in, as its holder would (`chooseOwnPassword`). Nothing here
 * writes the store directly.
 */
import { randomUUID } from 'node:crypto';
import { orderRoles } from '../../src/auth/grants.js';
import type { Desk, Role, StaffPrincipal } from '../../src/auth/types.js';
import type { Deps } from '../../src/deps.js';
import type { AppError } from '../../src/errors.js';
import type { TestApp } from './app.js';

export const PASSWORD = 'correct horse battery staple';
/** The admin who files the factories' requests (the first admin). */
export const REQUESTER = 'factory.requester';
/** The second admin, who approves them. */
export const APPROVER = 'factory.approver';

/** Signs an admin in once and keeps the principal (service calls take it as it is; no second sign-in, no rate limit). */
async function principalOf(deps: Deps, username: string): Promise<StaffPrincipal> {
  const { token } = await deps.services.auth.login(username, PASSWORD, `factory-${randomUUID()}`);
  const p = await deps.services.auth.authenticate(token);
  if (p?.kind !== 'staff' || !p.roles.includes('ADMIN')) throw new Error(`${username} is not an admin: create admins with createStaff, after the factory's two`);
  return p;
}

const admins = new WeakMap<Deps, Promise<{ requester: StaffPrincipal; approver: StaffPrincipal }>>();
const existing = (err: AppError) => {
  if (err.code !== 'CONFLICT') throw err; // made meanwhile by another process on the same database
};

/** The factory's two admins, made once per app by the host CLI's bootstrap (the first at once, the second approved by the first). */
function factoryAdmins(deps: Deps) {
  let made = admins.get(deps);
  if (!made) {
    made = (async () => {
      const auth = deps.services.auth;
      // An earlier process on the same database (bench, chaos seed) made them: the bootstrap is closed by then.
      const made = new Set((await auth.listUsers()).map((u) => u.username));
      if (!made.has(REQUESTER)) await auth.createUser({ username: REQUESTER, password: PASSWORD, roles: ['ADMIN'] }, 'cli').catch(existing);
      const requester = await principalOf(deps, REQUESTER);
      // The second admin is made by an admin's request: its holder chooses their own password at first sign-in.
      const given = initialPasswordFor(PASSWORD);
      const second = made.has(APPROVER) ? null : await auth.createUser({ username: APPROVER, password: given, roles: ['ADMIN'] }, 'cli').catch(existing);
      if (second?.pendingGrantId) await auth.approveRoleGrant(second.pendingGrantId, requester);
      if (second?.mustChangePassword) await chooseOwnPassword(deps, APPROVER, given, PASSWORD);
      return { requester, approver: await principalOf(deps, APPROVER) };
    })();
    admins.set(deps, made);
  }
  return made;
}

/** Approves a pending request as the factory's second admin (the approver). */
export async function approveAsSecondAdmin(deps: Deps, grantId: string) {
  const { approver } = await factoryAdmins(deps);
  return deps.services.auth.approveRoleGrant(grantId, approver);
}

/** The factory's requesting admin, for tests that file requests through the service. */
export async function factoryRequester(deps: Deps) {
  return (await factoryAdmins(deps)).requester;
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

/** Creates a user with all the given roles: requested by the factory's first admin, approved by its second, its first sign-in done by its holder; also used by the chaos seed and the bench. */
export async function createUserWithRoles(deps: Deps, input: { username: string; password: string; roles: Role[]; desk: Desk | null }) {
  const { requester } = await factoryAdmins(deps);
  const given = initialPasswordFor(input.password);
  const created = await deps.services.auth.createUser({ ...input, password: given }, requester);
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
