/**
 * The oversight screens in a real browser (the auditor's audit log is in
 * audit.test.ts): the admin creates a partner (key shown once,
 * then gone) and a user who can then sign in; the supervisor sets the threat
 * level, sees the supervisor queue and erases a report only after typing its
 * reference.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PARTNER_KEY_PREFIX } from '../../src/auth/secrets.js';
import { Q, findReport, recordCall, waitForStatus } from '../support/desk.js';
import { createStaff, PASSWORD } from '../support/factories.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

describe('console oversight screens', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('the supervisor sets the threat level, sees the queue and erases a report only after typing its reference', async () => {
    const { page, foreign } = await e2e().newPage();
    const supervisor = await createStaff(e2e().app, 'SUPERVISOR');
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');

    await signIn(page, supervisor.username);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Supervisor' }).click();
    await page.getByRole('heading', { name: 'Supervisor', level: 1 }).waitFor();
    // Nothing needs a supervisor yet: the empty state says so.
    await page.getByText('Nothing needs a supervisor').waitFor();
    await page.getByText('No caller has been revealed.').waitFor();

    // The threat level: change it with a reason and see it, with the reason, at once.
    await page.getByLabel('New level').selectOption('SEVERE');
    await page.getByLabel('Reason for the change').fill('x');
    await page.getByRole('button', { name: 'Set threat level' }).click();
    await page.getByText('Give a reason (at least 5 characters)').waitFor();
    await page.getByLabel('Reason for the change').fill('JTAC raised the national level after an attack');
    await page.getByRole('button', { name: 'Set threat level' }).click();
    // Nothing changes before the confirmation (tests/e2e/supervisor-home.test.ts tests it in full).
    await page.getByRole('dialog', { name: 'Confirm the new threat level' }).getByRole('button', { name: 'Set the level to Severe' }).click();
    const now = page.locator('.threat-now');
    await now.getByText('Severe', { exact: true }).waitFor();
    await now.getByText('JTAC raised the national level after an attack').waitFor();
    expect((await e2e().app.gql(`{ threatLevel { level reason } }`, {}, supervisor.token)).data.threatLevel).toEqual({
      level: 'SEVERE',
      reason: 'JTAC raised the national level after an attack',
    });

    // A report triaged, then escalated (unclaimed past its deadline), and a caller revealed by the supervisor.
    const id = await recordCall(e2e().app, handler.token, 1);
    const triaged = await waitForStatus(e2e().app, id, 'TRIAGED');
    const escalated = await e2e().app.deps.reports.applyChange(triaged, {
      where: { status: 'TRIAGED', assignee: null },
      set: { escalated: true },
      history: [{ at: new Date(), actor: { type: 'system', id: 'test-escalation' }, action: 'escalated', from: { escalated: false }, to: { escalated: true }, reason: 'test' }],
    });
    expect(escalated).not.toBeNull();
    const reveal = await e2e().app.gql(Q.reveal, { id, reason: 'Caller must be contacted about the van' }, supervisor.token);
    expect(reveal.errors).toBeUndefined();
    const reference = triaged.reference;

    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = page.getByRole('region', { name: 'Supervisor queue' }).getByRole('row').filter({ hasText: reference });
    await row.waitFor();
    expect(await row.getByText('Yes').count()).toBe(1); // escalated
    await page.reload();
    await page.getByRole('region', { name: 'Caller reveals' }).getByRole('row').filter({ hasText: 'Caller must be contacted about the van' }).filter({ hasText: reference }).waitFor();
    await row.waitFor();
    await expectAccessible(page);
    await screenshot(page, 'supervisor');

    // Reassign a second escalated report to a named investigator of its desk: it leaves the queue.
    const id2 = await recordCall(e2e().app, handler.token, 4);
    const triaged2 = await waitForStatus(e2e().app, id2, 'TRIAGED');
    expect(
      await e2e().app.deps.reports.applyChange(triaged2, {
        where: { status: 'TRIAGED', assignee: null },
        set: { escalated: true },
        history: [{ at: new Date(), actor: { type: 'system', id: 'test-escalation' }, action: 'escalated', from: { escalated: false }, to: { escalated: true }, reason: 'test' }],
      }),
    ).not.toBeNull();
    const investigator = await createStaff(e2e().app, 'INVESTIGATOR', triaged2.desk);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: `Reassign ${triaged2.reference}` }).click();
    const reassign = page.getByRole('dialog', { name: `Reassign ${triaged2.reference}` });
    await reassign.getByLabel('Reason').fill('Night shift lead is off sick');
    await reassign.getByRole('button', { name: 'Reassign' }).click();
    await reassign.getByText('Choose who takes the report').waitFor();
    await reassign.getByLabel('Reassign to').selectOption(investigator.username);
    await reassign.getByRole('button', { name: 'Reassign' }).click();
    await page.getByRole('status').filter({ hasText: `${triaged2.reference} reassigned to ${investigator.username}` }).waitFor();
    await page.getByRole('button', { name: `Reassign ${triaged2.reference}` }).waitFor({ state: 'detached' });
    const reassigned = await findReport(e2e().app, id2);
    expect([reassigned.status, reassigned.assignee]).toEqual(['ASSIGNED', investigator.user.id]);

    // Erase: the button stays disabled until the reference is typed exactly.
    await row.getByRole('button', { name: `Erase ${reference}` }).click();
    const dialog = page.getByRole('dialog', { name: `Erase ${reference}` });
    await dialog.waitFor();
    const erase = dialog.getByRole('button', { name: 'Erase', exact: true });
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByLabel('Reason').fill('Malicious hoax, erasure approved by the DPO');
    expect(await erase.isDisabled()).toBe(true);
    const confirm = dialog.getByLabel(`Type the reference ${reference} to confirm`);
    await confirm.fill(reference.slice(0, -1));
    expect(await erase.isDisabled()).toBe(true);
    await confirm.fill(reference.toLowerCase());
    expect(await erase.isDisabled()).toBe(true);
    await confirm.fill(reference);
    expect(await erase.isDisabled()).toBe(false);
    await expectAccessible(page);
    await erase.click();
    await page.getByRole('status').filter({ hasText: `${reference} erased` }).waitFor();
    await page.getByText('Nothing needs a supervisor').waitFor();
    const doc = await findReport(e2e().app, id);
    expect(doc.status).toBe('ERASED');
    expect(doc.content ?? null).toBeNull();
    expect(foreign).toEqual([]);
  });

  it('the admin creates a partner and sees its key once, and creates an investigator who can sign in', async () => {
    const { page, context, foreign } = await e2e().newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const admin = await createStaff(e2e().app, 'ADMIN');
    await signIn(page, admin.username);
    const nav = page.getByRole('navigation', { name: 'Main' });
    // Navigation follows the policy: an admin sees the admin screens, not the audit log or the desk.
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Supervisor' }).count()).toBe(0);
    await nav.getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();

    // Create a partner: the key is shown once, with a copy button and a warning.
    const name = `Borough Prevent team ${randomUUID().slice(0, 6)}`;
    await page.getByLabel('Organisation name').fill(name);
    await page.getByRole('button', { name: 'Create partner' }).click();
    await page.getByText('It cannot be shown again').waitFor();
    const key = await page.getByLabel('API key', { exact: true }).inputValue();
    expect(key.startsWith(PARTNER_KEY_PREFIX)).toBe(true);
    expect(key).toHaveLength(PARTNER_KEY_PREFIX.length + 43);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    const partnerRow = page.getByRole('row').filter({ hasText: name });
    await partnerRow.waitFor();
    expect(await partnerRow.textContent()).toContain(key.slice(0, 8));
    await expectAccessible(page);
    await screenshot(page, 'admin-partners');

    // The key works for the partner API.
    const partnerCall = await fetch(`${e2e().origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ me { __typename ... on PartnerOrganisation { name } } }' }),
    }).then((r) => r.json());
    expect(partnerCall.data.me).toEqual({ __typename: 'PartnerOrganisation', name });

    // "I have stored the key": it is gone from the page.
    await page.getByRole('button', { name: 'I have stored the key' }).click();
    await page.getByText(`Partner ${name} created`).waitFor();
    expect(await page.content()).not.toContain(key);

    // A second partner, then away and back: the key is not shown anywhere.
    const name2 = `Youth service ${randomUUID().slice(0, 6)}`;
    await page.getByLabel('Organisation name').fill(name2);
    await page.getByRole('button', { name: 'Create partner' }).click();
    const key2 = await page.getByLabel('API key', { exact: true }).inputValue();
    expect(key2.startsWith(PARTNER_KEY_PREFIX)).toBe(true);
    await nav.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await nav.getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('row').filter({ hasText: name2 }).waitFor();
    expect(await page.content()).not.toContain(key2);
    expect(await page.getByLabel('API key').count()).toBe(0);

    // Revoke the second partner after confirming; its key stops working.
    await page.getByRole('button', { name: `Revoke ${name2}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText(`The key of ${name2} is revoked`).waitFor();
    await page.getByRole('button', { name: `Revoke ${name2}` }).waitFor({ state: 'detached' });
    expect(await page.getByRole('row').filter({ hasText: name2 }).getByText('No', { exact: true }).count()).toBe(0);
    expect((await e2e().app.deps.services.auth.listPartners()).find((p) => p.name === name2)?.revokedAt).toBeTruthy();

    // Users: create an investigator of SO13; the desk is asked only once "Investigator" is ticked.
    await nav.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Create a user' }).waitFor();
    const username = `inv-${randomUUID().slice(0, 8)}`;
    const password = 'a long enough initial password';
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Initial password').fill('too short');
    expect(await page.getByLabel('Desk', { exact: true }).count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Investigator', exact: true }).check();
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('At least 12 characters', { exact: true }).waitFor();
    await page.getByText('An investigator needs a desk').waitFor();
    await page.getByLabel('Initial password').fill(password);
    await page.getByLabel('Desk', { exact: true }).selectOption('SO13');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`User ${username} created`).waitFor();
    const userRow = page.getByRole('region', { name: 'Staff users' }).getByRole('row').filter({ hasText: username });
    await userRow.waitFor();
    expect(await userRow.textContent()).toContain('SO13');
    // Investigator needs a second admin (separation of duties): pending, and this admin cannot approve it.
    expect(await userRow.textContent()).toContain('Investigator (awaiting a second admin)');
    const grantRow = page.getByRole('region', { name: 'Requests awaiting a second admin' }).getByRole('row').filter({ hasText: username });
    await grantRow.getByText('Another admin decides').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'admin-users');
    const admin2 = await createStaff(e2e().app, 'ADMIN');
    const second = await e2e().newPage();
    await signIn(second.page, admin2.username);
    await second.page.goto('/admin/users');
    // Approving asks for the second admin's own password again (tests/e2e/admin-requests.test.ts tries a wrong one).
    await second.page.getByRole('button', { name: `Approve: give roles: Investigator for ${username}` }).click();
    await second.page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
    await second.page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await second.page.getByText(`Approved: give roles: Investigator for ${username}.`).waitFor();
    await page.reload();
    await userRow.waitFor();
    expect(await userRow.textContent()).toContain('Investigator');
    expect(await userRow.textContent()).not.toContain('awaiting');

    // The new investigator signs in: the password the admin chose opens no session, they choose their own
    // (trust review 2, item 16), and land on the desk.
    const other = await e2e().newPage();
    await other.page.goto('/');
    await other.page.getByLabel('Username').fill(username);
    await other.page.getByLabel('Password').fill(password);
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await other.page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    await other.page.getByLabel('New password', { exact: true }).fill('the investigator chose this');
    await other.page.getByLabel('New password again').fill('the investigator chose this');
    await other.page.getByRole('button', { name: 'Save and sign in' }).click();
    await other.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Desk queue' }).waitFor();
    expect(await other.page.getByText(`${username} · Investigator · SO13`).count()).toBe(1);

    // Revoke sessions says how many ended; then disable (after confirming).
    await page.getByRole('button', { name: `Revoke sessions of ${username}` }).click();
    await page.getByText(`1 session of ${username} ended.`).waitFor();
    await page.getByRole('button', { name: `Disable ${username}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable user' }).click();
    await page.getByText(`${username} is disabled`).waitFor();
    await userRow.getByText('Disabled', { exact: true }).waitFor();
    await other.page.reload();
    await other.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(foreign).toEqual([]);
  });

  it('fits a narrow window: tables scroll inside their box, the page itself does not', async () => {
    for (const [role, path, heading] of [
      ['SUPERVISOR', '/supervisor', 'Supervisor'],
      ['AUDITOR', '/audit', 'Audit log'],
      ['ADMIN', '/admin/users', 'Users'],
      ['ADMIN', '/admin/partners', 'Partners'],
    ] as const) {
      const { page } = await e2e().newPage({ width: 390, height: 800 });
      const staff = await createStaff(e2e().app, role);
      await signIn(page, staff.username);
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('table, .empty').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
      await page.context().close();
    }
  });
});
