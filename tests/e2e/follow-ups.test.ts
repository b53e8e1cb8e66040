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
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

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
    const routed = await waitForStatus(app, id, 'TRIAGED');
    expect(routed.priority).not.toBe('P1');
    await page.getByLabel('Reference').fill(reference);
    expect(await page.getByText('No report with this reference can take a follow-up').count()).toBe(0);
    await page.getByLabel('Vehicle registration (optional)').fill('FU24 WEB');
    // Several names: "Add another name" adds a row and puts the cursor in it.
    await page.getByLabel("Person's name (optional)").fill('Imogen Follow');
    await page.getByRole('button', { name: 'Add another name' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('follow-up-names-1');
    await page.keyboard.type('Tobias Follow');
    await page.getByRole('button', { name: 'Add another postcode' }).click();
    await page.getByLabel('Postcode 1 (optional)').fill('E15 2PQ');
    await page.getByLabel('Postcode 2 (optional)').fill('N1 9GU');
    await page.getByLabel('Imminent threat: someone may be in danger now').check();
    await page.getByText('Imminent threat: pass this call to 999 now.').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'follow-up-call');
    await expectFitsNarrowWindow(page);
    await page.getByRole('button', { name: 'Record follow-up' }).click();
    // The confirmation says it is recorded and nothing of the report's state or who holds it.
    const notice = page.getByText(`Follow-up recorded on ${reference}. The desk will see it.`, { exact: true });
    await notice.waitFor();
    expect(await page.getByText(/investigator|holding|assigned|claimed/i).count()).toBe(0);
    const after = (await app.deps.reports.findById(id))!;
    expect(after.content!.addenda).toHaveLength(1);
    expect(after).toMatchObject({ priority: 'P1', imminentThreat: true });
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const view = await app.gql(`query($id: ID!) { report(id: $id) { addenda { subjects { name } vehicles { registration } locations { postcode } } } }`, { id }, supervisor.token);
    expect(view.data.report.addenda[0]).toEqual({
      subjects: [{ name: 'Imogen Follow' }, { name: 'Tobias Follow' }],
      vehicles: [{ registration: 'FU24 WEB' }],
      locations: [{ postcode: 'E15 2PQ' }, { postcode: 'N1 9GU' }],
    });
    await expectAccessible(page);
    await screenshot(page, 'follow-up-call-recorded');
    // The follow-up is in My submissions, with its reference and time only, and the button to attach what the caller sent.
    await page.getByRole('link', { name: 'My submissions' }).click();
    await page.getByRole('heading', { name: 'Follow-up calls' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(reference) }).last();
    await row.waitFor();
    const cells = row.getByRole('cell');
    expect(await cells.count()).toBe(3);
    expect((await cells.nth(2).innerText()).trim()).toBe('Attach a file');
    await expectAccessible(page);
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
