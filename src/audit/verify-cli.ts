/**
 * `npm run admin -- audit:verify` and `audit:checkpoint`. Verify checks the
 * whole keyed chain, streaming it, and compares it with the signed
 * checkpoints and tips outside the database: exit code 0 when both agree, 1 naming the
 * first entry that differs otherwise. Checkpoint verifies first and only then
 * appends a signed checkpoint (exit 1, nothing written, when the chain does
 * not verify). A database or file-system failure is thrown to the admin CLI, which reports it.
 */
import { CheckpointRefusedError, type AuditLogService } from './service.js';
import type { AuditVerification } from './types.js';
import { restoredWords } from './anchor.js';

const progress = (out: (line: string) => void) => ({ onProgress: (read: number) => out(`  ${read} entries read...`) });

/** One line on how the chain compares with what is signed outside the database (checkpoints and tips). */
function anchorLine(r: AuditVerification): string {
  const at = r.anchoredAt ? `latest ${r.anchoredAt.toISOString()}, seq ${r.anchorSeq}` : 'no checkpoint yet; signed tips only';
  switch (r.anchor) {
    case 'NONE':
      return 'checkpoints: NONE (no signed checkpoint yet: write one with audit:checkpoint)';
    case 'OK':
      return `checkpoints: OK (${at})`;
    case 'RESTORED':
      return `checkpoints: RESTORED (${at}): ${r.restored ? restoredWords(r.restored) : 'a signed restore'} (signed restore of ${r.restored?.restoredAt ?? '?'}; the chain holds its entry, seq ${r.restored?.seq ?? '?'}; a checkpoint ends this notice)`;
    default:
      return `checkpoints: ${r.anchor} (${at}); first entry that differs: seq ${r.firstDifference}`;
  }
}

export async function runAuditVerify(audit: Pick<AuditLogService, 'verify'>, out: (line: string) => void): Promise<number> {
  const result = await audit.verify(progress(out));
  if (result.valid) {
    out(`audit chain OK: ${result.length} entries`);
    out(anchorLine(result));
    return 0;
  }
  out(`audit chain BROKEN at seq ${result.brokenAt}: ${result.reason} (${result.length} entries verified before it)`);
  out(anchorLine(result));
  return 1;
}

export async function runAuditCheckpoint(audit: Pick<AuditLogService, 'checkpoint'>, out: (line: string) => void): Promise<number> {
  try {
    const cp = await audit.checkpoint(progress(out));
    if (!cp) out('audit chain is empty: nothing to checkpoint');
    else out(`checkpoint written: seq ${cp.seq} hash ${cp.hash} at ${cp.at} (key ${cp.keyId})`);
    return 0;
  } catch (err) {
    if (!(err instanceof CheckpointRefusedError)) throw err;
    out(`no checkpoint written: ${err.message}`);
    out(anchorLine(err.verification));
    return 1;
  }
}
