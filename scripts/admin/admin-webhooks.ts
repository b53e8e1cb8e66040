/**
 * Admin CLI commands for outgoing webhooks (src/webhooks/): register an
 * endpoint (its signing secret printed once, alone on the last line), list
 * and remove endpoints, list dead letters and replay one. Audited as the
 * admin CLI, like the API's mutations are audited as the admin.
 */
import type { Deps } from '../../src/deps.js';

type Values = Record<string, unknown>;

const need = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || !v.trim()) throw new Error(`--${name} is required`);
  return v.trim();
};

export const webhookCommands = {
  'webhooks:add': {
    needsDeps: true,
    options: { url: { type: 'string' as const }, events: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      const events = need(v.events, 'events').split(',');
      const { endpoint, secret } = await deps.services.webhooks.createEndpoint({ url: need(v.url, 'url'), events }, 'cli');
      console.log(`created webhook endpoint ${endpoint.id} for ${endpoint.events.join(',')} at ${endpoint.url}. Its signing secret, shown only this once:`);
      console.log(secret);
      return 0;
    },
  },
  'webhooks:list': {
    needsDeps: true,
    options: {},
    async run(deps: Deps) {
      const endpoints = await deps.services.webhooks.listEndpoints();
      if (!endpoints.length) console.log('no webhook endpoints');
      for (const e of endpoints) console.log(`${e.id}  ${e.events.join(',')}  ${e.url}  created ${e.createdAt.toISOString()}`);
      return 0;
    },
  },
  'webhooks:remove': {
    needsDeps: true,
    options: { id: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      await deps.services.webhooks.deleteEndpoint(need(v.id, 'id'), 'cli');
      console.log(`removed webhook endpoint ${v.id}`);
      return 0;
    },
  },
  'webhooks:dead-letters': {
    needsDeps: true,
    options: {},
    async run(deps: Deps) {
      const letters = await deps.services.webhooks.deadLetters();
      if (!letters.length) console.log('no dead letters');
      for (const d of letters) console.log(`${d.id}  ${d.event}  ${d.desk} ${d.priority}  endpoint ${d.endpointId}  ${d.attempts} attempts, last: ${d.lastError}  failed ${d.failedAt.toISOString()}`);
      return 0;
    },
  },
  'webhooks:replay': {
    needsDeps: true,
    options: { id: { type: 'string' as const } },
    async run(deps: Deps, v: Values) {
      const letter = await deps.services.webhooks.replay(need(v.id, 'id'), 'cli');
      console.log(`queued delivery ${letter.id} (${letter.event}) again`);
      return 0;
    },
  },
};
