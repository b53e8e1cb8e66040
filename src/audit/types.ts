/**
 * Audit events: who did what to which thing, with details that never contain
 * sensitive values (no report content, no caller identity, no credentials).
 */
export type ActorType = 'user' | 'partner' | 'system' | 'anonymous';

export interface Actor {
  type: ActorType;
  /** User id, partner id, or a system component name (e.g. "triage-worker"). */
  id?: string;
  /** Username or partner name, for readability; not secret. */
  name?: string;
}

export interface AuditTarget {
  type: 'report' | 'user' | 'partner' | 'system' | 'audit' | 'keys' | 'webhook';
  id?: string;
}

/** Every action the system records (docs/audit.md lists them; a test keeps the two in step). */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.logout',
  'auth.partner_key',
  'admin.user_create',
  'admin.user_disable',
  'admin.sessions_revoke',
  'admin.partner_create',
  'admin.partner_revoke',
  'admin.role_grant_request',
  'admin.role_grant_approve',
  'admin.role_grant_reject',
  'admin.account_change_request',
  'admin.account_change_approve',
  'admin.account_change_reject',
  'auth.integrity_failure',
  'auth.credentials_reseal',
  'auth.mfa_enrol',
  'auth.mfa_recovery_use',
  'auth.password_change',
  'auth.session_end',
  'admin.mfa_reset',
  'admin.user_enable',
  'admin.user_move_desk',
  'admin.partner_rotate_key',
  'keys.rotate',
  'retention.review',
  'threat_level.set',
  'triage.rules_reload',
  'report.create',
  'report.triage',
  'report.escalate',
  'report.read',
  'report.search',
  'report.reveal_caller',
  'report.verify_history',
  'report.integrity_failure',
  'report.claim',
  'report.release',
  'report.transition',
  'report.add_note',
  'report.grade',
  'report.refer',
  'report.reassign',
  'report.reopen',
  'report.retry_triage',
  'report.erase',
  'report.rewrap_key',
  'report.rotate_keys',
  'report.change_priority',
  'report.change_categories',
  'report.link',
  'report.unlink',
  'report.disseminate',
  'bundle.verify',
  'report.follow_up',
  'report.add_to_referral',
  'report.ask_partner',
  'report.partner_answer',
  'admin.webhook_create',
  'admin.webhook_delete',
  'admin.webhook_replay',
  'webhook.dead_letter',
  'audit.export',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEventInput {
  /** Dotted verb: one of AUDIT_ACTIONS. */
  action: AuditAction;
  actor: Actor;
  target?: AuditTarget;
  outcome?: 'success' | 'failure';
  /** Non-sensitive details only: field names, reasons typed by staff, counts. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Pick<AuditEventInput, 'action' | 'actor' | 'outcome'>> {
  seq: number;
  at: Date;
  target: AuditTarget | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** For an event written inside a report change first (PendingAuditEvent): its key, so it is chained once. Not hashed. */
  eventKey?: string;
}

/**
 * An audit event written inside the report change it records, in the same
 * single-document write, then appended to the chain (src/audit/chainer.ts).
 * `key` is `<report id>:<version>:<n>`; `at` is when the change was made.
 */
export interface PendingAuditEvent extends AuditEventInput {
  key: string;
  at: Date;
}

export interface RecordOptions {
  /** When the recorded thing happened (default: now). */
  at?: Date;
  /** The key of a pending event being chained. */
  eventKey?: string;
}

export interface ChainVerification {
  valid: boolean;
  length: number;
  /** seq of the first entry that does not verify, or null. */
  brokenAt: number | null;
  reason: string | null;
}

/** The audit chain's verdict: the keyed chain itself, and how it compares with the signed checkpoints outside the database. */
export interface AuditVerification extends ChainVerification {
  /** Against the checkpoints and the signed tips above the latest: OK: all match; TRUNCATED: the chain is shorter than one says; REWRITTEN: an entry differs from one; NONE: none yet. */
  anchor: 'OK' | 'TRUNCATED' | 'REWRITTEN' | 'NONE';
  /** seq and time of the latest checkpoint whose signature verifies. */
  anchorSeq: number | null;
  anchoredAt: Date | null;
  /** The first entry that differs from what the checkpoints and signed tips attest, or null. */
  firstDifference: number | null;
}

export interface AuditQuery {
  actorId?: string;
  /** Entries by this user, about their account, or failed sign-ins typed with their username (auditor.ts resolves it). */
  person?: { id: string; username: string };
  targetType?: AuditTarget['type'];
  targetId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditLog {
  /** Appends one entry to the system-wide chain; throws if it cannot be written. */
  record(event: AuditEventInput, options?: RecordOptions): Promise<AuditEntry>;
  /**
   * True when `record` holds this event back until the minute of `at` has
   * passed (a partner's: docs/audit.md, "Partner entries in the chain's
   * order"), so a caller whose event is kept elsewhere need not wait for it.
   */
  heldBack?(event: Pick<AuditEventInput, 'actor'>, at: Date): boolean;
  /** Which of these pending-event keys are already in the chain (a scan on FerretDB: recovery only). */
  chainedKeys(keys: readonly string[]): Promise<Set<string>>;
  verify(): Promise<AuditVerification>;
  /** Newest first; `after` is a seq cursor. */
  query(filter: AuditQuery, page: { first: number; after?: number }): Promise<{ entries: AuditEntry[]; hasNextPage: boolean }>;
  ensureIndexes(): Promise<void>;
}
