/**
 * What the triage tasks are built on, and how the worker names itself in
 * history entries and audit events.
 */
import type { AuditEventInput } from '../../audit/types.js';
import type { Priority } from '../../reports/model/vocabulary.js';
import type { Logger } from '../../logger.js';
import type { ReportRepository } from '../../reports/store/repository.js';
import type { ReportWriter } from '../../reports/store/writer.js';
import type { DeskEvents } from '../events.js';
import type { createLinker } from '../linking.js';
import type { TriageQueues } from '../queue.js';
import type { RulesHolder } from '../rules-holder.js';
import type { ThreatLevelFollower } from '../threat-level.js';
import type { WebhookService } from '../../webhooks/service.js';
import type { NotificationService } from '../../notifications/service.js';

export interface TriageDeps {
  reports: ReportRepository;
  linker: ReturnType<typeof createLinker>;
  /** The rules in force, read once per decision (swapped by a reload). */
  rules: RulesHolder;
  /** The level as this process follows it: read from the store only when a change was announced (triage/threat-level.ts). */
  threatLevel: Pick<ThreatLevelFollower, 'level'>;
  /** Changes with their audit events in the same write (reports/store/writer.ts). */
  writer: ReportWriter;
  events: DeskEvents;
  queues: TriageQueues;
  slaSeconds: Record<Priority, number>;
  log: Logger;
  /** Outgoing webhooks (src/webhooks/): told after a change committed, never awaited; absent: none sent. */
  webhooks?: Pick<WebhookService, 'notify'>;
  /** In-service notifications (src/notifications/): a confirmed link tells the holder of the other report; absent: nobody told. */
  notifications?: Pick<NotificationService, 'linksConfirmed'>;
}

/** The worker as the actor of its changes. */
export const SYSTEM = { type: 'system' as const, id: 'triage-worker' };

/** The audit event of a change the worker makes to a report. */
export function systemEvent(action: AuditEventInput['action'], reportId: string, outcome: 'success' | 'failure', details: Record<string, unknown>): AuditEventInput {
  return { action, actor: SYSTEM, target: { type: 'report', id: reportId }, outcome, details };
}
