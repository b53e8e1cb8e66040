/**
 * THE authorisation policy: which principals may run which GraphQL operation.
 * Every root field declares `authScopes: { allow: '<operation>' }` and the
 * scope loader reads this table; a test runs every operation as every role
 * and fails when an operation has no entry here. Row-level rules (an
 * investigator sees only their desk's reports) live in the services.
 * Guarded by: tests/integration/policy-matrix.test.ts (every root field as every role, partner and anonymous).
 */
import type { Principal, Role } from './types.js';

/**
 * PARTNER: a partner organisation, by API key or caseworker account alike. PARTNER_ADMIN: only a signed-in
 * partner account with the admin mark (src/partners/accounts.ts), never the API key.
 */
export type Audience = Role | 'PARTNER' | 'PARTNER_ADMIN' | 'ANYONE' | 'SIGNED_IN';

export const POLICY = {
  // sign-in
  me: ['ANYONE'],
  login: ['ANYONE'],
  logout: ['SIGNED_IN'],
  consoleSignIn: ['ANYONE'],
  consoleSession: ['ANYONE'],
  // the console's activity heartbeat (src/auth/idle.ts)
  consoleActivity: ['SIGNED_IN'],
  singleSignOn: ['ANYONE'],
  // own account (MFA enrolment also with the ticket a sign-in hands out)
  beginMfaEnrolment: ['ANYONE'],
  confirmMfaEnrolment: ['ANYONE'],
  // The first sign-in of an account an admin created: anyone holding the ticket that sign-in answered with.
  setInitialPassword: ['ANYONE'],
  mySecondFactor: ['SIGNED_IN'],
  changePassword: ['SIGNED_IN'],
  mySessions: ['SIGNED_IN'],
  endMySession: ['SIGNED_IN'],
  // intake
  recordHotlineCall: ['CALL_HANDLER', 'SUPERVISOR'],
  mySubmissions: ['CALL_HANDLER', 'SUPERVISOR'],
  submitPartnerReferral: ['PARTNER'],
  partnerReferralStatus: ['PARTNER'],
  // follow-ups and the anonymous channel (reports/desk/follow-ups.ts)
  recordFollowUp: ['CALL_HANDLER', 'SUPERVISOR'],
  myFollowUps: ['CALL_HANDLER', 'SUPERVISOR'],
  addToReferral: ['PARTNER'],
  askPartner: ['INVESTIGATOR', 'SUPERVISOR'],
  answerPartnerQuestion: ['PARTNER'],
  // attached files (reports/desk/attachments.ts): senders are told what was received, never given files back; readers open them (audited)
  attachToReferral: ['PARTNER'],
  attachToCall: ['CALL_HANDLER', 'SUPERVISOR'],
  attachEvidence: ['INVESTIGATOR', 'SUPERVISOR'],
  attachmentContent: ['INVESTIGATOR', 'SUPERVISOR'],
  downloadAttachment: ['INVESTIGATOR', 'SUPERVISOR'],
  // the partner portal's reading operations (reports/desk/follow-ups.ts): the organisation's own referrals only
  ourReferrals: ['PARTNER'],
  ourReferral: ['PARTNER'],
  // partner portal sign-in (src/partners/accounts.ts): the same steps as the console's, for caseworker accounts
  partnerSignIn: ['ANYONE'],
  partnerSetInitialPassword: ['ANYONE'],
  partnerBeginMfaEnrolment: ['ANYONE'],
  partnerConfirmMfaEnrolment: ['ANYONE'],
  partnerSession: ['ANYONE'],
  partnerSignOut: ['SIGNED_IN'],
  partnerActivity: ['SIGNED_IN'],
  // the partner admin's own accounts and activity log (never the API key, never the police side)
  partnerAccounts: ['PARTNER_ADMIN'],
  addPartnerCaseworker: ['PARTNER_ADMIN'],
  removePartnerCaseworker: ['PARTNER_ADMIN'],
  resetPartnerCaseworker: ['PARTNER_ADMIN'],
  partnerActivityLog: ['PARTNER_ADMIN'],
  partnerWebhook: ['PARTNER_ADMIN'],
  setPartnerWebhook: ['PARTNER_ADMIN'],
  // desk work
  deskQueue: ['INVESTIGATOR', 'SUPERVISOR'],
  claimNextReport: ['INVESTIGATOR', 'SUPERVISOR'],
  claimReport: ['INVESTIGATOR', 'SUPERVISOR'],
  releaseReport: ['INVESTIGATOR', 'SUPERVISOR'],
  transitionReport: ['INVESTIGATOR', 'SUPERVISOR'],
  addResearchNote: ['INVESTIGATOR', 'SUPERVISOR'],
  gradeReport: ['INVESTIGATOR', 'SUPERVISOR'],
  referReport: ['INVESTIGATOR', 'SUPERVISOR'],
  report: ['INVESTIGATOR', 'SUPERVISOR'],
  reportPreview: ['INVESTIGATOR', 'SUPERVISOR'],
  reportByReference: ['INVESTIGATOR', 'SUPERVISOR'],
  myReports: ['INVESTIGATOR', 'SUPERVISOR'],
  searchReports: ['INVESTIGATOR', 'SUPERVISOR'],
  // the link chart and timeline of a readable report (reports/desk/neighbourhood.ts), and the audit record of its exported picture
  reportNeighbourhood: ['INVESTIGATOR', 'SUPERVISOR'],
  recordChartExport: ['INVESTIGATOR', 'SUPERVISOR'],
  verifyReportHistory: ['INVESTIGATOR', 'SUPERVISOR', 'AUDITOR'],
  verifyReportHistoryByReference: ['INVESTIGATOR', 'SUPERVISOR', 'AUDITOR'],
  deskQueueChanged: ['INVESTIGATOR', 'SUPERVISOR'],
  revealCaller: ['INVESTIGATOR', 'SUPERVISOR'],
  // urgent alerts (reports/desk/urgent-alerts.ts): the desk's own people and supervisors; never call handlers (they may not learn who holds what)
  urgentAlerts: ['INVESTIGATOR', 'SUPERVISOR'],
  urgentAlertChanged: ['INVESTIGATOR', 'SUPERVISOR'],
  // notifications: for those who hold reports (call handlers' submissions view is coarse: nothing to be told),
  // and for admins, told of requests waiting for a second admin (they name no report)
  myNotifications: ['INVESTIGATOR', 'SUPERVISOR', 'ADMIN'],
  markNotificationsRead: ['INVESTIGATOR', 'SUPERVISOR', 'ADMIN'],
  markAllNotificationsRead: ['INVESTIGATOR', 'SUPERVISOR', 'ADMIN'],
  notificationAdded: ['INVESTIGATOR', 'SUPERVISOR', 'ADMIN'],
  // supervision
  supervisorQueue: ['SUPERVISOR'],
  supervisorOverview: ['SUPERVISOR'],
  supervisionChanged: ['SUPERVISOR'],
  deskPeople: ['SUPERVISOR'],
  reassignReport: ['SUPERVISOR'],
  reopenReport: ['SUPERVISOR'],
  eraseReport: ['SUPERVISOR'],
  callerReveals: ['SUPERVISOR'],
  changeReportPriority: ['SUPERVISOR'],
  changeReportCategories: ['SUPERVISOR'],
  linkReports: ['SUPERVISOR'],
  unlinkReports: ['SUPERVISOR'],
  // investigators' judgement on links between reports they may both read (reports/desk/link-review.ts); supervisors use linkReports/unlinkReports
  proposeLink: ['INVESTIGATOR'],
  confirmLink: ['INVESTIGATOR'],
  markLinkWrong: ['INVESTIGATOR'],
  // entity pages (reports/desk/entities.ts): a search from a value of a report you may read
  entity: ['INVESTIGATOR', 'SUPERVISOR'],
  // onward referral and export (holders and supervisors; the handling code decides the rest: reports/desk/dissemination.ts)
  disseminateReport: ['INVESTIGATOR', 'SUPERVISOR'],
  exportReportBundle: ['INVESTIGATOR', 'SUPERVISOR'],
  verifyReportBundle: ['INVESTIGATOR', 'SUPERVISOR', 'AUDITOR'],
  retentionReview: ['SUPERVISOR'],
  threatLevel: ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR', 'AUDITOR', 'ADMIN'],
  setThreatLevel: ['SUPERVISOR'],
  // statistics (reports/desk/statistics.ts): supervisors exact and free-form; OVERSIGHT the fixed published tables only, suppressed
  statistics: ['SUPERVISOR', 'OVERSIGHT'],
  // the London picture (reports/desk/statistics-map.ts): per borough tile, with unusual-rise markers; OVERSIGHT from the published borough table only
  londonPicture: ['SUPERVISOR', 'OVERSIGHT'],
  // exports of the statistics and the committee report (reports/desk/statistics-export.ts): the published, suppressed tables for everyone; audited (statistics.export)
  exportStatistics: ['SUPERVISOR', 'OVERSIGHT'],
  statisticsReport: ['SUPERVISOR', 'OVERSIGHT'],
  // routing rules: not report content, so auditors and admins may read them; only an admin reloads (audited)
  routingRules: ['SUPERVISOR', 'AUDITOR', 'ADMIN'],
  reloadRoutingRules: ['ADMIN'],
  // audit
  auditLog: ['AUDITOR'],
  verifyAuditLog: ['AUDITOR'],
  // the auditor's CSV of a filtered view (itself audited: audit.export)
  exportAuditLog: ['AUDITOR'],
  // administration
  users: ['ADMIN'],
  createUser: ['ADMIN'],
  disableUser: ['ADMIN'],
  revokeSessions: ['ADMIN'],
  enableUser: ['ADMIN'],
  moveUserDesk: ['ADMIN'],
  resetMfa: ['ADMIN'],
  pendingRoleGrants: ['ADMIN'],
  approveRoleGrant: ['ADMIN'],
  rejectRoleGrant: ['ADMIN'],
  partners: ['ADMIN'],
  createPartner: ['ADMIN'],
  revokePartner: ['ADMIN'],
  rotatePartnerKey: ['ADMIN'],
  // a partner organisation's admin account: a request a second admin approves
  createPartnerAdmin: ['ADMIN'],
  // outgoing webhooks (src/webhooks/)
  webhookEndpoints: ['ADMIN'],
  createWebhookEndpoint: ['ADMIN'],
  deleteWebhookEndpoint: ['ADMIN'],
  webhookDeadLetters: ['ADMIN'],
  replayWebhookDelivery: ['ADMIN'],
} as const satisfies Record<string, readonly Audience[]>;

export type Operation = keyof typeof POLICY;

/**
 * The partner portal's own steps that anyone may take (signing in, the session, the heartbeat): open to ANYONE
 * or SIGNED_IN above, yet partner operations (below), since only the partner side uses them.
 */
export const PARTNER_PORTAL_STEPS: readonly Operation[] = [
  'partnerSignIn',
  'partnerSetInitialPassword',
  'partnerBeginMfaEnrolment',
  'partnerConfirmMfaEnrolment',
  'partnerSession',
  'partnerSignOut',
  'partnerActivity',
];

/**
 * True for an operation of the partner side, read from the table above: one whose audience names PARTNER or
 * PARTNER_ADMIN, or a partner portal step (PARTNER_PORTAL_STEPS). The one test of it: the partner face serves
 * these and nothing else (src/graphql/partner-schema.ts), and metrics leave them out (their request times would
 * say more than the minute).
 */
export function isPartnerOperation(name: string): boolean {
  if (!Object.hasOwn(POLICY, name)) return false;
  const audience = POLICY[name as Operation] as readonly Audience[];
  return audience.includes('PARTNER') || audience.includes('PARTNER_ADMIN') || PARTNER_PORTAL_STEPS.includes(name as Operation);
}

/** Every operation the principal may run: the console builds its navigation from this, not from a copy of the table. */
export function allowedOperations(principal: Principal | null): Operation[] {
  return (Object.keys(POLICY) as Operation[]).filter((op) => allows(principal, op));
}

/** True when the principal may run the operation. */
export function allows(principal: Principal | null, operation: Operation): boolean {
  const audience: readonly Audience[] = POLICY[operation];
  if (audience.includes('ANYONE')) return true;
  if (!principal) return false;
  if (audience.includes('SIGNED_IN')) return true;
  if (principal.kind === 'partner') return audience.includes('PARTNER') || (audience.includes('PARTNER_ADMIN') && principal.account?.admin === true);
  return principal.roles.some((r) => audience.includes(r));
}
