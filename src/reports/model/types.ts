/**
 * Reports as stored. Everything here that is not under `content` is
 * non-sensitive by design (routing and statistics need it); `content` holds
 * only envelopes (see src/reports/model/encrypted-fields.ts).
 */
import type { PendingAuditEvent } from '../../audit/types.js';
import type { Desk } from '../../auth/types.js';
import type { WrappedDataKey } from '../../crypto/field-cipher.js';
import type { AttachmentRecord } from './attachments.js';
import type { EncryptedContent } from './content.js';
import type { CloseOutcome } from './outcomes.js';

export { INTAKE_CHANNELS, THREAT_CATEGORIES, BOROUGHS, REPORT_STATUSES, PRIORITIES, REPORT_SOURCES, type IntakeChannel, type ThreatCategory, type Borough, type ReportStatus, type Priority, type ReportSource } from './vocabulary.js';
import type { Borough, IntakeChannel, Priority, ReportSource, ReportStatus, ThreatCategory } from './vocabulary.js';

export interface HistoryEntry {
  seq: number;
  at: Date;
  actor: { type: 'user' | 'partner' | 'system'; id: string; name?: string };
  action: string;
  from: Record<string, unknown> | null;
  to: Record<string, unknown> | null;
  reason: string | null;
  prevHash: string;
  hash: string;
}

export interface ReportLink {
  reportId: string;
  reference: string;
  /** Which blind index matched and was confirmed by decryption: vehicle, phone, postcode, name. */
  reasons: string[];
  desk: Desk | null;
  at: Date;
  /** Made by a supervisor by hand (reports/desk/corrections.ts); absent on links triage found. */
  manual?: boolean;
  /** Who made or confirmed it by hand (a staff user id; reports/desk/link-review.ts), shown only to those who may read both ends. */
  by?: string | null;
}

/**
 * How strong a link is (GraphQL `LinkStrength`): CONFIRMED made or confirmed
 * by hand; POSSIBLE found by triage through a phonetic name match alone
 * (weaker: never steers routing); AUTOMATIC found by triage through an exact
 * value confirmed by decryption.
 */
export type LinkStrength = 'CONFIRMED' | 'AUTOMATIC' | 'POSSIBLE';

/** The reason a link found by sound alone carries (the index kind of name variants). */
export const POSSIBLE_REASON = 'namePhonetic';

export function strengthOf(link: Pick<ReportLink, 'manual' | 'reasons'>): LinkStrength {
  if (link.manual) return 'CONFIRMED';
  return link.reasons.length > 0 && link.reasons.every((r) => r === POSSIBLE_REASON) ? 'POSSIBLE' : 'AUTOMATIC';
}

export interface Grading {
  source: '1' | '2' | '3';
  intelligence: 'A' | 'B' | 'C' | 'D' | 'E';
  handling: 'P' | 'C';
  by: string;
  at: Date;
}

export interface ReportDoc {
  _id: string;
  reference: string;
  source: ReportSource;
  channel: IntakeChannel;
  receivedAt: Date;
  recordedAt: Date;
  callDurationSeconds: number | null;
  /** Who recorded it: a call handler's user id, or a partner id. */
  recordedBy: { type: 'user' | 'partner'; id: string };
  /** Keyed hash of the scoped idempotency key (`<principal id>:<client key>`), unique; `erased:<id>` once erased. */
  idempotencyKey: string;
  /** Keyed hash of the submitted input, to tell a retry from a different submission. */
  fingerprint: string;
  /** SHA-256 of the partner's receipt code (partner referrals only). */
  receiptHash: string | null;
  categories: ThreatCategory[];
  imminentThreat: boolean;
  borough: Borough;
  anonymous: boolean;
  callerMayRecontact: boolean | null;
  status: ReportStatus;
  desk: Desk | null;
  priority: Priority | null;
  assignee: string | null;
  escalated: boolean;
  /** The outbox: true until the triage worker has routed the report. */
  triagePending: boolean;
  triage: { ruleSetVersion: string; reasons: string[]; decidedAt: Date; dueBy: Date } | null;
  links: ReportLink[];
  grading: Grading | null;
  content: EncryptedContent | null;
  dataKey: WrappedDataKey | null;
  bidx: string[];
  /** Files attached, each committed after its chunks (reports/model/attachments.ts); absent on reports without any. */
  attachments?: AttachmentRecord[];
  history: HistoryEntry[];
  /**
   * Audit events of the latest changes, written in the same update as the
   * change and then appended to the audit chain (src/audit/chainer.ts); an
   * event stays here until a later change finds it chained. Absent on
   * reports stored before this field existed.
   */
  auditPending?: PendingAuditEvent[];
  version: number;
  closedAt: Date | null;
  /** What came of it, set by the closing transition (outcomes.ts), null once reopened; absent on reports never closed. */
  outcome?: CloseOutcome | null;
  erasedAt: Date | null;
  /**
   * Keyed MAC over the report's envelope and a short keyed digest per part
   * (src/reports/model/envelope-mac.ts): set by the repository on every write,
   * checked on every decrypting read. Optional only in the type: a stored
   * report without them fails the check.
   */
  /** Id of the index key `bidx` is under (absent: written before index-key rotation existed, i.e. under the first index key). */
  indexKeyId?: string;
  envelopeMac?: string;
  envelopeParts?: string[];
}
