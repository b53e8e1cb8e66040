/** Child process for the concurrency test: appends N audit entries as fast as it can. */
import { TEST_ACTION } from './audit-test-action.js';
import { MongoClient } from 'mongodb';
import { testIntegrity } from './integrity.js';
import { createAuditLog } from '../../src/audit/service.js';

const [uri, dbName, countArg, name] = process.argv.slice(2);
const client = await new MongoClient(uri!).connect();
const audit = createAuditLog({ db: client.db(dbName), integrity: await testIntegrity() });
for (let i = 0; i < Number(countArg); i++) {
  await audit.record({ action: TEST_ACTION, actor: { type: 'system', id: name! }, details: { i } });
}
await client.close();
process.stdout.write('done\n');
