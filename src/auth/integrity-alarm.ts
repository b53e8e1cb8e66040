/**
 * What happens when a stored user record fails its MAC: the request is
 * refused with DATA_INTEGRITY (no content), and the failure is logged and
 * audited once per tampered record and process (a tampered account retrying
 * must not flood the log or the audit chain), naming the record and the part,
 * never values.
 */
import type { AuditLog } from '../audit/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { USER_SEAL_PART } from './seal.js';

/** `part` names what failed (USER_SEAL_PART by default; SECOND_FACTOR_PART for a user's `mfa` document). */
export type UserIntegrityAlarm = (user: { _id: string; mac?: unknown }, part?: string) => Promise<AppError>;

/** Builds the alarm: call it with the failing record, throw what it returns. */
export function createUserIntegrityAlarm(audit: AuditLog, log: Logger): UserIntegrityAlarm {
  const reported = new Set<string>();
  return async (user, part = USER_SEAL_PART) => {
    const key = `${user._id}:${part}:${typeof user.mac === 'string' ? user.mac.slice(0, 64) : 'none'}`;
    if (!reported.has(key)) {
      if (reported.size >= 10_000) reported.clear();
      reported.add(key);
      log.error({ userId: user._id, part }, 'user record integrity failure');
      await audit
        .record({ action: 'auth.integrity_failure', actor: { type: 'system', id: 'auth' }, target: { type: 'user', id: user._id }, outcome: 'failure', details: { part } })
        .catch((err: Error) => log.error({ userId: user._id, errName: err.name }, 'could not audit a user record integrity failure'));
    }
    return new AppError('DATA_INTEGRITY', 'A stored account record failed an integrity check; an administrator has been alerted');
  };
}
