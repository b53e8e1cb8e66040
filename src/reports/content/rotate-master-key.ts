/**
 * Master-key rotation: re-wraps every report's data key under the current
 * master key. Report content is untouched (that is the point of data keys),
 * each swap is one conditional single-document update, so the service keeps
 * running, and an interrupted run resumes where it stopped: it simply finds
 * the keys not yet re-wrapped. Each re-wrap is a versioned change with a
 * history entry, so the report's own history shows when its key moved.
 */
import type { Crypto } from '../../crypto/index.js';
import type { ReportRepository } from '../store/repository.js';

export interface RotationProgress {
  rewrapped: number;
  remaining: number;
  failed: string[];
}

export async function rotateDataKeys(
  reports: ReportRepository,
  crypto: Crypto,
  onProgress: (p: RotationProgress) => void = () => {},
  batchSize = 200,
): Promise<RotationProgress> {
  const current = crypto.keyring.currentId;
  const failed = new Set<string>();
  let rewrapped = 0;
  for (;;) {
    const batch = (await reports.findWrappedByOtherKeys(current, batchSize + failed.size)).filter((d) => !failed.has(d._id));
    if (!batch.length) break;
    for (const doc of batch) {
      try {
        await reports.assertCurrent(doc); // rolled back or put back after erasure: never re-wrapped (freshness.ts, alarmed)
        const next = crypto.cipher.rewrapDataKey(doc._id, doc.dataKey!);
        // Through the versioned change path, so a concurrent claim or note is never overwritten.
        const done = await reports.applyChange(doc, {
          set: { dataKey: next },
          history: [{ at: new Date(), actor: { type: 'system', id: 'key-rotation' }, action: 'key_rewrapped', from: { masterKeyId: doc.dataKey!.masterKeyId }, to: { masterKeyId: next.masterKeyId }, reason: null }],
        });
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
