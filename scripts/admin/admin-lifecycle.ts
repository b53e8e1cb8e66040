/**
 * Admin commands of the account lifecycle. Re-enabling a user, moving an
 * investigator's desk and resetting a second factor widen someone's access:
 * as in the API and the console, each is a request filed in a named admin's
 * name (who signs in with their password and code on stdin,
 * src/auth/acting-admin.ts) and applied only when a different admin approves
 * it (`grants:approve`). Partner key rotation acts at once.
 */
import { actAsAdmin } from '../../src/auth/acting-admin.js';
import type { AccountChangeKind, RoleGrantDoc } from '../../src/auth/types.js';
import type { Deps } from '../../src/deps.js';
import { readCredentials } from './admin-grants.js';

type Values = Record<string, unknown>;
const need = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || !v.trim()) throw new Error(`--${name} is required`);
  return v;
};

/** What a filed request prints: its id and the command a second admin runs. */
export function requestFiled(grant: RoleGrantDoc, what: string) {
  console.log(`request ${grant._id}: ${what} waits for a second admin (npm run admin -- grants:approve ${grant._id} --as <another admin> --password-stdin)`);
}

/** A lifecycle command that files a request of `kind` as the admin named by --as. */
function accountChange(kind: Exclude<AccountChangeKind, 'ROLES' | 'PARTNER_ADMIN'>, extra: Record<string, { type: 'string' }>, describe: (username: string, v: Values) => string) {
  return {
    needsDeps: true,
    options: { username: { type: 'string' as const }, reason: { type: 'string' as const }, as: { type: 'string' as const }, 'password-stdin': { type: 'boolean' as const }, ...extra },
    async run(deps: Deps, v: Values) {
      const username = need(v.username, 'username');
      const reason = need(v.reason, 'reason');
      const as = need(v.as, 'as');
      if (!v['password-stdin']) throw new Error("--password-stdin is required (the requesting admin's password, and a code on the next line)");
      const desk = kind === 'MOVE_DESK' ? need(v.desk, 'desk') : null;
      const { password, code } = await readCredentials();
      const grant = await actAsAdmin(deps.services.auth, as.trim(), password, code, (admin) => deps.services.auth.requestAccountChange(username, { kind, desk, reason }, admin));
      requestFiled(grant, describe(grant.username, v));
      return 0;
    },
  };
}

export const lifecycleCommands = {
  'user:enable': accountChange('ENABLE', {}, (u) => `re-enable ${u}`),
  'user:move-desk': accountChange('MOVE_DESK', { desk: { type: 'string' } }, (u, v) => `move ${u} to the ${String(v.desk)} desk`),
  'user:mfa-reset': accountChange('RESET_SECOND_FACTOR', {}, (u) => `reset the second factor of ${u}`),
  'partner:rotate-key': {
    needsDeps: true,
    options: { name: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      const { partner, apiKey, previousKeyExpiresAt } = await deps.services.lifecycle.rotatePartnerKey(need(v.name, 'name'), 'cli');
      console.log(`new API key for partner ${partner.name}; the previous key works until ${previousKeyExpiresAt.toISOString()}. The new key, shown only this once:`);
      console.log(apiKey);
      return 0;
    },
  },
};
