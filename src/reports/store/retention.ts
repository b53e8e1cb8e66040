/**
 * Retention review: a repeatable job lists reports closed for longer than the
 * retention period so that a supervisor decides, case by case, whether to
 * erase them. Nothing is erased automatically: erasure is a decision with a
 * reason, audited.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { AuditLog } from '../../audit/types.js';
import type { ReportRepository } from './repository.js';

export interface RetentionReview {
  _id: string;
  at: Date;
  retentionDays: number;
  closedBefore: Date;
  reports: { id: string; reference: string; closedAt: Date }[];
}

export type RetentionStore = ReturnType<typeof createRetentionStore>;

/** `reports`: the closed reports are found through the repository (`closedBefore`), which alone reads `reports`. */
export function createRetentionStore(db: Db, reports: Pick<ReportRepository, 'closedBefore'>, audit: AuditLog) {
  const reviews = db.collection<RetentionReview>('retention_reviews');
  return {
    /** Builds and stores one review list; returns it. */
    async review(retentionDays: number, now = new Date()): Promise<RetentionReview> {
      const closedBefore = new Date(now.getTime() - retentionDays * 86_400_000);
      const due = await reports.closedBefore(closedBefore, 10_000);
      const review: RetentionReview = {
        _id: randomUUID(),
        at: now,
        retentionDays,
        closedBefore,
        reports: due.map((d) => ({ id: d._id, reference: d.reference, closedAt: d.closedAt! })),
      };
      await reviews.insertOne(review);
      await audit.record({ action: 'retention.review', actor: { type: 'system', id: 'retention-job' }, target: { type: 'system', id: review._id }, outcome: 'success', details: { retentionDays, due: due.length } });
      return review;
    },
    latest: () => reviews.find({}).sort({ at: -1 }).limit(1).next(),
  };
}
