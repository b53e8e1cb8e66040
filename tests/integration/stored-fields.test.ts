/**
 * The data-protection contract against reports as actually stored: every
 * top-level field is either `content` (envelopes only) or listed in
 * PLAINTEXT_DOCUMENT_FIELDS with why it stays readable, and every listed
 * field is stored. A field written outside the list, or a stale entry,
 * fails here (the typecheck also catches an entry ReportDoc does not have).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAINTEXT_DOCUMENT_FIELDS } from '../../src/reports/model/encrypted-fields.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';

/** The fields ReportDoc declares optional: a stored report may lack them (the typecheck keeps this list exact). */
type OptionalField = { [K in keyof ReportDoc]-?: object extends Pick<ReportDoc, K> ? K : never }[keyof ReportDoc];
// envelopeMac/envelopeParts are optional in the type only (a report without them fails its check); always stored: tests/integration/adversary/report-envelope.test.ts.
// outcome: set by the closing transition only (reports/model/outcomes.ts).
// indexKeyId: absent on reports stored before index-key rotation existed (reports/content/rotate-audit-index-keys.ts treats them as not yet re-indexed).
// attachments: absent until a file is attached (reports/model/attachments.ts).
const OPTIONAL: Record<OptionalField, true> = { attachments: true, auditPending: true, envelopeMac: true, envelopeParts: true, indexKeyId: true, outcome: true };

let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ worker: true });
});
afterAll(() => app?.close());

const listed = new Set<string>(PLAINTEXT_DOCUMENT_FIELDS.map((field) => field.path));
const raw = (id: string) => app.deps.database.db.collection<ReportDoc>('reports').findOne({ _id: id });

function expectClassified(doc: ReportDoc | null) {
  expect(doc).not.toBeNull();
  const keys = Object.keys(doc!);
  expect(keys.filter((key) => key !== 'content' && !listed.has(key)), 'stored but not in PLAINTEXT_DOCUMENT_FIELDS').toEqual([]);
  expect([...listed].filter((key) => !keys.includes(key) && !(key in OPTIONAL)), 'listed but not stored').toEqual([]);
  expect(keys).toContain('content');
}

describe('PLAINTEXT_DOCUMENT_FIELDS against stored reports', () => {
  it('classifies every field of a hotline call, as received and once triaged', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(1) }, handler.token);
    expect(res.errors).toBeUndefined();
    const id = res.data.recordHotlineCall.id as string;
    expectClassified(await raw(id));
    expectClassified(await waitForStatus(app, id, 'TRIAGED'));
  });

  it('classifies every field of a partner referral', async () => {
    const partner = await createPartner(app);
    const res = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(2) }, partner.apiKey);
    expect(res.errors).toBeUndefined();
    const doc = await app.deps.database.db.collection<ReportDoc>('reports').findOne({ 'recordedBy.id': partner.partner.id });
    expectClassified(doc);
  });
});
