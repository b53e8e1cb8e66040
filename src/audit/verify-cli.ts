/** `npm run admin -- audit:verify`: checks the whole chain; exit 1 names the first broken entry. */
import type { Db } from 'mongodb';
import { createAuditLog } from './service.js';

export async function runAuditVerify(db: Db, out: (line: string) => void): Promise<number> {
  const result = await createAuditLog({ db }).verify();
  if (result.valid) {
    out(`audit chain OK: ${result.length} entries`);
    return 0;
  }
  out(`audit chain BROKEN at seq ${result.brokenAt}: ${result.reason} (${result.length} entries verified before it)`);
  return 1;
}
