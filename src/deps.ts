/**
 * Wiring: builds every service from the configuration with plain factory
 * functions, so tests build the real thing against real servers.
 */
import { createAuditChainer, createRedisChainMarks, type AuditChainer } from './audit/chainer.js';
import { createLiveness, type Liveness } from './queue/liveness.js';
import { createAnchorStore } from './audit/anchor.js';
import { createAuditLog } from './audit/service.js';
import { createAuditorService } from './audit/auditor.js';
import { createUserRepository } from './auth/repository.js';
import { createRoleGrantRepository } from './auth/grant-repository.js';
import { createAuthService } from './auth/service.js';
import { createLifecycleService } from './auth/lifecycle.js';
import { createMfaService } from './auth/mfa.js';
import { createMfaRepository } from './auth/mfa-repository.js';
import { createUserIntegrityAlarm } from './auth/integrity-alarm.js';
import { createOidcService } from './auth/oidc.js';
import type { Config } from './config.js';
import type { GraphQLServices } from './graphql/services.js';
import { createCrypto } from './crypto/index.js';
import { connectDatabase, type Database } from './db/client.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { instrumentIntake } from './metrics/instrument.js';
import { createPartnerRepository } from './partners/repository.js';
import { createPartnerAccountRepository } from './partners/account-repository.js';
import { createPartnerAccountService } from './partners/accounts.js';
import { createQueueFactory, type QueueFactory } from './queue/factory.js';
import { createRotatingIntakeKeys } from './crypto/derived.js';
import { createIntakeService } from './intake/service.js';
import { createReportRepository, type ReportRepository } from './reports/store/repository.js';
import { createStatisticsService } from './reports/desk/statistics.js';
import { createStatisticsMapService } from './reports/desk/statistics-map.js';
import { createStatisticsExportService } from './reports/desk/statistics-export.js';
import { createReportIntegrityAlarm } from './reports/store/integrity-alarm.js';
import { createTriageQueues, type TriageQueues } from './triage/queue.js';
import { createDeskEvents, type DeskEvents } from './triage/events.js';
import { loadRuleSet } from './triage/rules.js';
import { createRulesHolder, createRulesService, type RulesHolder } from './triage/rules-holder.js';
import { createThreatLevelFollower, createThreatLevelStore, threatLevelChannel, type ThreatLevelFollower } from './triage/threat-level.js';
import { createRetentionStore } from './reports/store/retention.js';
import { createDeskService } from './reports/desk/service.js';
import { createErasureReapplier } from './reports/desk/erasure-reapply.js';
import { createAttachmentService } from './reports/desk/attachments.js';
import { createClamdScanner } from './intake/clamd.js';
import { createFollowUpService } from './reports/desk/follow-ups.js';
import { createLinker } from './triage/linking.js';
import { createReportWriter, type ReportWriter } from './reports/store/writer.js';
import { createNotificationEvents, type NotificationEvents } from './notifications/events.js';
import { createNotificationRepository } from './notifications/repository.js';
import { createNotificationService } from './notifications/service.js';
import { createWebhooks, type Webhooks } from './webhooks/index.js';
import { createStoreMigrations, type MigrationRunner } from './migrations/index.js';


export interface Deps {
  config: Config;
  log: Logger;
  database: Database;
  queues: QueueFactory;
  crypto: Awaited<ReturnType<typeof createCrypto>>;
  reports: ReportRepository;
  triageQueues: TriageQueues;
  events: DeskEvents;
  /** The routing rules in force in this process (swapped on reload: src/triage/rules-holder.ts). */
  rules: RulesHolder;
  /** The threat level as this process follows it (read again when a change is announced: src/triage/threat-level.ts). */
  threatLevel: ThreatLevelFollower;
  /** Report changes with their audit events (the desk service and the triage worker write through it). */
  writer: ReportWriter;
  chainer: AuditChainer;
  services: GraphQLServices;
  /** This process's metrics (its own registry); served by the API's /metrics and/or the metrics listener. */
  metrics: Metrics;
  /** Outgoing webhooks: the service, its delivery queue and task (the worker consumes it). */
  webhooks: Webhooks;
  /** The store migrations (src/migrations/): status and run, for `npm run admin -- migrate`. */
  migrations: MigrationRunner;
  /** This process's lease and the "reconcile wanted" marks: whether the worker's reconcile must scan (src/queue/liveness.ts). */
  liveness: Liveness;
  close(): Promise<void>;
}

export interface DepsOptions {
  /**
   * `start` (default): the start-up check, before anything serves: refuse a
   * store migrated by a newer version; run pending migrations or refuse
   * (config.migrations.runOnStart). `none`: no check (the admin CLI's
   * `migrate`, which runs or lists them itself).
   */
  migrations?: 'start' | 'none';
}

/** Connects to MongoDB and Redis (bounded retries), ensures indexes, builds services. */
export async function createDeps(config: Config, log: Logger, options: DepsOptions = {}): Promise<Deps> {
  const rules = createRulesHolder(loadRuleSet(config.triage.rulesFile));
  const database = await connectDatabase(config.mongo.uri, config.mongo.dbName, log, { attempts: config.mongo.startupAttempts });
  const queues = createQueueFactory(config.redis.server, config.redis.queuePrefix, log.child({ component: 'redis' }));
  // Before anything can fail a write: a failure seen from here on is a mark for the reconcile.
  const liveness = createLiveness(queues.redis, config.redis.queuePrefix);
  try {
    await queues.ready(config.mongo.startupAttempts * 3_000);
    await liveness.start();
    const crypto = await createCrypto({ masterKey: config.keys.master, previousMasterKeys: config.keys.previousMasters, indexKey: config.keys.index, previousIndexKeys: config.keys.previousIndexes, auditKey: config.keys.audit, previousAuditKeys: config.keys.previousAudits });
    const db = database.db;
    const users = createUserRepository(db);
    const partners = createPartnerRepository(db);
    const partnerAccountRepository = createPartnerAccountRepository(db);
    const anchors = createAnchorStore({ dir: config.audit.anchorDir, sodium: crypto.sodium, integrity: crypto.integrity });
    const audit = createAuditLog({ db, log, integrity: crypto.integrity, holdPartnerEntries: config.audit.holdPartnerEntries, anchors });
    // A report read that is not the report's current version (rolled back, un-erased) is DATA_INTEGRITY, checked against the audit chain and alarmed.
    const reports = createReportRepository(db, crypto.integrity, crypto, {
      chainedKeys: (keys) => audit.chainedKeys(keys),
      alarm: createReportIntegrityAlarm(audit, log.child({ component: 'reports' })),
    });
    await Promise.all([users.ensureIndexes(), partners.ensureIndexes(), partnerAccountRepository.ensureIndexes(), audit.ensureIndexes(), reports.ensureIndexes()]);
    // A tail cut from the chain since the last record outside the database is the alarm at start-up (logged by checkTail);
    // this process then refuses to append audit entries rather than reuse the cut positions (audit/service.ts).
    // An anchor directory that cannot be read is /readyz's to report, and every append fails on it meanwhile.
    await audit.checkTail().catch((err: Error) => log.warn({ errName: err?.name }, 'the audit chain could not be compared with its record outside the database at start-up'));
    const triageQueues = createTriageQueues(queues, { attempts: config.triage.attempts, backoffMs: config.triage.backoffMs, partnerHoldMs: config.triage.partnerHoldMs });
    const mfaRepository = createMfaRepository(db);
    // Stored shapes brought up to this code's (migration 1 re-seals user records, so before anything signs anyone in).
    const migrations = createStoreMigrations({ db, deps: { users, mfa: mfaRepository, reports, crypto, audit, log: log.child({ component: 'migrations' }) } });
    if ((options.migrations ?? 'start') === 'start') await migrations.atStart(config.migrations);
    const mfa = createMfaService({
      mfa: mfaRepository,
      users,
      crypto,
      audit,
      redis: queues.redis,
      redisPrefix: config.redis.queuePrefix,
      requiredRoles: config.auth.mfaRequiredRoles,
      alarm: createUserIntegrityAlarm(audit, log.child({ component: 'auth' })),
    });
    // One set of sign-in limits for staff and partner accounts (each counted apart, under its own Redis prefix).
    const signInLimits = { maxFailuresPerUser: config.auth.maxFailuresPerUser, maxFailuresPerClient: config.auth.maxFailuresPerClient, blockSeconds: config.auth.blockSeconds, backoff: config.auth.backoff, knownClientDays: config.auth.knownClientDays };
    // Partner caseworker accounts (the partner portal): the same sign-in mechanisms as staff, apart in store and Redis.
    const partnerAccounts = await createPartnerAccountService({
      repo: partnerAccountRepository,
      partners,
      factors: createMfaRepository(db, { factors: 'partner_mfa', claims: 'partner_mfa_claims' }),
      crypto,
      audit,
      redis: queues.redis,
      redisPrefix: config.redis.queuePrefix,
      limits: signInLimits,
      sessionTtlMs: config.auth.sessionTtlMs,
      idleMs: config.console.idleTimeoutMs,
      log: log.child({ component: 'partners' }),
      // `auth` is built next; called only when a staff admin asks for a partner admin.
      requestAdmin: (partner, accountId, by) => auth.requestPartnerAdmin(partner, accountId, by),
    });
    const auth = await createAuthService({
      partnerSessions: partnerAccounts,
      mfa,
      users,
      partners,
      grants: createRoleGrantRepository(db),
      redis: queues.redis,
      audit,
      integrity: crypto.integrity,
      log: log.child({ component: 'auth' }),
      sessionTtlMs: config.auth.sessionTtlMs,
      consoleIdleMs: config.console.idleTimeoutMs,
      limits: signInLimits,
      rateLimitPrefix: config.redis.queuePrefix,
      // Built below (they need the desk service and the notifications); called only once a request is made or approved.
      accountChanges: {
        enable: (username, approver) => lifecycle.enableUser(username, approver),
        moveDesk: (username, desk, reason, approver) => lifecycle.moveUserDesk(username, desk, reason, approver),
        resetSecondFactor: (username, approver) => mfa.reset(username, approver),
        partnerAdmin: (partnerId, accountId) => partnerAccounts.approvePartnerAdmin(partnerId, accountId),
        partnerAdminRefused: (partnerId, accountId) => partnerAccounts.discardRefusedAdmin(partnerId, accountId),
      },
      notifyAdmins: (adminIds, grant) => notifications.approvalNeeded(adminIds, grant._id),
    });
    const metrics = createMetrics({ store: reports, log: log.child({ component: 'metrics' }) });
    // The one audit path for report changes: events written with the change, then chained (src/audit/chainer.ts).
    const chainer = createAuditChainer({ audit, marks: createRedisChainMarks(queues.redis, config.redis.queuePrefix, (key) => crypto.integrity.mac('chainMark', key)), log: log.child({ component: 'audit' }), observe: metrics, wantReconcile: (at) => liveness.want(at) });
    const intake = instrumentIntake(createIntakeService({
      reports,
      crypto,
      keys: createRotatingIntakeKeys(crypto.sodium, crypto.keyring.indexKey, config.keys.previousIndexes),
      chainer,
      enqueueTriage: (report) => triageQueues.enqueueTriage(report),
      wantReconcile: () => liveness.want(),
      log: log.child({ component: 'intake' }),
    }), metrics);
    const notificationEvents: NotificationEvents = createNotificationEvents(config.redis.server, config.redis.queuePrefix, log.child({ component: 'redis' }));
    const notifications = createNotificationService({
      repo: createNotificationRepository(db),
      events: notificationEvents,
      findReport: (id) => reports.findById(id),
      log: log.child({ component: 'notifications' }),
      slaWarningMs: config.notifications.slaWarningMs,
    });
    // Notifications are derived from committed changes (reassignment, follow-ups, partner answers).
    const writer = createReportWriter({ reports, chainer, afterCommit: (before, after) => notifications.afterChange(before, after) });
    const events = createDeskEvents(config.redis.server, config.redis.queuePrefix, log.child({ component: 'redis' }));
    const forgetErased = async (id: string) => {
      await triageQueues.forgetReport(id);
      await notifications.forgetReport(id);
      await webhooks.forgetReport(id);
    };
    const desk = createDeskService({
      reports,
      writer,
      users,
      crypto,
      audit,
      events,
      log: log.child({ component: 'desk' }),
      enqueueTriage: (report) => triageQueues.enqueueTriage(report),
      waitingForTriage: (limit, queuedBefore) => triageQueues.unfinished(limit, queuedBefore),
      sla: { seconds: config.triage.slaSeconds, schedule: (id, dueBy, opts) => triageQueues.scheduleSla(id, dueBy, opts) },
      // Erasure leaves the report named only by its tombstone and the audit log (trust review 2, item 9); `webhooks` is built below.
      afterErase: (id) => forgetErased(id),
      // And signed into the anchor directory, so a restore of an earlier backup re-applies it (audit/anchor.ts, erasure records).
      recordErasure: async (id, erasedAt) => {
        // Its audit entry when the chain took it at once; null when it waits in the report for the worker's recovery.
        const seq = (await audit.query({ targetType: 'report', targetId: id, action: 'report.erase' }, { first: 1 })).entries[0]?.seq ?? null;
        await anchors.appendErasure({ reportId: id, at: erasedAt, seq });
      },
    });
    // A change is announced on Redis; every process's follower reads it again then (and routing reads the follower).
    // This process's own follower forgets its copy at once, so a worker in the setter's process never routes with the old level.
    const announceThreatLevel = () => {
      threatLevelFollower.invalidate();
      return queues.redis.publish(threatLevelChannel(config.redis.queuePrefix), 'changed');
    };
    const threatLevel = createThreatLevelStore(db, audit, { announce: announceThreatLevel, log: log.child({ component: 'threat-level' }) });
    const threatLevelFollower = createThreatLevelFollower({ store: threatLevel, redisServer: config.redis.server, prefix: config.redis.queuePrefix, log: log.child({ component: 'threat-level' }) });
    const followUps = createFollowUpService({
      reports,
      writer,
      crypto,
      keys: createRotatingIntakeKeys(crypto.sodium, crypto.keyring.indexKey, config.keys.previousIndexes),
      audit,
      linker: createLinker({ reports, crypto, audit, limits: config.triage.linking, log: log.child({ component: 'follow-ups' }) }),
      log: log.child({ component: 'follow-ups' }),
      raiseImminent: (principal, reportId) => desk.raiseForImminentFollowUp(principal, reportId),
      // `webhooks` is built below; called only once a question is asked (the organisation's own webhook, if set).
      questionAsked: (partnerId) => void webhooks.partner.questionAsked(partnerId),
    });
    const attachments = createAttachmentService({
      reports,
      writer,
      crypto,
      audit,
      keys: createRotatingIntakeKeys(crypto.sodium, crypto.keyring.indexKey, config.keys.previousIndexes),
      limits: { maxBytes: config.attachments.maxBytes, maxPerReport: config.attachments.maxPerReport },
      scanner: config.attachments.clamd ? createClamdScanner(config.attachments.clamd) : null,
    });
    const lifecycle = createLifecycleService({
      users,
      partners,
      integrity: crypto.integrity,
      audit,
      redis: queues.redis,
      redisPrefix: config.redis.queuePrefix,
      limits: { maxFailuresPerUser: config.auth.maxFailuresPerUser, blockSeconds: config.auth.blockSeconds },
      partnerKeyOverlapMs: config.auth.partnerKeyOverlapMs,
      consoleIdleMs: config.console.idleTimeoutMs,
      log: log.child({ component: 'auth' }),
      desk,
    });
    const oidc = config.oidc
      ? createOidcService({
          config: config.oidc,
          users,
          integrity: crypto.integrity,
          redis: queues.redis,
          keyPrefix: config.redis.queuePrefix,
          audit,
          log: log.child({ component: 'oidc' }),
          integrityAlarm: createUserIntegrityAlarm(audit, log.child({ component: 'oidc' })),
          startSession: (user) => auth.startSession(user),
        })
      : null;
    const routingRules = createRulesService({ holder: rules, file: config.triage.rulesFile, audit, redis: queues.redis, redisServer: config.redis.server, prefix: config.redis.queuePrefix, log: log.child({ component: 'rules' }) });
    const webhooks = createWebhooks({ db, crypto, audit, queues, reports, partners, config, log });
    // After a signed restore of an older backup: every erasure recorded since the backup was taken is made again, before
    // anything serves (reports/desk/erasure-reapply.ts; idempotent, so each start with a restore on record runs it).
    // An anchor directory that cannot be read does not stop the start: /readyz says so, and audit appends fail while their
    // signed tips cannot be written (no audit entry, no content); the re-application runs at the next start that can read it.
    const lastRestore = await anchors.readRestores().then(
      (r) => r.restores.at(-1)?.item,
      (err: NodeJS.ErrnoException) => {
        log.error({ code: err.code }, 'the audit anchor directory cannot be read: erasures recorded after a restore are re-applied at the next start that can read it');
        return undefined;
      },
    );
    if (lastRestore) {
      const { erasures } = await anchors.readErasures();
      await createErasureReapplier({ reports, writer, afterErase: forgetErased, log: log.child({ component: 'restore' }) }).reapply(erasures, lastRestore);
    }
    routingRules.start();
    threatLevelFollower.start();
    const auditor = createAuditorService({ audit, users, partners, reports: { idOfReference: (ref) => reports.search.idOfReference(ref), referencesOf: (ids) => reports.referencesOf(ids) } });
    const statistics = createStatisticsService({ store: reports.statistics, partners });
    const statisticsMap = createStatisticsMapService({ statistics });
    const statisticsExport = createStatisticsExportService({ statistics, statisticsMap, audit });
    const services: GraphQLServices = { auth, audit, auditor, intake, desk, statistics, statisticsMap, statisticsExport, threatLevel, retention: createRetentionStore(db, reports, audit), oidc, mfa, lifecycle, routingRules, webhooks: webhooks.service, partnerWebhooks: webhooks.partner, notifications, followUps, attachments, partnerAccounts };
    return {
      config,
      log,
      database,
      queues,
      crypto,
      reports,
      triageQueues,
      events,
      rules,
      threatLevel: threatLevelFollower,
      writer,
      chainer,
      services,
      webhooks,
      metrics,
      migrations,
      liveness,
      async close() {
        await liveness.stop();
        await routingRules.close();
        await threatLevelFollower.close();
        await events.close();
        await notificationEvents.close();
        await queues.close();
        await database.close();
      },
    };
  } catch (err) {
    await liveness.stop();
    await queues.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}
