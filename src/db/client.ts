/**
 * The MongoDB connection. Reports are acknowledged only once durably written,
 * so the client uses majority write concern with journaling; deployments
 * without a replica set (FerretDB locally) treat it as a single-node ack.
 *
 * "The local store", in comments outside src/db/ and src/reports/store/, is
 * FerretDB 1.24 on SQLite (the launcher, scripts/stack/services.ts): one
 * writer, each write its own durable commit, only `_id` lookups indexed
 * (docs/store.md).
 */
import { MongoClient, type Db } from 'mongodb';
import type { Logger } from '../logger.js';

export interface Database {
  client: MongoClient;
  db: Db;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects with bounded retries and backoff, so a database that is still
 * starting does not kill the service, but one that never comes fails clearly.
 */
export async function connectDatabase(
  uri: string,
  dbName: string,
  log: Logger,
  opts: { attempts?: number; serverSelectionTimeoutMS?: number } = {},
): Promise<Database> {
  const attempts = opts.attempts ?? 8;
  const client = new MongoClient(uri, {
    writeConcern: { w: 'majority', journal: true },
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 3_000,
    connectTimeoutMS: 3_000,
    maxPoolSize: 50,
    retryWrites: true,
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connect();
      await client.db(dbName).command({ ping: 1 });
      break;
    } catch (err) {
      if (attempt >= attempts) {
        await client.close().catch(() => {});
        throw new Error(`database unreachable after ${attempts} attempts: ${(err as Error).message}`);
      }
      const delay = Math.min(250 * 2 ** attempt, 5_000);
      log.warn({ attempt, delay }, 'database not reachable yet, retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  const db = client.db(dbName);
  return {
    client,
    db,
    async ping() {
      try {
        await db.command({ ping: 1 }, { timeoutMS: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}
