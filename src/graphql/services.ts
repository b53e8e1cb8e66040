/**
 * What the GraphQL layer may call: one service per domain, built by the
 * wiring (src/deps.ts) and handed to every request's context. Declared here,
 * on the API side, so that the context and yoga depend on these service
 * types and not on the wiring that builds them.
 */
import type { AuditorService } from '../audit/auditor.js';
import type { AuditLogService } from '../audit/service.js';
import type { LifecycleService } from '../auth/lifecycle.js';
import type { MfaService } from '../auth/mfa.js';
import type { OidcService } from '../auth/oidc.js';
import type { AuthService } from '../auth/service.js';
import type { IntakeService } from '../intake/service.js';
import type { PartnerAccountService } from '../partners/accounts.js';
import type { NotificationService } from '../notifications/service.js';
import type { AttachmentService } from '../reports/desk/attachments.js';
import type { FollowUpService } from '../reports/desk/follow-ups.js';
import type { DeskService } from '../reports/desk/service.js';
import type { StatisticsService } from '../reports/desk/statistics.js';
import type { StatisticsMapService } from '../reports/desk/statistics-map.js';
import type { StatisticsExportService } from '../reports/desk/statistics-export.js';
import type { RetentionStore } from '../reports/store/retention.js';
import type { RulesService } from '../triage/rules-holder.js';
import type { ThreatLevelStore } from '../triage/threat-level.js';
import type { WebhookService } from '../webhooks/service.js';
import type { PartnerWebhooks } from '../webhooks/partner.js';

export interface GraphQLServices {
  auth: AuthService;
  /** The audit log, with verification and checkpoints (the worker and the admin CLI write them). */
  audit: AuditLogService;
  /** The auditor's view of the log: filters by username and reference, entries in words, CSV export (src/audit/auditor.ts). */
  auditor: AuditorService;
  intake: IntakeService;
  desk: DeskService;
  /** Supervisors' exact figures and OVERSIGHT's published tables (src/reports/desk/statistics.ts). */
  statistics: StatisticsService;
  /** The London picture: per borough tile, with unusual-rise markers (src/reports/desk/statistics-map.ts). */
  statisticsMap: StatisticsMapService;
  /** CSV exports of the statistics views and the committee report: published, suppressed, audited (src/reports/desk/statistics-export.ts). */
  statisticsExport: StatisticsExportService;
  threatLevel: ThreatLevelStore;
  retention: RetentionStore;
  /** Second factors: TOTP enrolment, recovery codes, admin reset (src/auth/mfa.ts). */
  mfa: MfaService;
  /** Password change, own sessions, re-enable, desk moves, partner key rotation (src/auth/lifecycle.ts). */
  lifecycle: LifecycleService;
  /** Single sign-on (OIDC); null when not configured. */
  oidc: OidcService | null;
  /** Caller follow-ups, partner additions and the anonymous question channel (src/reports/desk/follow-ups.ts). */
  followUps: FollowUpService;
  /** Attached files: uploads, sanitised and sealed, and their audited reads (src/reports/desk/attachments.ts). */
  attachments: AttachmentService;
  /** Routing rules: check, reload (audited, announced to every process), follow other processes' reloads. */
  routingRules: RulesService;
  /** Outgoing webhooks: endpoints, dead letters, replay (src/webhooks/). */
  webhooks: WebhookService;
  /** A partner organisation's own webhook, set by its partner admin (src/webhooks/partner.ts). */
  partnerWebhooks: PartnerWebhooks;
  /** In-service notifications about held reports (src/notifications/). */
  notifications: NotificationService;
  /** Partner caseworker accounts: portal sign-in, their admin's account management and activity log (src/partners/accounts.ts). */
  partnerAccounts: PartnerAccountService;
}
