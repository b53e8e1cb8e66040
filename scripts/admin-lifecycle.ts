/** Admin commands of the account lifecycle: re-enable, desk moves, second-factor reset, partner key rotation. */
import type { Deps } from '../src/deps.js';

type Values = Record<string, unknown>;
const need = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || !v.trim()) throw new Error(`--${name} is required`);
  return v;
};

export const lifecycleCommands = {
  'user:enable': {
    needsDeps: true,
    options: { username: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      const user = await deps.services.lifecycle.enableUser(need(v.username, 'username'), 'cli');
      console.log(`enabled user ${user.username}; they sign in again with their password`);
      return 0;
    },
  },
  'user:move-desk': {
    needsDeps: true,
    options: { username: { type: 'string' as const }, desk: { type: 'string' as const }, reason: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      const desk = need(v.desk, 'desk');
      const { user, releasedReports } = await deps.services.lifecycle.moveUserDesk(need(v.username, 'username'), desk, typeof v.reason === 'string' ? v.reason : '', 'cli');
      console.log(`moved ${user.username} to the ${user.desk} desk; ${releasedReports} report(s) they held went back to their desk's queue`);
      return 0;
    },
  },
  'user:mfa-reset': {
    needsDeps: true,
    options: { username: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      const removed = await deps.services.mfa.reset(need(v.username, 'username'), 'cli');
      console.log(removed ? 'second factor removed; the user sets one up at their next sign-in' : 'the user had no second factor');
      return 0;
    },
  },
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
