/**
 * `npm run admin -- audit:verify`: checks the whole chain, streaming it.
 * Exit code 0 when it verifies; 1 naming the first broken seq otherwise.
 * A database failure is thrown to the admin CLI, which reports it.
 */
import type { Db } from 'mongodb';
import { createAuditLog } from './service.js';

export async function runAuditVerify(db: Db, out: (line: string) => void): Promise<number> {
  const result = await createAuditLog({ db }).verify({ onProgress: (read) => out(`  ${read} entries read...`) });
  if (result.valid) {
    out(`audit chain OK: ${result.length} entries`);
    return 0;
  }
  out(`audit chain BROKEN at seq ${result.brokenAt}: ${result.reason} (${result.length} entries verified before it)`);
  return 1;
}
