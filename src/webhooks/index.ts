/**
 * Builds the webhooks domain on the app's pieces: the service (admin
 * operations, notify), partner organisations' webhooks, its bull queue and the delivery task the worker runs.
 */
import type { Db } from 'mongodb';
import type { AuditLogService } from '../audit/service.js';
import type { Config } from '../config.js';
import type { createCrypto } from '../crypto/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../logger.js';
import type { QueueFactory } from '../queue/factory.js';
import type { ReportRepository } from '../reports/store/repository.js';
import { createDeliver } from './deliver.js';
import { createWebhookQueue } from './queue.js';
import { createWebhookRepository } from './repository.js';
import { createWebhookService } from './service.js';
import { createPartnerWebhooks } from './partner.js';
import type { PartnerRepository } from '../partners/repository.js';
import { createTargetPolicy } from './targets.js';

export interface WebhooksDeps {
  db: Db;
  crypto: Awaited<ReturnType<typeof createCrypto>>;
  audit: AuditLogService;
  queues: QueueFactory;
  reports: ReportRepository;
  partners: Pick<PartnerRepository, 'findById' | 'setWebhook' | 'withWebhooks' | 'resealWebhookSecret'>;
  config: Config;
  log: Logger;
}

/** One service, one queue, one delivery task, sharing the repository and the sealed-secret box. */
export function createWebhooks(deps: WebhooksDeps) {
  const webhooks = createWebhookRepository(deps.db);
  const box = createSecretBox(deps.crypto.sodium, deps.crypto.keyring, 'webhookSecret');
  const { attempts, backoffMs, timeoutMs, allowedNetworks } = deps.config.webhooks;
  const targets = createTargetPolicy(allowedNetworks);
  const queue = createWebhookQueue(deps.queues, { attempts, backoffMs });
  const log = deps.log.child({ component: 'webhooks' });
  const service = createWebhookService({ webhooks, box, integrity: deps.crypto.integrity, audit: deps.audit, queue, targets, production: deps.config.production, log });
  const task = createDeliver({ webhooks, box, integrity: deps.crypto.integrity, reports: deps.reports, partners: deps.partners, audit: deps.audit, targets, timeoutMs, log });
  // Partner organisations' own webhooks: the same box, queue, targets and delivery task (src/webhooks/partner.ts).
  const partner = createPartnerWebhooks({ partners: deps.partners, webhooks, box, integrity: deps.crypto.integrity, audit: deps.audit, queue, targets, production: deps.config.production, log });
  return {
    service,
    partner,
    queue,
    task,
    /**
     * Erasure (trust review 2, item 9): nothing of the webhooks names the report
     * afterwards: its dead letters, outbox entries and queued deliveries go
     * (a delivery being sent at that moment finds the report erased and sends nothing).
     */
    async forgetReport(reportId: string) {
      await webhooks.forgetReport(reportId);
      const jobs = await queue.queue.getJobs(['waiting', 'delayed', 'paused', 'failed'], 0, -1);
      await Promise.all(jobs.filter((j) => (j?.data as { reportId?: string } | undefined)?.reportId === reportId).map((j) => j.remove().catch(() => undefined)));
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
