/**
 * Wiring: builds every service from the configuration with plain factory
 * functions, so tests build the real thing against real servers.
 */
import { createAuditChainer, createRedisChainMarks, type AuditChainer } from './audit/chainer.js';
import { createAuditLog } from './audit/service.js';
import type { AuditLog } from './audit/types.js';
import { createUserRepository } from './auth/repository.js';
import { createAuthService, type AuthService } from './auth/service.js';
import type { Config } from './config.js';
import { createCrypto } from './crypto/index.js';
import { connectDatabase, type Database } from './db/client.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { instrumentIntake } from './metrics/instrument.js';
import { createPartnerRepository } from './partners/repository.js';
import { createQueueFactory, type QueueFactory } from './queue/factory.js';
import { createIntakeKeys } from './crypto/derived.js';
import { createIntakeService, type IntakeService } from './intake/service.js';
import { createReportRepository, type ReportRepository } from './reports/repository.js';
import { createTriageQueues, type TriageQueues } from './triage/queue.js';
import { createDeskEvents, type DeskEvents } from './triage/events.js';
import { loadRuleSet, type RuleSet } from './triage/rules.js';
import { createThreatLevelStore, type ThreatLevelStore } from './triage/threat-level.js';
import { createRetentionStore, type RetentionStore } from './reports/retention.js';
import { createDeskService, type DeskService } from './reports/service.js';
import { createReportWriter, type ReportWriter } from './reports/writer.js';

export interface Services {
  auth: AuthService;
  audit: AuditLog;
  intake: IntakeService;
  desk: DeskService;
  threatLevel: ThreatLevelStore;
  retention: RetentionStore;
}

export interface Deps {
  config: Config;
  log: Logger;
  database: Database;
  queues: QueueFactory;
  crypto: Awaited<ReturnType<typeof createCrypto>>;
  reports: ReportRepository;
  triageQueues: TriageQueues;
  events: DeskEvents;
  rules: RuleSet;
  /** Report changes with their audit events (the desk service and the triage worker write through it). */
  writer: ReportWriter;
  chainer: AuditChainer;
  services: Services;
  /** This process's metrics (its own registry); served by the API's /metrics and/or the metrics listener. */
  metrics: Metrics;
  close(): Promise<void>;
}

/** Connects to MongoDB and Redis (bounded retries), ensures indexes, builds services. */
export async function createDeps(config: Config, log: Logger): Promise<Deps> {
  const rules = loadRuleSet(config.triage.rulesFile);
  const database = await connectDatabase(config.mongo.uri, config.mongo.dbName, log, { attempts: config.mongo.startupAttempts });
  const queues = createQueueFactory(config.redis.url, config.redis.queuePrefix, log.child({ component: 'redis' }));
  try {
    await queues.ready(config.mongo.startupAttempts * 3_000);
    const crypto = await createCrypto({ masterKey: config.keys.master, previousMasterKeys: config.keys.previousMasters, indexKey: config.keys.index, auditKey: config.keys.audit });
    const db = database.db;
    const users = createUserRepository(db);
    const partners = createPartnerRepository(db);
    const audit = createAuditLog({ db, log });
    const reports = createReportRepository(db);
    await Promise.all([users.ensureIndexes(), partners.ensureIndexes(), audit.ensureIndexes(), reports.ensureIndexes()]);
    const triageQueues = createTriageQueues(queues, { attempts: config.triage.attempts, backoffMs: config.triage.backoffMs });
    // The one audit path for report changes: events written with the change, then chained.

    const auth = await createAuthService({
      users,
      partners,
      redis: queues.redis,
      audit,
      sessionTtlMs: config.auth.sessionTtlMs,
      limits: { maxFailuresPerUser: config.auth.maxFailuresPerUser, maxFailuresPerClient: config.auth.maxFailuresPerClient, blockSeconds: config.auth.blockSeconds },
    });
    const metrics = createMetrics({ store: reports, log: log.child({ component: 'metrics' }) });
    const chainer = createAuditChainer({ audit, marks: createRedisChainMarks(queues.redis, config.redis.queuePrefix), log: log.child({ component: 'audit' }), observe: metrics });
    const intake = instrumentIntake(createIntakeService({
      reports,
      crypto,
      keys: createIntakeKeys(crypto.sodium, crypto.keyring.indexKey),
      chainer,
      enqueueTriage: (id, opts) => triageQueues.enqueueTriage(id, opts),
      log: log.child({ component: 'intake' }),
    }), metrics);
    const writer = createReportWriter({ reports, chainer });
    const events = createDeskEvents(config.redis.url, config.redis.queuePrefix, log.child({ component: 'redis' }));
    const desk = createDeskService({
      reports,
      writer,
      users,
      crypto,
      audit,
      events,
      log: log.child({ component: 'desk' }),
      enqueueTriage: (id) => triageQueues.enqueueTriage(id),
    });
    const threatLevel = createThreatLevelStore(db, audit);
    const services: Services = { auth, audit, intake, desk, threatLevel, retention: createRetentionStore(db, audit) };
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
      writer,
      chainer,
      services,
      metrics,
      async close() {
        await events.close();
        await queues.close();
        await database.close();
      },
    };
  } catch (err) {
    await queues.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}
