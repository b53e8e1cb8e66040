/**
 * The signed restore event `restore` appends to the anchor directory when
 * the backup it restored is older than what was signed outside the database
 * (audit/anchor.ts, "restore events"). Without it, the service reads a
 * restored older chain as TRUNCATED and refuses audit appends; with it, the
 * chain that ends exactly at the backup's tip reads RESTORED ("restored to
 * <time>: N audit entries after it are not in this backup") and new entries
 * chain on from there.
 *
 * It is signed only when the backup's tip agrees with what still counts in
 * the anchor directory at that seq: a backup whose chain end contradicts a
 * signed record is not vouched for (verification reports it as before).
 */
import type { AnchorStore, SignedRestore } from '../audit/anchor.js';
import type { Manifest } from './archive.js';

export type RestoreSigning =
  /** Nothing signed outside the database goes past the backup's chain end: no restore event is needed. */
  | { kind: 'current'; highestSigned: number }
  /** The restore event written. */
  | { kind: 'signed'; event: SignedRestore; highestSigned: number }
  /** The backup's chain end differs from a signed record at the same entry: nothing signed. */
  | { kind: 'contradicted'; highestSigned: number; reason: string };

/** Compares the backup's chain end with the anchor directory and, when it is older, signs the restore. */
export async function signRestore(deps: { anchors: Pick<AnchorStore, 'view' | 'appendRestore'>; manifest: Pick<Manifest, 'auditTip' | 'startedAt'>; now?: () => Date }): Promise<RestoreSigning> {
  const view = await deps.anchors.view();
  const tip = deps.manifest.auditTip ?? { seq: 0, hash: '' };
  const signed = [...view.checkpoints, ...view.tips, ...view.restores.filter((r) => r.seq > 0)];
  const highestSigned = Math.max(0, ...signed.map((s) => s.seq));
  if (highestSigned <= tip.seq) return { kind: 'current', highestSigned };
  const differing = signed.find((s) => s.seq === tip.seq && s.hash !== tip.hash);
  if (differing) {
    return { kind: 'contradicted', highestSigned, reason: `the backup's audit chain ends at seq ${tip.seq} with another hash than the one signed for that entry in the anchor directory` };
  }
  const event = await deps.anchors.appendRestore({
    seq: tip.seq,
    hash: tip.hash,
    backupAt: deps.manifest.startedAt,
    missing: highestSigned - tip.seq,
    restoredAt: (deps.now ?? (() => new Date()))().toISOString(),
  });
  return { kind: 'signed', event, highestSigned };
}
