/**
 * Erasures re-applied after a restore (issue 28). Every erasure signs a
 * record into the audit anchor directory (report id, minute, audit seq:
 * audit/anchor.ts, erasure records). A backup taken before an erasure still
 * holds the report's content; after restoring it, each erasure recorded
 * from the backup's minute on is made again: the same shredding as
 * `eraseReport` (supervision.ts: link edges first, then one update dropping
 * the envelopes, the wrapped data key, the index terms, the fingerprint,
 * idempotency key and receipt hash, then the tombstone and what outside the
 * report names it), with the audit event `report.erasure_reapplied`
 * (system actor `restore`) instead of a supervisor's `report.erase`.
 *
 * Run at start-up (deps.ts), not by `restore` itself: the restore runs while
 * the store is stopped (it places database files), and shredding goes
 * through the report writer, its audit chain and the freshness records,
 * which need the store running. Idempotent: a report already ERASED (the
 * backup held the erasure, or another process re-applied it first) is left
 * as it is, so every start with a signed restore on record may run it.
 */
import type { Logger } from '../../logger.js';
import type { ReportRepository } from '../store/repository.js';
import type { ReportWriter } from '../store/writer.js';
import type { ReportDoc } from '../model/types.js';

const ATTEMPTS = 3;
const ACTOR = { type: 'system' as const, id: 'restore' };

export interface ReapplyOutcome {
  /** Erased again now. */
  reapplied: number;
  /** Already erased in the restored store. */
  already: number;
  /** Not in the restored store at all (filed after the backup was taken). */
  absent: number;
}

export function createErasureReapplier(deps: { reports: Pick<ReportRepository, 'findById' | 'eraseLinksOf'>; writer: ReportWriter; afterErase?(reportId: string): Promise<void>; log: Logger }) {
  const { reports, writer, log } = deps;

  /** Shreds `doc` as eraseReport does; null when it changed meanwhile. */
  function shred(doc: ReportDoc, restore: { backupAt: string; restoredAt: string }, erasedMinute: string) {
    const now = new Date();
    return writer.apply(
      doc,
      {
        where: { status: doc.status },
        set: { status: 'ERASED', content: null, dataKey: null, bidx: [], links: [], fingerprint: '', idempotencyKey: `erased:${doc._id}`, receiptHash: null, erasedAt: now, triagePending: false },
        onTampered: 'keepFlagged',
        history: [{ at: now, actor: ACTOR, action: 'erased', from: { status: doc.status }, to: { status: 'ERASED' }, reason: null }],
      },
      [
        {
          action: 'report.erasure_reapplied',
          actor: ACTOR,
          target: { type: 'report', id: doc._id },
          outcome: 'success',
          details: { reference: doc.reference, fromStatus: doc.status, toStatus: 'ERASED', desk: doc.desk, erasedAt: erasedMinute, backupAt: restore.backupAt, restoredAt: restore.restoredAt },
        },
      ],
      now,
    );
  }

  return {
    /** Re-applies every erasure recorded from the backup's minute on; returns what it found. */
    async reapply(erasures: readonly { reportId: string; at: string }[], restore: { backupAt: string; restoredAt: string }): Promise<ReapplyOutcome> {
      const from = Math.floor(new Date(restore.backupAt).getTime() / 60_000) * 60_000;
      const outcome: ReapplyOutcome = { reapplied: 0, already: 0, absent: 0 };
      for (const { reportId, at } of erasures) {
        if (new Date(at).getTime() < from) continue; // erased before the backup was taken: the backup holds it erased
        for (let attempt = 1; ; attempt++) {
          const doc = await reports.findById(reportId);
          if (!doc) {
            outcome.absent++;
            break;
          }
          if (doc.status === 'ERASED') {
            if (attempt === 1) outcome.already++;
            else outcome.reapplied++; // another process's re-application won the race
            break;
          }
          await reports.eraseLinksOf(reportId);
          if (await shred(doc, restore, at)) {
            outcome.reapplied++;
            await deps.afterErase?.(reportId).catch((err: Error) => log.error({ reportId, errName: err?.name }, 'erasure re-applied, but not every job, notification or dead letter naming the report could be removed'));
            break;
          }
          if (attempt >= ATTEMPTS) throw new Error(`the report kept changing while its erasure was re-applied (${reportId})`);
        }
      }
      if (outcome.reapplied) log.warn({ ...outcome }, 'erasures made after the restored backup was taken were re-applied');
      return outcome;
    },
  };
}
