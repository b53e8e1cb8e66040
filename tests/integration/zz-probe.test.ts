import { afterAll, beforeAll, it } from 'vitest';
import { BSON } from 'mongodb';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { recordCall, triageDirectly } from '../support/desk.js';

let app: TestApp;
beforeAll(async () => { app = await bootApp(); });
afterAll(() => app?.close());
it('probe report sizes', async () => {
  const [handler] = await Promise.all([createStaff(app, 'CALL_HANDLER')]);
  const id = await recordCall(app, handler.token, 901); await triageDirectly(app, id, 'SO12', 'P2');
  const doc = (await app.deps.database.db.collection('reports').findOne({ _id: id as never }))!;
  const sizes: Record<string, number> = {};
  for (const [k, v] of Object.entries(doc)) sizes[k] = BSON.calculateObjectSize({ v });
  console.log('TOTAL', BSON.calculateObjectSize(doc), JSON.stringify(sizes));
  const c = doc.content as Record<string, unknown>;
  const cs: Record<string, number> = {};
  for (const [k, v] of Object.entries(c ?? {})) cs[k] = BSON.calculateObjectSize({ v });
  console.log('CONTENT', JSON.stringify(cs));
}, 600_000);
