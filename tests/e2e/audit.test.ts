/**
 * The auditor's screen in a real browser: the log in words, filtered and
 * paged; entries found by a report's reference and by a username; an unknown
 * one said plainly next to its field; the chain and one report's history
 * verified (by reference); the filtered view downloaded as CSV, its content
 * checked, and the export itself found in the log.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReport, recordCall } from '../support/desk.js';
import { PASSWORD, createStaff } from '../support/factories.js';
import { hotlineCall } from '../support/payloads.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

describe('console audit log', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('the auditor filters and pages the log in words, finds entries by reference and username, verifies, and downloads an audited CSV', async () => {
    const { page, foreign } = await e2e().newPage();
    const auditor = await createStaff(e2e().app, 'AUDITOR');
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    // Enough sign-ins for more than one page of ten.
    for (let i = 0; i < 11; i++) await e2e().app.deps.services.auth.login(handler.username, PASSWORD, `e2e-${randomUUID()}`);
    const reportId = await recordCall(e2e().app, handler.token, 2);
    const reference = (await findReport(e2e().app, reportId)).reference;

    await signIn(page, auditor.username);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const rows = page.locator('table.audit-table tbody tr');
    await rows.first().waitFor();
    // Actions by name, not code.
    expect(await rows.filter({ hasText: 'Sign-in' }).count()).toBeGreaterThan(0);
    expect(await rows.filter({ hasText: 'User created' }).count()).toBeGreaterThan(0);
    expect(await page.locator('table.audit-table').textContent()).not.toContain('auth.login');

    // Filter by action, ten per page: every row is a sign-in.
    await page.getByLabel('Action').selectOption({ label: 'Sign-in' });
    await page.getByLabel('Entries per page').selectOption('10');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Showing 10 entries').waitFor();
    const actions = await rows.locator('td:nth-child(3)').allTextContents();
    expect(actions).toHaveLength(10);
    expect(new Set(actions)).toEqual(new Set(['Sign-in']));
    const firstPageSeqs = (await rows.locator('td:nth-child(1)').allTextContents()).map(Number);

    // Older entries: the next page follows on, older (lower entry number), still filtered.
    await page.getByRole('button', { name: 'Older entries' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.audit-table tbody tr').length > 10);
    const seqs = (await rows.locator('td:nth-child(1)').allTextContents()).map(Number);
    expect(seqs.slice(0, 10)).toEqual(firstPageSeqs);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    // A time range in the future finds nothing: the empty state.
    await page.getByLabel('From').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No entries match these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await rows.first().waitFor();

    // By reference (typed in lower case): the report's entries, named by reference and by the handler's username.
    const filters = page.getByRole('form', { name: 'Filter the audit log' });
    await filters.getByLabel('Report reference', { exact: true }).fill(reference.toLowerCase());
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const recorded = rows.filter({ hasText: 'Report recorded' });
    await recorded.waitFor();
    expect(await recorded.locator('td:nth-child(5)').textContent()).toContain(handler.username);
    expect(new Set(await rows.locator('td:nth-child(6)').allTextContents())).toEqual(new Set([`Report ${reference}`]));
    expect(await recorded.locator('td:nth-child(7)').textContent()).toContain('SourceHotline call');
    expect(await page.locator('table.audit-table').textContent()).not.toContain(reportId);

    // An unknown reference: said next to the field and in a summary, never an empty list.
    await filters.getByLabel('Report reference', { exact: true }).fill('ATH-1999-999999');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('.field-error').filter({ hasText: 'No report has this reference' }).waitFor();
    await page.locator('.error-summary').getByRole('link', { name: 'No report has this reference' }).waitFor();
    expect(await page.getByText('No entries match these filters.').count()).toBe(0);
    expect(await rows.count()).toBe(0);
    await expectAccessible(page);

    // An unknown username likewise; then the handler's username finds their sign-ins and the report they recorded.
    await filters.getByLabel('Report reference', { exact: true }).fill('');
    await filters.getByLabel('Username').fill('nobody-by-this-name');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('.field-error').filter({ hasText: 'No account has this username' }).waitFor();
    await filters.getByLabel('Username').fill(handler.username);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await rows.filter({ hasText: 'Report recorded' }).waitFor();
    expect(await rows.filter({ hasText: 'Sign-in' }).count()).toBeGreaterThan(10);
    expect(await page.locator('.field-error').count()).toBe(0);
    // Each is by them or about their account (their creation, by whoever created it).
    const byOrAbout = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.children[4]!.textContent} | ${tr.children[5]!.textContent}`));
    expect(byOrAbout.every((t) => t.includes(handler.username))).toBe(true);

    // Download this view as CSV: the same entries, in words, and the export is recorded.
    const shownSeqs = (await rows.locator('td:nth-child(1)').allTextContents()).map(Number);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download these entries as CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-log-\d{8}-\d{4}\.csv$/);
    const file = await readFile((await download.path())!, 'utf8');
    expect(file.startsWith('\uFEFF')).toBe(true); // so Excel reads it as UTF-8
    const csv = file.slice(1);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('"Entry","Time (UTC)","Action","Outcome","Actor","Actor type","Target","Details"');
    expect(lines.slice(1).map((l) => Number(/^"(\d+)"/.exec(l)![1]))).toEqual(shownSeqs);
    expect(lines.find((l) => l.includes('"Report recorded"'))).toContain(`"${handler.username}","Staff","Report ${reference}"`);
    expect(lines.filter((l) => l.includes('"Sign-in","Success"')).length).toBeGreaterThan(10);
    expect(csv).not.toContain(hotlineCall(2).narrative.slice(0, 30));
    expect(csv).not.toContain(handler.user.id);
    await page.getByRole('status').filter({ hasText: `Downloaded ${lines.length - 1} entries` }).waitFor();

    // The export is in the log, by the auditor.
    await filters.getByLabel('Username').fill(auditor.username);
    await page.getByLabel('Action').selectOption({ label: 'Audit log exported' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const exported = rows.filter({ hasText: 'Audit log exported' });
    await exported.waitFor();
    expect(await exported.count()).toBe(1);
    const details = (await exported.locator('td:nth-child(7)').textContent())!;
    expect(details).toContain(`Rows${lines.length - 1}`);
    expect(details).toContain(`Username: ${handler.username}`);
    const exportSeq = Number(await exported.locator('td:nth-child(1)').textContent());

    // Verify the whole chain.
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const intact = page.locator('.alert.ok').filter({ hasText: /^Chain intact: \d+ entries$/ });
    await intact.waitFor();
    // Every entry up to the export at least (the worker may have added some since).
    expect(Number(/(\d+)/.exec((await intact.textContent())!)![1])).toBeGreaterThanOrEqual(exportSeq);

    // Verify one report's history by its reference; an unknown one is said next to the field.
    const verification = page.getByRole('region', { name: 'Verification' });
    await verification.getByLabel('Reference to verify').fill('ATH-1999-999999');
    await verification.getByRole('button', { name: 'Verify report history' }).click();
    await verification.locator('.field-error').filter({ hasText: 'No report has this reference' }).waitFor();
    await verification.getByLabel('Reference to verify').fill(reference.toLowerCase());
    await verification.getByRole('button', { name: 'Verify report history' }).click();
    await page.locator('.alert.ok').filter({ hasText: new RegExp(`^History of ${reference} intact: \\d+ entries$`) }).waitFor();
    expect(await verification.locator('.field-error').count()).toBe(0);

    // The screen for the README: the handler's entries, ten to a page.
    await filters.getByLabel('Username').fill(handler.username);
    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Entries per page').selectOption('10');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Showing 10 entries').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'audit-log');
    await expectFitsNarrowWindow(page);
    // Looked at by hand, not kept: the narrow layout is checked above.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: join(tmpdir(), 'audit-log-390.png'), fullPage: true });
    expect(foreign).toEqual([]);
  });
});
