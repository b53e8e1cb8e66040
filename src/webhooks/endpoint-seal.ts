/** What an endpoint's keyed MAC covers (crypto/integrity.ts 'webhookEndpoint'): where deliveries go, and for which events. */
import { canonicalJson } from '../crypto/canonical.js';
import type { WebhookEndpointDoc } from './types.js';

/** The sealed fields of an endpoint, canonically encoded: a changed URL or event list no longer verifies. */
export const endpointSealData = (e: Pick<WebhookEndpointDoc, '_id' | 'url' | 'events'>) => canonicalJson({ id: e._id, url: e.url, events: [...e.events] });
