import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

let app: TestApp;
let supervisor: { token: string };
let handler: { token: string };
const READ = `query($id: ID!) { report(id: $id) { reference narrative subjects { name } } }`;

beforeAll(async () => {
  app = await bootApp();
  supervisor = await createStaff(app, 'SUPERVISOR');
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

async function newReport(i: number) {
  const input = hotlineCall(i, { subjects: [{ name: 'Distinctive Name' }] });
  const res = await app.gql(RECORD_CALL, { input }, handler.token);
  return { id: res.data.recordHotlineCall.id as string, input };
}
const reports = () => app.deps.database.db.collection<ReportDoc>('reports');

describe('tampered ciphertext', () => {
  it('decrypts an untouched report', async () => {
    const { id, input } = await newReport(1);
    const res = await app.gql(READ, { id }, supervisor.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.report.narrative).toBe(input.narrative);
  });

  it('answers DATA_INTEGRITY for a ciphertext moved to another field, without leaking, and stays up', async () => {
    const { id } = await newReport(2);
    const raw = await reports().findOne({ _id: id });
    await reports().updateOne({ _id: id }, { $set: { 'content.narrative': raw!.content!.subjects[0]!.name } });
    const res = await app.gql(READ, { id }, supervisor.token);
    expect(res.data?.report ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
    expect(JSON.stringify(res.errors)).not.toContain('Distinctive');
    expect((await fetch(app.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });

  it('answers DATA_INTEGRITY for a ciphertext copied from another report', async () => {
    const a = await newReport(3);
    const b = await newReport(4);
    const rawA = await reports().findOne({ _id: a.id });
    await reports().updateOne({ _id: b.id }, { $set: { 'content.narrative': rawA!.content!.narrative } });
    const res = await app.gql(READ, { id: b.id }, supervisor.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
    expect(JSON.stringify(res.errors)).not.toContain(a.input.narrative.slice(0, 20));
  });

  it('answers DATA_INTEGRITY for a flipped byte', async () => {
    const { id } = await newReport(5);
    const raw = await reports().findOne({ _id: id });
    const bytes = Buffer.from(raw!.content!.narrative!.buffer);
    bytes[bytes.length - 5]! ^= 0x01;
    await reports().updateOne({ _id: id }, { $set: { 'content.narrative': bytes } });
    const res = await app.gql(READ, { id }, supervisor.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
  });
});
