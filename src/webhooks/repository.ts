/**
 * The only code touching the webhook collections: `webhook_endpoints` and
 * `webhook_dead_letters`, each change a single-document write. Both are
 * small (a handful of endpoints; failures an admin clears), so listing
 * scans them (FerretDB indexes only `_id`; on MongoDB an index on
 * `events` would serve `subscribedTo`).
 */
import type { Db } from 'mongodb';
import type { WebhookDeadLetterDoc, WebhookEndpointDoc, WebhookEvent } from './types.js';

/** Dead letters an admin sees at most in one listing. */
const DEAD_LETTERS_LISTED = 500;

export function createWebhookRepository(db: Db) {
  const endpoints = db.collection<WebhookEndpointDoc>('webhook_endpoints');
  const deadLetters = db.collection<WebhookDeadLetterDoc>('webhook_dead_letters');
  return {
    insertEndpoint: (doc: WebhookEndpointDoc) => endpoints.insertOne(doc),
    findEndpoint: (id: string) => endpoints.findOne({ _id: id }),
    listEndpoints: () => endpoints.find({}).sort({ createdAt: 1 }).toArray(),
    /** Endpoints subscribed to `event` (a scan, filtered here: the collection is tiny). */
    async subscribedTo(event: WebhookEvent) {
      return (await endpoints.find({}).toArray()).filter((e) => Array.isArray(e.events) && e.events.includes(event));
    },
    deleteEndpoint: async (id: string) => (await endpoints.deleteOne({ _id: id })).deletedCount === 1,
    /** One document per delivery: a delivery failing again after a replay replaces its letter. */
    putDeadLetter: (doc: WebhookDeadLetterDoc) => deadLetters.replaceOne({ _id: doc._id }, doc, { upsert: true }),
    findDeadLetter: (id: string) => deadLetters.findOne({ _id: id }),
    listDeadLetters: () => deadLetters.find({}).sort({ failedAt: -1 }).limit(DEAD_LETTERS_LISTED).toArray(),
    deleteDeadLetter: async (id: string) => (await deadLetters.deleteOne({ _id: id })).deletedCount === 1,
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
