/**
 * Two processes appending to the one audit chain in turn (the API's intakes beside the worker's triage): once a writer
 * has seen the other append, it looks at the tip register before its insert instead of losing the position and
 * looking then, so the chain takes one insert an entry, not two, and stays whole (src/audit/service.ts).
 */
import { randomUUID } from 'node:crypto';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createAuditLog } from '../../../src/audit/service.js';
import type { AuditEventInput } from '../../../src/audit/types.js';
import { testIntegrity } from '../../support/integrity.js';

let client: MongoClient;
const inserts: string[] = [];
beforeAll(async () => {
  client = await MongoClient.connect(inject('mongoUri'), { monitorCommands: true });
  client.on('commandStarted', (e: CommandStartedEvent) => void (e.commandName === 'insert' && e.command.insert === 'audit' && inserts.push(e.databaseName)));
});
afterAll(() => client?.close());

const event = (i: number): AuditEventInput => ({ action: 'report.read', actor: { type: 'user', id: `user-${i % 2}`, name: `staff${i % 2}` }, target: { type: 'report', id: `report-${i}` }, details: { i, fields: ['narrative'], reference: `HL-${i}` } });

it('alternating writers collide once each, then append after the register’s tip: one insert an entry, the chain whole', async () => {
  const db = client.db(`tiplook_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
  const integrity = await testIntegrity();
  const [a, b] = [createAuditLog({ integrity, db }), createAuditLog({ integrity, db })];
  const n = 20;
  for (let i = 0; i < n; i++) expect((await (i % 2 ? b : a).record(event(i))).seq).toBe(i + 1);
  // Each collided once (its first append after the other's), and looked first from then on.
  expect(a.stats().collisions + b.stats().collisions).toBeLessThanOrEqual(2);
  expect(inserts.filter((d) => d === db.databaseName).length).toBeLessThanOrEqual(n + 2);
  expect(await a.verify()).toMatchObject({ valid: true, length: n });
  await db.dropDatabase();
});
