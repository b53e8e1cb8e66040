/**
 * What desk work is built on (the services createDeskService receives), and
 * the one way it reads a report by an id a client sent.
 */
import type { AuditLog } from '../../audit/types.js';
import type { UserDoc } from '../../auth/types.js';
import type { Crypto } from '../../crypto/index.js';
import { notFound } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DeskEvents } from '../../triage/events.js';
import type { ReportRepository } from '../store/repository.js';
import type { Priority, ReportDoc } from '../model/types.js';
import type { ReportWriter } from '../store/writer.js';
import { isReportId, type ContentVault } from '../content/vault.js';

export interface DeskServiceDeps {
  reports: ReportRepository;
  /** Every change goes through it, with its audit event in the same write. */
  writer: ReportWriter;
  crypto: Crypto;
  audit: AuditLog;
  events: DeskEvents;
  log: Logger;
  /** Reports whose triage job has not finished, oldest first (triage/queue.ts): where the supervisor queue looks for stuck ones. */
  waitingForTriage?(limit: number, queuedBefore?: Date): Promise<string[]>;
  /** Hands a report back to triage (priority and hold derived from the report by the queue); false when Redis did not take it. */
  enqueueTriage(report: Pick<ReportDoc, '_id' | 'imminentThreat' | 'source'>): Promise<boolean>;
  /** SLA deadlines per priority and the SLA job (triage/queue.ts): a supervisor's priority change re-arms it (corrections.ts). */
  sla?: { seconds: Record<Priority, number>; schedule(reportId: string, dueBy: Date, opts?: { partner?: boolean }): Promise<void> };
  /**
   * After an erasure is stored: removes what outside the report still names it (queued jobs, notifications,
   * webhook dead letters: deps.ts). Must not throw; a failure is logged by the caller and the erasure stands.
   */
  afterErase?(reportId: string): Promise<void>;
  /**
   * Signs the erasure into the anchor directory (report id, minute, audit
   * seq: audit/anchor.ts, erasure records), so a restore of an earlier
   * backup re-applies it. Throws when it cannot be written: the erasure then
   * answers SERVICE_UNAVAILABLE (it stands; its record outside does not), as
   * an audit append whose signed tip fails is reported failed.
   */
  recordErasure?(reportId: string, erasedAt: Date): Promise<void>;
  /** Finds the user a supervisor reassigns a report to, and lists the people of a desk (the auth user repository). */
  users: {
    findByUsername(username: string): Promise<Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'> | null>;
    /** Also names the holders and actors of a report's history in words (history-words.ts). */
    findById(id: string): Promise<Pick<UserDoc, '_id' | 'username' | 'desk'> | null>;
    findEnabledWithRole(role: 'INVESTIGATOR'): Promise<Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'>[]>;
  };
}

/** What the parts of the desk service are built on: its dependencies and the content module built from them (service.ts). */
export interface DeskDeps extends DeskServiceDeps {
  /** The one door to report content: every seal, open and audited read (reports/content/vault.ts). */
  vault: ContentVault;
}

export { isReportId };

/** The report as stored, or NOT_FOUND. */
export async function loadReport(reports: ReportRepository, id: string): Promise<ReportDoc> {
  if (!isReportId(id)) throw notFound('Report');
  const doc = await reports.findById(id);
  if (!doc) throw notFound('Report');
  return doc;
}
