/**
 * Child process for the audit concurrency test (run with `node --import tsx`).
 * argv: mongo uri, database name, number of entries, writer name.
 * Connects like the service does, prints `ready`, waits for `go` on stdin so
 * that all writers start together, appends its entries (half one at a time,
 * half all at once through the group commit), then prints one JSON line.
 */
import { TEST_ACTION } from '../../support/audit-test-action.js';
import { createInterface } from 'node:readline';
import { testIntegrity } from '../../support/integrity.js';
import { createAuditLog } from '../../../src/audit/service.js';
import { connectDatabase } from '../../../src/db/client.js';
import { createLogger } from '../../../src/logger.js';

const [uri, dbName, countArg, name] = process.argv.slice(2);
if (!uri || !dbName || !countArg || !name) throw new Error('usage: audit-writer <mongoUri> <dbName> <count> <name>');
const count = Number(countArg);

const database = await connectDatabase(uri, dbName, createLogger('silent'));
const audit = createAuditLog({ db: database.db, integrity: await testIntegrity() });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

const started = Date.now();
const event = (i: number) => audit.record({ action: TEST_ACTION, actor: { type: 'system', id: name }, details: { i } });
const half = Math.floor(count / 2);
for (let i = 0; i < half; i++) await event(i);
await Promise.all(Array.from({ length: count - half }, (_, k) => event(half + k)));
const ms = Date.now() - started;
await database.close();
process.stdout.write(`${JSON.stringify({ done: true, name, appended: count, ms, stats: audit.stats() })}\n`);
