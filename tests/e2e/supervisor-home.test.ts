/**
 * The supervisor's home in a real browser: a supervisor lands on the
 * overview, which changes live (no reload) when the triage worker routes a
 * new report and when an investigator claims one; reassigning is choosing a
 * person of the desk, each shown with their load; erasure is offered on the
 * report page of any report (the same typed confirmation); and changing the
 * threat level takes a reason and a confirmation, after which another role's
 * header shows the new level.
 */
import { describe, expect, it } from 'vitest';
import { auditEntries, findReport, Q, recordCall, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { triageProcessorOf } from '../../src/worker.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

/** Marks the escalation the SLA job would make, so the report shows in the supervisor queue. */
const escalate = async (app: ReturnType<ReturnType<typeof useE2E>>['app'], id: string) => {
  const doc = await findReport(app, id);
  const updated = await app.deps.reports.applyChange(doc, {
    where: { status: 'TRIAGED', assignee: null },
    set: { escalated: true },
    history: [{ at: new Date(), actor: { type: 'system', id: 'test-escalation' }, action: 'escalated', from: { escalated: false }, to: { escalated: true }, reason: 'test' }],
  });
  expect(updated).not.toBeNull();
  return updated!;
};

describe('supervisor home', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('lands the supervisor on the overview, which updates live when a report is routed and claimed', async () => {
    const { app } = e2e();
    const { page, foreign } = await e2e().newPage();
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const handler = await createStaff(app, 'CALL_HANDLER');

    await signIn(page, supervisor.username);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/overview');
    const unclaimed = page.getByRole('region', { name: 'Unclaimed, soonest deadline first' });
    const figures = page.getByRole('list', { name: 'At a glance' });
    await unclaimed.getByText('No report is waiting to be claimed.').waitFor();
    await figures.getByText('received today').waitFor();
    const receivedBefore = Number(await figures.locator('li', { hasText: 'received today' }).locator('.figure').textContent());
    // A marker a reload would wipe: the updates below must arrive without one.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    // A call recorded elsewhere and routed by the real triage worker appears within seconds.
    const id = await recordCall(app, handler.token, 1);
    const { reference, desk } = await findReport(app, id);
    const started = Date.now();
    const row = unclaimed.getByRole('row').filter({ hasText: reference });
    await row.waitFor({ timeout: 10_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await row.getByText(/\d+ (h|min|s)/).count()).toBeGreaterThan(0); // the claim-by countdown
    await figures.locator('li', { hasText: 'received today' }).getByText(String(receivedBefore + 1), { exact: true }).waitFor();

    // An investigator claims it: it leaves "unclaimed" and shows under who holds what, still without a reload.
    const triaged = await waitForStatus(app, id, 'TRIAGED');
    const investigator = await createStaff(app, 'INVESTIGATOR', desk ?? triaged.desk);
    expect((await app.gql(Q.claim, { id }, investigator.token)).errors).toBeUndefined();
    const holders = page.getByRole('region', { name: 'Who holds what' });
    await holders.getByRole('row').filter({ hasText: investigator.username }).filter({ hasText: reference }).waitFor({ timeout: 10_000 });
    await unclaimed.getByText('No report is waiting to be claimed.').waitFor();
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);

    // A second report waiting, then escalated by the real SLA task: the escalation shows live, and it needs a supervisor.
    const second = await recordCall(app, handler.token, 2);
    const secondRef = (await findReport(app, second)).reference;
    await unclaimed.getByRole('row').filter({ hasText: secondRef }).waitFor({ timeout: 10_000 });
    const routed = await waitForStatus(app, second, 'TRIAGED');
    expect(await triageProcessorOf(app.deps).escalate(second, routed.triage!.dueBy.toISOString())).toBe(true);
    await page.getByRole('region', { name: 'Escalated' }).getByRole('row').filter({ hasText: secondRef }).waitFor({ timeout: 10_000 });
    await figures.locator('li', { hasText: 'need a supervisor' }).getByText('1', { exact: true }).waitFor({ timeout: 10_000 });
    await figures.locator('li', { hasText: /^1\s*escalated$/ }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'supervisor-home');
    await expectFitsNarrowWindow(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'supervisor-home-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(foreign).toEqual([]);
  });

  it('reassigns by choosing a person of the desk, shown with how many reports each holds', async () => {
    const { app } = e2e();
    const { page } = await e2e().newPage();
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const handler = await createStaff(app, 'CALL_HANDLER');
    // Finance reports go to SO12 (schema/routing-rules.json): both on one desk.
    const id = await recordCall(app, handler.token, 3, { categories: ['FINANCE'] });
    const busyReport = await recordCall(app, handler.token, 4, { categories: ['FINANCE'] });
    const triaged = await waitForStatus(app, id, 'TRIAGED');
    expect((await waitForStatus(app, busyReport, 'TRIAGED')).desk).toBe('SO12');
    expect(triaged.desk).toBe('SO12');
    const busy = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const free = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const elsewhere = await createStaff(app, 'INVESTIGATOR', 'SO13');
    expect((await app.gql(Q.claim, { id: busyReport }, busy.token)).errors).toBeUndefined();
    await escalate(app, id);
    // A second escalated report, which another supervisor will hand out while this page is open.
    const thirdId = await recordCall(app, handler.token, 7, { categories: ['FINANCE'] });
    const third = await waitForStatus(app, thirdId, 'TRIAGED');
    await escalate(app, thirdId);

    await signIn(page, supervisor.username);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Supervisor' }).click();
    await page.getByRole('button', { name: `Reassign ${triaged.reference}` }).click();
    const dialog = page.getByRole('dialog', { name: `Reassign ${triaged.reference}` });
    const select = dialog.getByLabel('Reassign to');
    await select.waitFor();
    const options = await select.locator('option').allTextContents();
    // The desk's people only, each with their load, fewest first (the SO12 people of earlier tests hold none either).
    expect(options).toContain(`${free.username} (holds no report)`);
    expect(options).toContain(`${busy.username} (holds 1 report)`);
    expect(options.indexOf(`${busy.username} (holds 1 report)`)).toBeGreaterThan(options.indexOf(`${free.username} (holds no report)`));
    expect(options.some((o) => o.startsWith(elsewhere.username))).toBe(false);
    await expectAccessible(page);
    await select.selectOption(free.username);
    await dialog.getByLabel('Reason').fill('Shift change: the night desk takes it');
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await page.getByRole('status').filter({ hasText: `${triaged.reference} reassigned to ${free.username}` }).waitFor();
    const after = await findReport(app, id);
    expect([after.status, after.assignee]).toEqual(['ASSIGNED', free.user.id]);

    // The queue is live: another supervisor's reassignment takes the row away within seconds, without Refresh or a reload.
    const thirdRow = page.getByRole('region', { name: 'Supervisor queue' }).getByRole('row').filter({ hasText: third.reference });
    await thirdRow.waitFor();
    const colleague = await createStaff(app, 'SUPERVISOR');
    expect((await app.gql(Q.reassign, { id: thirdId, to: busy.username, reason: 'Taken over by the day desk' }, colleague.token)).errors).toBeUndefined();
    await thirdRow.waitFor({ state: 'detached', timeout: 5_000 });
  });

  it('offers erasure on the report page of a report outside the supervisor queue, after typing its reference', async () => {
    const { app } = e2e();
    const { page } = await e2e().newPage();
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const handler = await createStaff(app, 'CALL_HANDLER');
    const id = await recordCall(app, handler.token, 5);
    const triaged = await waitForStatus(app, id, 'TRIAGED');
    const holder = await createStaff(app, 'INVESTIGATOR', triaged.desk!);
    expect((await app.gql(Q.claim, { id }, holder.token)).errors).toBeUndefined(); // held: not in the supervisor queue

    await signIn(page, supervisor.username);
    await page.goto(`/reports/${id}`);
    await page.getByRole('heading', { name: `Report ${triaged.reference}` }).waitFor();
    await page.getByRole('button', { name: `Erase ${triaged.reference}` }).click();
    const dialog = page.getByRole('dialog', { name: `Erase ${triaged.reference}` });
    const erase = dialog.getByRole('button', { name: 'Erase', exact: true });
    await dialog.getByLabel('Reason').fill('Malicious hoax, erasure approved by the DPO');
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type the reference ${triaged.reference} to confirm`).fill(triaged.reference);
    expect(await erase.isDisabled()).toBe(false);
    await erase.click();
    await page.getByText(`${triaged.reference} erased`).waitFor();
    expect((await findReport(app, id)).status).toBe('ERASED');

    // An investigator's report page offers no erasure (the policy's eraseReport is for supervisors).
    const other = await recordCall(app, handler.token, 6);
    const otherTriaged = await waitForStatus(app, other, 'TRIAGED');
    const investigator = await createStaff(app, 'INVESTIGATOR', otherTriaged.desk!);
    const { page: invPage } = await e2e().newPage();
    await signIn(invPage, investigator.username);
    await invPage.goto(`/reports/${other}`);
    await invPage.getByRole('heading', { name: `Report ${otherTriaged.reference}` }).waitFor();
    await invPage.getByRole('heading', { name: 'History' }).first().waitFor();
    expect(await invPage.getByRole('button', { name: /^Erase/ }).count()).toBe(0);
  });

  it('changes the threat level only after a reason and a confirmation; every role sees it in the header', async () => {
    const { app } = e2e();
    const { page } = await e2e().newPage();
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const handler = await createStaff(app, 'CALL_HANDLER');
    const before = (await app.gql(`{ threatLevel { level } }`, {}, supervisor.token)).data.threatLevel.level as string;
    const to = before === 'CRITICAL' ? 'MODERATE' : 'CRITICAL';
    const toName = to === 'CRITICAL' ? 'Critical' : 'Moderate';

    await signIn(page, supervisor.username);
    const header = page.getByRole('banner');
    await header.getByTestId('threat-level').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Supervisor' }).click();
    await page.getByLabel('New level').selectOption(to);
    await page.getByRole('button', { name: 'Set threat level' }).click();
    await page.getByText('Give a reason (at least 5 characters)').waitFor();
    await page.getByLabel('Reason for the change').fill('JTAC assessment after the attack on the station');
    await page.getByRole('button', { name: 'Set threat level' }).click();

    // The confirmation says what changes; going back changes nothing.
    const confirm = page.getByRole('dialog', { name: 'Confirm the new threat level' });
    await confirm.getByText('JTAC assessment after the attack on the station').waitFor();
    await confirm.getByText(toName, { exact: true }).waitFor();
    await expectAccessible(page);
    // Tall enough for the whole page, so the dialog's backdrop covers all of it in the full-page screenshot.
    await page.setViewportSize({ width: 1280, height: 1300 });
    await screenshot(page, 'threat-level-confirm');
    await page.setViewportSize({ width: 1280, height: 800 });
    await confirm.getByRole('button', { name: 'Go back' }).click();
    expect((await app.gql(`{ threatLevel { level } }`, {}, supervisor.token)).data.threatLevel.level).toBe(before);

    await page.getByRole('button', { name: 'Set threat level' }).click();
    await confirm.getByRole('button', { name: `Set the level to ${toName}` }).click();
    await page.locator('.threat-now').getByText(toName, { exact: true }).waitFor();
    await header.getByTestId('threat-level').getByText(toName).waitFor();
    const audited = (await auditEntries(app, 'threat_level.set')).filter((e) => e.details?.to === to);
    expect(audited.map((e) => e.details)).toEqual([expect.objectContaining({ from: before, to, reason: 'JTAC assessment after the attack on the station' })]);

    // Another role, signed in elsewhere, sees the new level in its header.
    const { page: other } = await e2e().newPage();
    await signIn(other, handler.username);
    await other.getByRole('banner').getByTestId('threat-level').getByText(`Threat level: ${toName}`).waitFor();
  });
});
