/**
 * Audit events: who did what to which thing, with details that never contain
 * sensitive values (no report content, no caller identity, no credentials).
 */
import type { ChainVerification } from '../crypto/hash-chain.js';
import type { AuditAction } from './actions.js';

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
  /**
   * Not sent to the store after this moment (ms since the epoch): the caller's claim to append the event ends
   * soon after (audit/chainer.ts), and an entry sent later could land beside the one the claim's next holder
   * appends. Past it, `record` rejects (AuditClaimLapsedError) and the event stays pending for the recovery.
   */
  notAfter?: number;
}


/** The audit chain's verdict: the keyed chain itself, and how it compares with the signed checkpoints outside the database. */
export interface AuditVerification extends ChainVerification {
  /**
   * Against the checkpoints, the signed tips above the latest and the signed
   * restores (less what a later restore abandoned): OK: all match; RESTORED:
   * all match, and the store was restored from an older backup with no
   * checkpoint since (`restored` says to when); TRUNCATED: the chain is
   * shorter than one says; REWRITTEN: an entry differs from one; NONE: none yet.
   */
  anchor: 'OK' | 'RESTORED' | 'TRUNCATED' | 'REWRITTEN' | 'NONE';
  /** seq and time of the latest checkpoint whose signature verifies. */
  anchorSeq: number | null;
  anchoredAt: Date | null;
  /** The first entry that differs from what the checkpoints and signed tips attest, or null. */
  firstDifference: number | null;
  /** The latest signed restore that counts (whatever `anchor` says), or null: "restored to <backupAt>: <missing> audit entries after it are not in this backup". */
  restored?: { seq: number; backupAt: string; restoredAt: string; missing: number } | null;
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
   * When `record` would let this event go, if it holds it back until the
   * minute of `at` has passed (a partner's: docs/audit.md, "Partner entries
   * in the chain's order"); null when it would not hold it. A caller whose
   * event is kept elsewhere need not wait for it.
   */
  heldUntil?(event: Pick<AuditEventInput, 'actor'>, at: Date): number | null;
  /** Which of these pending-event keys are already in the chain (a scan on the local store: recovery only). */
  chainedKeys(keys: readonly string[]): Promise<Set<string>>;
  verify(): Promise<AuditVerification>;
  /** Newest first; `after` is a seq cursor. */
  query(filter: AuditQuery, page: { first: number; after?: number }): Promise<{ entries: AuditEntry[]; hasNextPage: boolean }>;
  ensureIndexes(): Promise<void>;
}
