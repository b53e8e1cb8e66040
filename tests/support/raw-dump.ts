/**
 * Everything a store holds, as text, for the residue tests (tests/integration/adversary/): every document
 * of every collection read with the raw driver, every Redis key with its value, and optionally every file
 * under a folder (Redis's own files). Plaintext would show as is; Binary values come out base64-encoded.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../../src/deps.js';

export interface RawDump {
  /** Each collection's documents, one JSON text each. */
  mongo: Map<string, string[]>;
  /** Each Redis key's line: `<key> <value as JSON>`. */
  redis: Map<string, string>;
  /** The bytes of every file under `filesUnder`, as latin1 text; empty without it. */
  files: string;
}

export async function rawDump(deps: Pick<Deps, 'database' | 'queues'>, filesUnder?: string): Promise<RawDump> {
  const db = deps.database.db;
  const mongo = new Map<string, string[]>();
  for (const { name } of await db.listCollections().toArray()) mongo.set(name, (await db.collection(name).find({}).toArray()).map((d) => JSON.stringify(d)));
  const client = deps.queues.redis;
  const redis = new Map<string, string>();
  for (const key of await client.keys('*')) {
    const type = await client.type(key);
    const value =
      type === 'string' ? await client.get(key)
      : type === 'hash' ? JSON.stringify(await client.hgetall(key))
      : type === 'list' ? JSON.stringify(await client.lrange(key, 0, -1))
      : type === 'set' ? JSON.stringify(await client.smembers(key))
      : type === 'zset' ? JSON.stringify(await client.zrange(key, 0, -1, 'WITHSCORES'))
      : type === 'stream' ? JSON.stringify(await client.xrange(key, '-', '+'))
      : '';
    redis.set(key, `${key} ${value}`);
  }
  let files = '';
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files += readFileSync(path).toString('latin1');
    }
  };
  if (filesUnder && existsSync(filesUnder)) walk(filesUnder);
  return { mongo, redis, files };
}
