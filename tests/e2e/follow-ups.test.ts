/**
 * Follow-ups in the console: a call handler records a caller's follow-up
 * call on a reference; the investigator holding a partner referral sees the
 * partner's addition and asks the partner a question, which shows in the
 * report view until the partner answers.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { Q, waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

describe('follow-ups in the console', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('records a follow-up call on a reference', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(1, { subjects: [], vehicles: [], locations: [] }) }, handler.token);
    const { id, reference } = res.data.recordHotlineCall;
    const { page, foreign } = await e2e().newPage();
    await signIn(page, handler.username);
    await page.getByRole('link', { name: 'Follow-up call' }).click();
    await page.getByLabel('Reference').fill('ATH-2020-999999');
    await page.getByLabel('What is new').fill('The caller rang back about the van.');
    await page.getByRole('button', { name: 'Record follow-up' }).click();
    await page.getByText('No report with this reference can take a follow-up').waitFor();
    await page.getByLabel('Reference').fill(reference);
    await page.getByLabel('Vehicle registration (optional)').fill('FU24 WEB');
    await page.getByRole('button', { name: 'Record follow-up' }).click();
    await page.getByText(`Follow-up recorded on ${reference}`).waitFor();
    expect((await app.deps.reports.findById(id))!.content!.addenda).toHaveLength(1);
    await expectAccessible(page);
    await screenshot(page, 'follow-up-call');
    expect(foreign).toEqual([]);
  });

  it('shows a partner addition and asks the partner a question from the report view', async () => {
    const app = e2e().app;
    const partner = await createPartner(app);
    const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(2, { subjects: [], locations: [], vehicles: [] }) }, partner.apiKey);
    const receipt: string = sent.data.submitPartnerReferral.receipt;
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const routed = await waitForStatus(app, id, 'TRIAGED');
    const inv = await createStaff(app, 'INVESTIGATOR', routed.desk);
    await app.gql(Q.claim, { id }, inv.token);
    const added = await app.gql(`mutation($r: String!, $i: FollowUpInput!) { addToReferral(receipt: $r, input: $i) { state } }`, { r: receipt, i: { idempotencyKey: `add-${randomUUID()}`, narrative: 'The informant called us again: the van is back.' } }, partner.apiKey);
    expect(added.errors).toBeUndefined();

    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await page.goto(`/reports/${id}`);
    await page.getByText('The informant called us again: the van is back.').waitFor();
    await page.getByLabel('Ask the partner').fill('Did the informant see which way the van left?');
    await page.getByRole('button', { name: 'Ask the partner' }).click();
    await page.getByText('Not answered yet.').waitFor();
    await expectAccessible(page);
    await page.getByRole('heading', { name: 'Questions to the partner' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'report-questions');
    expect(foreign).toEqual([]);
  });
});
