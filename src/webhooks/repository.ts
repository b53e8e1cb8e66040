/**
 * The only code touching the webhook collections: `webhook_endpoints`,
 * `webhook_dead_letters` and `webhook_outbox` (deliveries Redis did not
 * take), each change a single-document write. All are small (a handful of
 * endpoints; failures an admin clears; an outbox the sweep empties), so
 * listing scans them (the local store indexes only `_id`; on MongoDB an index on
 * `events` would serve `subscribedTo`).
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../db/errors.js';
import type { WebhookDeadLetterDoc, WebhookEndpointDoc, WebhookEvent, WebhookJob } from './types.js';

/** Dead letters an admin sees at most in one listing. */
const DEAD_LETTERS_LISTED = 500;

export function createWebhookRepository(db: Db) {
  const endpoints = db.collection<WebhookEndpointDoc>('webhook_endpoints');
  const deadLetters = db.collection<WebhookDeadLetterDoc>('webhook_dead_letters');
  const outbox = db.collection<Omit<WebhookJob, 'deliveryId'> & { _id: string }>('webhook_outbox');
  return {
    insertEndpoint: (doc: WebhookEndpointDoc) => endpoints.insertOne(doc),
    findEndpoint: (id: string) => endpoints.findOne({ _id: id }),
    listEndpoints: () => endpoints.find({}).sort({ createdAt: 1 }).toArray(),
    /** Endpoints subscribed to `event` (a scan, filtered here: the collection is tiny). */
    async subscribedTo(event: WebhookEvent) {
      return (await endpoints.find({}).toArray()).filter((e) => Array.isArray(e.events) && e.events.includes(event));
    },
    /** Replaces an endpoint's sealed secret, only if it is still the one read (key rotation). */
    resealSecret: async (id: string, was: WebhookEndpointDoc['secret'], secret: WebhookEndpointDoc['secret']) =>
      (await endpoints.updateOne({ _id: id, secret: was }, { $set: { secret } })).modifiedCount === 1,
    deleteEndpoint: async (id: string) => (await endpoints.deleteOne({ _id: id })).deletedCount === 1,
    /** One document per delivery: a delivery failing again after a replay replaces its letter. */
    putDeadLetter: (doc: WebhookDeadLetterDoc) => deadLetters.replaceOne({ _id: doc._id }, doc, { upsert: true }),
    findDeadLetter: (id: string) => deadLetters.findOne({ _id: id }),
    listDeadLetters: () => deadLetters.find({}).sort({ failedAt: -1 }).limit(DEAD_LETTERS_LISTED).toArray(),
    deleteDeadLetter: async (id: string) => (await deadLetters.deleteOne({ _id: id })).deletedCount === 1,
    /** Erasure: the report's dead letters and waiting deliveries go (scans on the local store: erasure is rare). */
    async forgetReport(reportId: string) {
      await deadLetters.deleteMany({ reportId });
      await outbox.deleteMany({ reportId });
    },
    /** A delivery the queue did not take, kept until the sweep has queued it (by delivery id: once). */
    putInOutbox: async ({ deliveryId, ...job }: WebhookJob) => {
      await insertIfAbsent(outbox, { _id: deliveryId, ...job });
    },
    /** The oldest waiting deliveries (a scan of a table that is empty but for Redis outages). */
    outboxed: async (limit: number): Promise<WebhookJob[]> =>
      (await outbox.find({}).sort({ at: 1, _id: 1 }).limit(limit).toArray()).map(({ _id, ...job }) => ({ deliveryId: _id, ...job }) as WebhookJob),
    leaveOutbox: async (deliveryId: string) => {
      await outbox.deleteOne({ _id: deliveryId });
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
