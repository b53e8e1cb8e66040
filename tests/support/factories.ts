/**
 * Factories: staff users, partners and reports, created through the real services.
 * Every role needs a second admin (src/auth/separation.ts), so the factory
 * plays two admins, as an operator would: the requester (the first admin of
 * the test's empty database, made by the host CLI's bootstrap) files each new
 * user's grant, and the approver (the second admin, made by the bootstrap's
 * second step and approved by the requester) approves it through the
 * service. Every account but the first admin chooses its own password at
 * its first sign-in, as its holder would (`chooseOwnPassword`). Reports
 * (`buildReport`) are recorded, routed and worked the same way. Nothing here
 * writes the store directly.
 */
import { randomUUID } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { orderRoles } from '../../src/auth/grants.js';
import { DESKS, type Desk, type Role, type StaffPrincipal } from '../../src/auth/types.js';
import type { Deps } from '../../src/deps.js';
import type { AppError } from '../../src/errors.js';
import type { Priority, ReportStatus } from '../../src/reports/model/types.js';
import { createRulesHolder } from '../../src/triage/rules-holder.js';
import { parseRuleSet, THREAT_LEVELS } from '../../src/triage/rules.js';
import { triageProcessorOf } from '../../src/worker.js';
import type { TestApp } from './app.js';
import { hotlineCall } from './payloads.js';

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

/** The second admin refuses a pending request. */
export async function rejectAsSecondAdmin(deps: Deps, grantId: string) {
  const { approver } = await factoryAdmins(deps);
  return deps.services.auth.rejectRoleGrant(grantId, approver);
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

/**
 * A signed-in account of a partner organisation, made as the service makes them (a partner admin asked for by
 * the factory's requesting admin and approved by its approver; a caseworker added by that organisation's partner
 * admin), after the holder's own first sign-in: own password, own authenticator. `token` works as a bearer
 * token and as the `hotline_partner` cookie; `recoveryCodes` sign in again within the same 30 seconds.
 */
export async function createPartnerAccount(app: TestApp, partner: { partner: { id: string } }, opts: { admin?: boolean; by?: { token: string } } = {}) {
  const svc = app.deps.services.partnerAccounts;
  const username = `${opts.admin ? 'padmin' : 'cw'}-${randomUUID().slice(0, 8)}`;
  const displayName = `${opts.admin ? 'Partner admin' : 'Caseworker'} ${randomUUID().slice(0, 6)}`;
  const given = initialPasswordFor(PASSWORD);
  if (opts.admin) {
    const grant = await svc.requestPartnerAdmin(partner.partner.id, { displayName, username, initialPassword: given }, await factoryRequester(app.deps));
    await approveAsSecondAdmin(app.deps, grant._id);
  } else {
    const by = opts.by ?? (await createPartnerAccount(app, partner, { admin: true }));
    const principal = await app.deps.services.auth.authenticate(by.token);
    await svc.addCaseworker(principal, { displayName, username, initialPassword: given });
  }
  const client = `factory-partner-${randomUUID()}`;
  const extensionsOf = async (attempt: Promise<unknown>) => {
    try {
      await attempt;
    } catch (err) {
      return (err as AppError).extensions ?? {};
    }
    throw new Error('the sign-in was expected to stop at a step');
  };
  const first = await extensionsOf(svc.signIn(username, given, client));
  await svc.setInitialPassword(String(first.passwordTicket), PASSWORD);
  const second = await extensionsOf(svc.signIn(username, PASSWORD, client));
  const ticket = String(second.enrolmentTicket);
  const { otpauthUri } = await svc.beginEnrolment(null, ticket);
  const totp = URI.parse(otpauthUri) as TOTP;
  const { recoveryCodes } = await svc.confirmEnrolment(null, ticket, totp.generate());
  const { token } = await svc.signIn(username, PASSWORD, client, recoveryCodes[0]);
  return { token, username, displayName, totp, recoveryCodes: recoveryCodes.slice(1) };
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

type Staff = Awaited<ReturnType<typeof createStaff>>;

/** The factory's own staff of an app (one call handler, one investigator per desk), made on first use and kept. */
const staffOf = new WeakMap<TestApp, Map<string, Promise<Staff>>>();
function factoryStaff(app: TestApp, role: Role, desk: Desk | null): Promise<Staff> {
  let made = staffOf.get(app);
  if (!made) staffOf.set(app, (made = new Map()));
  const key = `${role}:${desk ?? ''}`;
  let staff = made.get(key);
  if (!staff) made.set(key, (staff = createStaff(app, role, desk)));
  return staff;
}

/** The statuses buildReport walks a report to (erasure and triage failure have tests of their own). */
export type BuiltStatus = 'RECEIVED' | 'TRIAGED' | 'ASSIGNED' | 'UNDER_RESEARCH' | 'ACTIONED' | 'REFERRED' | 'NO_FURTHER_ACTION' | 'CLOSED';

export interface BuildReportOptions {
  /** Default TRIAGED. */
  status?: BuiltStatus;
  /** The desk triage routes it to; default SO12. */
  desk?: Desk;
  /** The priority triage gives it; default P3. */
  priority?: Priority;
  /** The investigator of the desk who claims it (ASSIGNED and after); default the factory's investigator of the desk. */
  assignee?: Staff;
  /** The call handler who records it; default the factory's call handler. */
  recordedBy?: Staff;
  /** Fields of the hotline call (tests/support/payloads.ts hotlineCall) to set. */
  call?: Record<string, unknown>;
}

export interface BuiltReport {
  id: string;
  reference: string;
  status: ReportStatus;
  desk: Desk | null;
  priority: Priority | null;
  /** For the next mutation's expectedVersion. */
  version: number;
  /** The investigator holding it (null before ASSIGNED). */
  assignee: Staff | null;
  recordedBy: Staff;
}

/** From UNDER_RESEARCH: the finished status a report passes through on its way to CLOSED. */
const FINISHED = ['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION'] as const;
const WALK = {
  record: `mutation($input: HotlineCallInput!) { recordHotlineCall(input: $input) { id reference } }`,
  claim: `mutation($id: ID!) { claimReport(id: $id) { version } }`,
  move: `mutation($id: ID!, $to: ReportStatus!, $reason: String!, $v: Int!, $outcome: CloseOutcome) {
    transitionReport(id: $id, to: $to, reason: $reason, expectedVersion: $v, outcome: $outcome) { version }
  }`,
};

/** A rule set that routes every hotline call to one desk at one priority, whatever the threat level. */
function routingTo(desk: Desk, priority: Priority) {
  const none = Object.fromEntries(THREAT_LEVELS.map((l) => [l, 0]));
  const rules = {
    version: `buildReport-${desk}-${priority}`,
    deskPrecedence: [desk, ...DESKS.filter((d) => d !== desk)],
    default: { desk, priority, reason: 'buildReport' },
    rules: [{ id: 'build-report', when: { source: 'HOTLINE_CALL' }, desk, priority }],
    threatLevelUplift: none,
  };
  return parseRuleSet(JSON.stringify(rules), 'tests/support/factories.ts buildReport');
}

let calls = 0;

/**
 * A report in a given state, made the way production makes it, so every
 * history entry and audit event a real one has is there: recorded through the
 * API by a call handler, routed by the real triage task (its rules swapped
 * for one that sends it to `desk` at `priority`), then claimed and moved
 * through the state machine by its investigator's own mutations. Its
 * subjects, vehicle and place are its own, so triage links it to nothing
 * (a link would steer its desk). Boot the app without the worker: the
 * factory routes the report itself. Throws when the report does not end as
 * asked.
 */
export async function buildReport(app: TestApp, opts: BuildReportOptions = {}): Promise<BuiltReport> {
  if (app.worker) throw new Error('buildReport routes the report itself: boot the app without the worker');
  const { status = 'TRIAGED', desk = 'SO12', priority = 'P3' } = opts;
  const recordedBy = opts.recordedBy ?? (await factoryStaff(app, 'CALL_HANDLER', null));
  const ask = async <T>(query: string, variables: Record<string, unknown>, token: string, field: string): Promise<T> => {
    const res = await app.gql(query, variables, token);
    if (res.errors?.length) throw new Error(`buildReport: ${field} failed: ${res.errors[0]!.message}`);
    return res.data[field] as T;
  };

  const tag = randomUUID().slice(0, 8);
  const own = {
    caller: null,
    subjects: [{ name: `Subject ${tag}`, approximateAge: '30s', description: 'Made by the test factory' }],
    vehicles: [{ registration: `BR ${tag}` }],
    locations: [{ address: `${tag} Factory Lane, London` }],
  };
  const input = hotlineCall(++calls, { ...own, ...opts.call });
  const { id, reference } = await ask<{ id: string; reference: string }>(WALK.record, { input }, recordedBy.token, 'recordHotlineCall');

  let assignee: Staff | null = null;
  if (status !== 'RECEIVED') {
    await triageProcessorOf({ ...app.deps, rules: createRulesHolder(routingTo(desk, priority)) }).route(id);
  }
  if (!['RECEIVED', 'TRIAGED'].includes(status)) {
    assignee = opts.assignee ?? (await factoryStaff(app, 'INVESTIGATOR', desk));
    let version = (await ask<{ version: number }>(WALK.claim, { id }, assignee.token, 'claimReport')).version;
    const move = async (to: ReportStatus, extra: Record<string, unknown> = {}) =>
      (version = (await ask<{ version: number }>(WALK.move, { id, to, reason: `buildReport: to ${to}`, v: version, ...extra }, assignee!.token, 'transitionReport')).version);
    if (status !== 'ASSIGNED') await move('UNDER_RESEARCH');
    const finished = status === 'CLOSED' ? 'ACTIONED' : FINISHED.find((s) => s === status);
    if (finished) await move(finished);
    if (status === 'CLOSED') await move('CLOSED', { outcome: 'NO_TRACE' });
  }

  const doc = await app.deps.reports.findById(id);
  const routed = status === 'RECEIVED' || (doc?.desk === desk && doc?.priority === priority);
  if (!doc || doc.status !== status || !routed || (doc.assignee ?? null) !== (assignee?.user.id ?? null)) {
    throw new Error(`buildReport: asked for ${status} on ${desk} at ${priority}, got ${doc ? `${doc.status} on ${doc.desk} at ${doc.priority}` : 'no report'}`);
  }
  return { id, reference, status: doc.status, desk: doc.desk, priority: doc.priority, version: doc.version, assignee, recordedBy };
}
