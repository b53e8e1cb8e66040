/**
 * Supervisor corrections and dissemination in a real browser: a supervisor
 * opens a routed report, changes its priority with a reason, links it by
 * hand to another report by reference (shown as a manual link), records a
 * dissemination and downloads the signed bundle, which verifies.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findReport, Q, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

describe('supervisor corrections', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  it('changes priority, links by hand, disseminates and exports a bundle that verifies', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const sup = await createStaff(app, 'SUPERVISOR');
    const record = async (i: number) => (await app.gql(RECORD_CALL, { input: hotlineCall(i, { categories: ['FINANCE'] }) }, handler.token)).data.recordHotlineCall as { id: string; reference: string };
    const a = await record(1);
    const b = await record(2);
    await waitForStatus(app, a.id, 'TRIAGED', 30_000);
    await waitForStatus(app, b.id, 'TRIAGED', 30_000);

    const { page, foreign } = await e2e().newPage();
    await signIn(page, sup.username);
    await page.goto(`/reports/${a.id}`);
    await page.getByRole('heading', { name: `Report ${a.reference}` }).waitFor();
    const before = (await findReport(app, a.id)).priority;
    const target = before === 'P1' ? 'P2' : 'P1';

    await page.getByRole('button', { name: 'Change priority' }).click();
    await page.getByRole('dialog').getByLabel('New priority').selectOption(target);
    await page.getByRole('dialog').getByLabel('Reason').fill('caller rang back with a date');
    await page.getByRole('dialog').getByRole('button', { name: 'Change priority' }).click();
    await page.getByText('Priority changed.').waitFor();
    expect((await findReport(app, a.id)).priority).toBe(target);

    await page.getByRole('button', { name: 'Link to report…' }).click();
    await page.getByRole('dialog').getByLabel('Reference of the other report').fill(b.reference);
    await page.getByRole('dialog').getByLabel('Reason').fill('same finance pattern');
    await page.getByRole('button', { name: 'Link reports' }).click();
    await page.getByText('Reports linked.').waitFor();
    await page.getByText(`${b.reference} (manual link)`).waitFor();

    // Dissemination is of a report someone works on and has graded: claimed and graded P (through the API), then reloaded.
    expect((await app.gql(Q.claim, { id: a.id }, sup.token)).errors).toBeUndefined();
    expect((await app.gql(Q.grade, { id: a.id, s: 'S2', i: 'B', h: 'P' }, sup.token)).errors).toBeUndefined();
    await page.reload();
    await page.getByText('S2 / B / P', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Disseminate…' }).click();
    await page.getByRole('dialog').getByLabel('Recipient', { exact: true }).selectOption('CTIO');
    await page.getByRole('dialog').getByLabel('Recipient name or force').fill('CTIO North West');
    await page.getByRole('dialog').getByLabel('Reason').fill('regional subject of interest');
    await page.getByRole('button', { name: 'Record dissemination' }).click();
    await page.getByText('Dissemination recorded.').waitFor();
    await page.locator('ul.disseminations').getByText(/Counter-Terrorist Intelligence Officer \(CTIO North West\)/).waitFor();

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export bundle' }).click();
    const file = await (await download).path();
    const text = await readFile(file, 'utf8');
    const bundle = JSON.parse(text);
    expect(bundle.report.reference).toBe(a.reference);
    const sp = await app.deps.services.auth.authenticate(sup.token);
    expect((await app.deps.services.desk.verifyReportBundle({ type: 'user', id: sp!.kind === 'staff' ? sp!.userId : '' }, text)).valid).toBe(true);
    await page.getByText('The signed bundle has been downloaded.').waitFor();

    await page.locator('#corrections-title').scrollIntoViewIfNeeded();
    await expectAccessible(page);
    await screenshot(page, 'report-corrections');
    expect(foreign).toEqual([]);
  });
});
