/**
 * Master-key rotation: re-wraps every report's data key under the current
 * master key. Report content is untouched (that is the point of data keys),
 * each swap is one conditional single-document update, so the service keeps
 * running, and an interrupted run resumes where it stopped: it simply finds
 * the keys not yet re-wrapped. Each re-wrap is a versioned change through
 * the report writer, with a history entry (`key_rewrapped`) and its audit
 * event (`report.rewrap_key`) in the same write, so the report's own history
 * and the audit log both show when its key moved.
 */
import type { Crypto } from '../../crypto/index.js';
import type { ReportRepository } from '../store/repository.js';
import type { ReportWriter } from '../store/writer.js';

export interface DataKeyRotationDeps {
  reports: Pick<ReportRepository, 'findWrappedByOtherKeys' | 'countWrappedByOtherKeys' | 'assertCurrent'>;
  /** Every re-wrap goes through it, with its audit event. */
  writer: Pick<ReportWriter, 'apply'>;
  crypto: Pick<Crypto, 'keyring' | 'cipher'>;
}

export interface RotationProgress {
  rewrapped: number;
  remaining: number;
  failed: string[];
}

/** Re-wraps every data key not under the current master key, in batches; `onProgress` after each batch. */
export async function rotateDataKeys(
  deps: DataKeyRotationDeps,
  onProgress: (p: RotationProgress) => void = () => {},
  batchSize = 200,
): Promise<RotationProgress> {
  const { reports, writer, crypto } = deps;
  const current = crypto.keyring.currentId;
  const failed = new Set<string>();
  let rewrapped = 0;
  for (;;) {
    const batch = (await reports.findWrappedByOtherKeys(current, batchSize + failed.size)).filter((d) => !failed.has(d._id));
    if (!batch.length) break;
    for (const doc of batch) {
      try {
        await reports.assertCurrent(doc); // rolled back or put back after erasure: never re-wrapped (reports/store/freshness.ts, alarmed)
        const next = crypto.cipher.rewrapDataKey(doc._id, doc.dataKey!);
        // Through the versioned change path, so a concurrent claim or note is never overwritten; the audit event rides in the same write.
        const actor = { type: 'system' as const, id: 'key-rotation' };
        const done = await writer.apply(
          doc,
          {
            set: { dataKey: next },
            history: [{ at: new Date(), actor, action: 'key_rewrapped', from: { masterKeyId: doc.dataKey!.masterKeyId }, to: { masterKeyId: next.masterKeyId }, reason: null }],
          },
          [{ action: 'report.rewrap_key', actor, target: { type: 'report', id: doc._id }, outcome: 'success', details: { reference: doc.reference, fromMasterKeyring: doc.dataKey!.masterKeyId, toMasterKeyring: next.masterKeyId } }],
        );
        if (done) rewrapped++;
      } catch {
        // A key that cannot be opened (its master key is not configured), or a report that is not its current version: report it, carry on.
        failed.add(doc._id);
      }
    }
    onProgress({ rewrapped, remaining: Math.max(0, (await reports.countWrappedByOtherKeys(current)) - failed.size), failed: [...failed] });
  }
  return { rewrapped, remaining: failed.size, failed: [...failed] };
}
