/**
 * Audit entries in words, for people: the name of each action, and how each
 * detail is labelled or left out. One table read by the server (the audit
 * screen's descriptions and its CSV export, src/audit/describe.ts) and by the
 * console (the action filter), so the two never name an action differently.
 * A new action fails the typecheck here until it has a name.
 */
import type { AuditAction } from './types.js';

/** What each action is called on screen and in exports. */
export const ACTION_LABELS: Record<AuditAction, string> = {
  'auth.login': 'Sign-in',
  'auth.logout': 'Sign-out',
  'auth.partner_key': 'Partner key attempts limited',
  'admin.user_create': 'User created',
  'admin.user_disable': 'User disabled',
  'admin.sessions_revoke': 'Sessions revoked',
  'admin.partner_create': 'Partner created',
  'admin.partner_revoke': 'Partner key revoked',
  'admin.role_grant_request': 'Role grant requested',
  'admin.role_grant_approve': 'Role grant approved',
  'admin.role_grant_reject': 'Role grant rejected',
  'auth.integrity_failure': 'Account record failed its integrity check',
  'auth.mfa_enrol': 'Second factor set up',
  'auth.mfa_recovery_use': 'Recovery code used',
  'auth.password_change': 'Password changed',
  'auth.session_end': 'Session ended',
  'admin.mfa_reset': 'Second factor reset',
  'admin.user_enable': 'User re-enabled',
  'admin.user_move_desk': 'User moved to another desk',
  'admin.partner_rotate_key': 'Partner key rotated',
  'keys.rotate': 'Keys rotated',
  'retention.review': 'Retention review',
  'threat_level.set': 'Threat level changed',
  'triage.rules_reload': 'Routing rules reloaded',
  'report.create': 'Report recorded',
  'report.triage': 'Report triaged',
  'report.escalate': 'Report escalated',
  'report.read': 'Report read',
  'report.search': 'Reports searched',
  'report.reveal_caller': "Caller's identity revealed",
  'report.verify_history': 'Report history verified',
  'report.claim': 'Report claimed',
  'report.release': 'Report released',
  'report.transition': 'Report status changed',
  'report.add_note': 'Research note added',
  'report.grade': 'Report graded',
  'report.refer': 'Report referred',
  'report.reassign': 'Report reassigned',
  'report.reopen': 'Report reopened',
  'report.retry_triage': 'Triage retried',
  'report.erase': 'Report erased',
  'report.change_priority': 'Priority changed',
  'report.change_categories': 'Categories changed',
  'report.link': 'Reports linked',
  'report.unlink': 'Reports unlinked',
  'report.disseminate': 'Report disseminated',
  'bundle.verify': 'Report bundle verified',
  'report.follow_up': 'Follow-up call recorded',
  'report.add_to_referral': 'Partner added to a referral',
  'report.ask_partner': 'Partner asked a question',
  'report.partner_answer': 'Partner answered a question',
  'admin.webhook_create': 'Webhook added',
  'admin.webhook_delete': 'Webhook removed',
  'admin.webhook_replay': 'Webhook delivery replayed',
  'webhook.dead_letter': 'Webhook delivery failed for good',
  'audit.export': 'Audit log exported',
};

/** The action's name, or the stored code for an entry written under a name since retired. */
export const actionLabel = (action: string): string => (ACTION_LABELS as Record<string, string>)[action] ?? action;

/**
 * Labels for the detail keys entries carry. A key not listed is shown with
 * its name turned into words ("releasedReports" → "Released reports").
 */
export const DETAIL_LABELS: Record<string, string> = {
  reference: 'Reference',
  desk: 'Desk',
  fromDesk: 'From desk',
  toDesk: 'To desk',
  status: 'Status',
  fromStatus: 'From status',
  toStatus: 'To status',
  fromAssignee: 'Previous holder',
  toAssignee: 'New holder',
  requestedBy: 'Requested by',
  username: 'Username',
  reason: 'Reason',
  roles: 'Roles',
  userRoles: "User's roles now",
  pendingRoles: 'Roles awaiting approval',
  fields: 'Parts read',
  purpose: 'Purpose',
  method: 'Method',
  source: 'Source',
  channel: 'Channel',
  imminentThreat: 'Imminent threat',
  valid: 'Valid',
  length: 'Entries checked',
  brokenAt: 'Broken at entry',
  from: 'From',
  to: 'To',
  count: 'Count',
  name: 'Name',
  matched: 'Matched',
  disclosed: 'Shown to the searcher',
  hadSecondFactor: 'Had a second factor',
  recoveryCodes: 'Recovery codes issued',
  recoveryCodesLeft: 'Recovery codes left',
  sessionsEnded: 'Sessions ended',
  current: 'This session',
  releasedReports: 'Reports released',
  notReleased: 'Reports kept',
  overlapUntil: 'Old key works until',
  retentionDays: 'Retention (days)',
  due: 'Reports due',
  rules: 'Rules',
  inForce: 'Version in force',
  problems: 'Problems',
  changed: 'Changed',
  historyValid: 'History valid',
  signer: 'Signing key',
  problem: 'Problem',
  filters: 'Filters',
  rows: 'Rows',
  truncated: 'Cut short',
  provisioned: 'Account created at sign-in',
  changedFrom: 'Changed from',
  part: 'Part',
  candidates: 'Candidates examined',
  linked: 'Linked',
  unreadCandidates: 'Candidates not read',
  terms: 'Searched fields',
  hits: 'Hits',
};

/**
 * Detail keys never shown: sealed reasons and keyed hashes (ciphertext and
 * MACs mean nothing to a reader and are checked elsewhere), and random
 * internal ids that name nothing a person can look up.
 */
export const HIDDEN_DETAILS: ReadonlySet<string> = new Set([
  'reasonSealed',
  'reasonMac',
  'reasonRef',
  'search',
  'grantId',
  'addendumId',
  'questionId',
  'pair',
  'blindIndex',
  'variants',
]);
