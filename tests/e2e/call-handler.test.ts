/**
 * The call handler's screens in a real browser: record a call by keyboard
 * only, the 999 alert before submitting, one report for a double submit or
 * a retry after a lost connection (same idempotency key), nothing typed kept
 * in any browser storage, validation errors next to their fields, and "My
 * submissions" without content.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { INTAKE_LIMITS } from '../../src/intake/limits.js';
import { createStaff } from '../support/factories.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

const MINE = `{ mySubmissions { id reference status categories receivedAt } }`;
const REPORT = `query($id: ID!) { report(id: $id) {
  reference narrative imminentThreat borough categories anonymous channel
  subjects { name aliases approximateAge dateOfBirth description }
  vehicles { registration make model colour }
  locations { address postcode }
} }`;

/** Presses Tab until the focused element's label (or a button's text) starts with `label`. */
async function tabTo(page: Page, label: string, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const here = await focusedLabel(page);
    if (here.startsWith(label)) return;
  }
  throw new Error(`Tab never reached "${label}"`);
}

function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as (HTMLElement & { labels?: NodeListOf<HTMLLabelElement> }) | null;
    if (!el) return '';
    return (el.labels?.[0]?.textContent ?? el.textContent ?? '').trim();
  });
}

describe('call handler: record a call', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  /** The handler's own submissions, through the API. */
  const mine = async (token: string) => {
    const res = await e2e().app.gql(MINE, {}, token);
    expect(res.errors).toBeUndefined();
    return res.data.mySubmissions as { id: string; reference: string; status: string; categories: string[] }[];
  };

  /** Fills the required parts of the form (narrative and a category) the quick way. */
  async function fillMinimal(page: Page, narrative: string) {
    await page.getByLabel('What the caller said').fill(narrative);
    await page.getByLabel('Suspicious item').check();
  }

  it('records a call with a subject and a vehicle by keyboard only, and shows the reference', async () => {
    const { page, context, foreign } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    // The call handler lands on the form with the cursor in its first field.
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    await expect.poll(() => focusedLabel(page)).toBe('Channel');
    await expect(page.getByText('closing or reloading this tab loses it').isVisible()).resolves.toBe(true);
    await expect(page.getByText('Anonymous caller', { exact: true }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'record-call');

    // From here on: keyboard only.
    await page.keyboard.press('Tab');
    expect(await focusedLabel(page)).toBe('Borough');
    await page.keyboard.type('Camden');
    await tabTo(page, 'What the caller said');
    await page.keyboard.type('A neighbour keeps gas canisters in a lock-up behind Kestrel Mews.\nHe visits it at night.');
    await tabTo(page, 'Hostile reconnaissance');
    await page.keyboard.press('Space');
    await tabTo(page, 'Storage');
    await page.keyboard.press('Space');

    await tabTo(page, 'Add a subject');
    await page.keyboard.press('Enter');
    // The new row's first field has the cursor.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('call-subjects-0-name');
    await page.keyboard.type('Darren Quill');
    await page.keyboard.press('Tab');
    await page.keyboard.type('DQ, The Plumber');
    await tabTo(page, 'Approximate age');
    await page.keyboard.type('late 30s');

    await tabTo(page, 'Add a vehicle');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('call-vehicles-0-registration');
    await page.keyboard.type('KX19 QRT');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Ford');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Transit');
    await page.keyboard.press('Tab');
    await page.keyboard.type('white');

    await tabTo(page, 'Record the call');
    await page.keyboard.press('Enter');
    const reference = page.locator('.reference');
    await reference.waitFor();
    const ref = (await reference.textContent())!.trim();
    expect(ref).toMatch(/^ATH-/);
    await expect.poll(() => focusedLabel(page)).toBe('Call recorded');
    // Not imminent: no 999 instruction.
    expect(await page.locator('.alert.urgent').count()).toBe(0);

    // Copy the reference, still by keyboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e().origin });
    await tabTo(page, 'Copy reference');
    await page.keyboard.press('Enter');
    await page.getByText('Copied', { exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ref);
    await expectAccessible(page);
    await screenshot(page, 'record-call-done');

    // The report exists with what was typed, read back as a supervisor.
    const [submission] = await mine(handler.token);
    expect(submission!.reference).toBe(ref);
    const supervisor = await createStaff(e2e().app, 'SUPERVISOR');
    const res = await e2e().app.gql(REPORT, { id: submission!.id }, supervisor.token);
    expect(res.errors).toBeUndefined();
    const report = res.data.report;
    expect(report).toMatchObject({
      reference: ref,
      narrative: 'A neighbour keeps gas canisters in a lock-up behind Kestrel Mews.\nHe visits it at night.',
      imminentThreat: false,
      borough: 'CAMDEN',
      channel: 'ANTI_TERRORIST_HOTLINE',
      anonymous: true,
      subjects: [{ name: 'Darren Quill', aliases: ['DQ', 'The Plumber'], approximateAge: 'late 30s', dateOfBirth: null, description: null }],
      vehicles: [{ registration: 'KX19 QRT', make: 'Ford', model: 'Transit', colour: 'white' }],
      locations: [],
    });
    expect([...report.categories].sort()).toEqual(['HOSTILE_RECONNAISSANCE', 'STORAGE']);

    // "Record another call" empties every field, with a new idempotency key and the cursor back on the first field.
    await tabTo(page, 'Record another call');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    await expect.poll(() => focusedLabel(page)).toBe('Channel');
    expect(await page.getByLabel('What the caller said').inputValue()).toBe('');
    expect(await page.getByLabel('Borough').inputValue()).toBe('UNKNOWN');
    expect(await page.getByLabel('Hostile reconnaissance').isChecked()).toBe(false);
    expect(await page.locator('#call-subjects-0-name').count()).toBe(0);
    await tabTo(page, 'What the caller said');
    await page.keyboard.type('A second, different call about a parcel left at a bus stop.');
    await tabTo(page, 'Suspicious item');
    await page.keyboard.press('Space');
    await page.keyboard.press('Control+Enter');
    await page.locator('.reference').waitFor();
    const second = (await page.locator('.reference').textContent())!.trim();
    expect(second).not.toBe(ref);
    expect((await mine(handler.token)).map((s) => s.reference).sort()).toEqual([ref, second].sort());
    expect(foreign).toEqual([]);
  });

  it('shows the 999 alert as soon as "imminent threat" is ticked, before submitting', async () => {
    const { page, foreign } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    expect(await page.locator('.alert.urgent').count()).toBe(0);
    await tabTo(page, 'Imminent threat');
    await page.keyboard.press('Space');
    const alert = page.locator('.alert.urgent[role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('pass this call to 999 now');
    // Nothing has been sent yet.
    expect(await mine(handler.token)).toEqual([]);
    await expectAccessible(page);
    await screenshot(page, 'record-call-imminent');
    // Unticking takes it away; ticking again and recording shows the server's instruction with the reference.
    await page.keyboard.press('Space');
    expect(await page.locator('.alert.urgent').count()).toBe(0);
    await page.keyboard.press('Space');
    await fillMinimal(page, 'He said he will set it off at the station this afternoon.');
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('.reference').waitFor();
    expect(await page.locator('.alert.urgent[role="alert"]').textContent()).toContain('999');
    const [submission] = await mine(handler.token);
    expect(submission).toBeDefined();
    expect(foreign).toEqual([]);
  });

  it('records one report for a double click, and one for two quick Enter presses', async () => {
    const { page } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const sent: string[] = [];
    page.on('request', (r) => {
      const body = r.postData() ?? '';
      if (body.includes('RecordHotlineCall')) sent.push(JSON.parse(body).variables.input.idempotencyKey);
    });

    await fillMinimal(page, 'Double click: a van parked outside for three nights.');
    // Two clicks in the same instant, before the page can disable the button.
    await page.evaluate(() => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Record the call')!;
      button.click();
      button.click();
    });
    await page.locator('.reference').waitFor();
    expect(await mine(handler.token)).toHaveLength(1);

    await page.getByRole('button', { name: 'Record another call' }).click();
    await fillMinimal(page, 'Two Enter presses: someone photographing the station entrances.');
    await page.getByRole('button', { name: 'Record the call' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.locator('.reference').waitFor();
    expect(await mine(handler.token)).toHaveLength(2);
    // However many requests went out, each call had one key of its own.
    expect(new Set(sent).size).toBe(2);
  });

  it('keeps nothing typed in localStorage, sessionStorage, IndexedDB or Cache Storage', async () => {
    const { page } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const typed = {
      narrative: 'Confidential-narrative-7Q2X about a storage unit',
      caller: 'Callername-Zorbulax',
      phone: '07700 900417',
      subject: 'Subjectname-Vexmoor',
      plate: 'ZZ99 QXW',
    };
    await page.getByLabel('What the caller said').fill(typed.narrative);
    await page.getByLabel('Storage (chemicals, weapons, materials)').check();
    await page.getByLabel("Caller's name").fill(typed.caller);
    await page.getByLabel("Caller's phone").fill(typed.phone);
    await page.getByLabel('The caller agrees to be contacted again').check();
    await page.getByRole('button', { name: 'Add a subject' }).click();
    await page.locator('#call-subjects-0-name').fill(typed.subject);
    await page.getByRole('button', { name: 'Add a vehicle' }).click();
    await page.locator('#call-vehicles-0-registration').fill(typed.plate);

    const storage = () =>
      page.evaluate(async () => {
        const dump = (s: Storage) => Object.fromEntries(Object.keys(s).map((k) => [k, s.getItem(k)]));
        return {
          local: dump(localStorage),
          session: dump(sessionStorage),
          databases: (await indexedDB.databases()).map((d) => d.name),
          caches: await caches.keys(),
          cookies: document.cookie,
        };
      });
    const check = async () => {
      const found = await storage();
      const text = JSON.stringify(found);
      for (const value of Object.values(typed)) expect(text).not.toContain(value);
      expect(found).toEqual({ local: {}, session: {}, databases: [], caches: [], cookies: '' });
    };
    await check(); // while typing
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('.reference').waitFor();
    await check(); // after recording
    await page.getByRole('link', { name: 'My submissions' }).click();
    await page.getByRole('table').waitFor();
    await check(); // after reading the list
    const [submission] = await mine(handler.token);
    const supervisor = await createStaff(e2e().app, 'SUPERVISOR');
    const res = await e2e().app.gql(REPORT, { id: submission!.id }, supervisor.token);
    expect(res.data.report.anonymous).toBe(false);
  });

  it('keeps the form filled when the connection is lost or the service is busy, and Retry records the call once', async () => {
    const { page } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const keys: string[] = [];
    page.on('request', (r) => {
      const body = r.postData() ?? '';
      if (body.includes('RecordHotlineCall')) keys.push(JSON.parse(body).variables.input.idempotencyKey);
    });
    const narrative = 'Lost connection: a man left a holdall under a bench and walked away.';
    await fillMinimal(page, narrative);

    // 1. The request never reaches the server.
    await page.route('**/graphql', (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.getByRole('alert').filter({ hasText: 'The connection to the server was lost' }).waitFor();
    expect(await page.getByLabel('What the caller said').inputValue()).toBe(narrative);
    expect(await page.getByLabel('Suspicious item').isChecked()).toBe(true);
    expect(await mine(handler.token)).toEqual([]);
    await page.unroute('**/graphql');

    // 2. The service is busy (503).
    await page.route('**/graphql', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ errors: [{ message: 'busy', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }) }),
    );
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wait a moment and retry' }).waitFor();
    expect(await page.getByLabel('What the caller said').inputValue()).toBe(narrative);
    await page.unroute('**/graphql');

    // 3. The call reaches the server but the answer is lost on the way back.
    await page.route('**/graphql', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('alert').filter({ hasText: 'The connection to the server was lost' }).waitFor();
    expect(await mine(handler.token)).toHaveLength(1);
    await page.unroute('**/graphql');

    // 4. Retry: the same key, so the server answers with the call it already has.
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('.reference').waitFor();
    const ref = (await page.locator('.reference').textContent())!.trim();
    const submissions = await mine(handler.token);
    expect(submissions.map((s) => s.reference)).toEqual([ref]);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(new Set(keys).size).toBe(1);
  });

  it('shows validation errors next to their fields: the browser\'s own and the server\'s', async () => {
    const { page } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();

    // Nothing filled in: the narrative and categories are marked, and the cursor goes to the narrative.
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('#call-narrative-error').waitFor();
    expect(await page.locator('#call-narrative-error').textContent()).toBe('Enter what the caller said');
    expect(await page.locator('#call-categories-error').textContent()).toContain('Choose at least one category');
    expect(await page.getByLabel('What the caller said').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('call-narrative');
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();

    // Over a limit the server also enforces; and "may recontact" without a way to do it.
    await fillMinimal(page, 'A subject whose name is far too long.');
    await page.getByRole('button', { name: 'Add a subject' }).click();
    await page.locator('#call-subjects-0-name').fill('N'.repeat(INTAKE_LIMITS.name + 1));
    await page.getByLabel('The caller agrees to be contacted again').check();
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('#call-subjects-0-name-error').waitFor();
    expect(await page.locator('#call-subjects-0-name-error').textContent()).toBe(`Enter at most ${INTAKE_LIMITS.name} characters`);
    expect(await page.locator('#call-caller-phone-error').textContent()).toContain('give a phone number');
    expect(await page.locator('#call-narrative-error').count()).toBe(0);
    // The summary at the top names each problem by its field, in form order, and each link puts the cursor there.
    const summary = page.locator('.error-summary li');
    expect(await summary.allTextContents()).toEqual([
      "Caller's phone: To recontact the caller, give a phone number, an email or an address",
      `Subject 1, name: Enter at most ${INTAKE_LIMITS.name} characters`,
    ]);
    // By keyboard, as a handler would (a click can land on a shifting layout on a loaded machine).
    await summary.nth(1).getByRole('link').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('call-subjects-0-name');
    await expectAccessible(page);
    expect(await mine(handler.token)).toEqual([]);

    // A rule only the server knows about (here: a narrative made too long on the way): its error lands next to the narrative.
    await page.locator('#call-subjects-0-name').fill('Short Name');
    await page.getByLabel('The caller agrees to be contacted again').uncheck();
    await page.route('**/graphql', (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}');
      if (body.variables?.input) body.variables.input.narrative = 'x'.repeat(INTAKE_LIMITS.narrative + 1);
      return route.continue({ postData: JSON.stringify(body) });
    });
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('#call-narrative-error').waitFor();
    expect(await page.locator('#call-narrative-error').textContent()).toContain(`at most ${INTAKE_LIMITS.narrative} characters`);
    await page.getByRole('alert').filter({ hasText: 'The server did not accept part of the call' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('call-narrative');
    expect(await page.getByLabel('What the caller said').inputValue()).toBe('A subject whose name is far too long.');
    await page.unroute('**/graphql');
    expect(await mine(handler.token)).toEqual([]);
  });

  it('lists my submissions with reference, time, status and categories but no content', async () => {
    const { page, foreign } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('link', { name: 'My submissions' }).click();
    await page.getByText('You have recorded no calls in the last 24 hours').waitFor();

    const queries: string[] = [];
    page.on('request', (r) => {
      const body = r.postData() ?? '';
      if (body.includes('MySubmissions')) queries.push(JSON.parse(body).query);
    });
    const narratives = ['Secret-one: a lock-up full of canisters.', 'Secret-two: someone filming the embassy gates.'];
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Record a call' }).click();
    for (const [i, narrative] of narratives.entries()) {
      if (i > 0) await page.getByRole('button', { name: 'Record another call' }).click();
      await fillMinimal(page, narrative);
      if (i === 1) await page.getByLabel('Imminent threat').check();
      await page.getByRole('button', { name: 'Record the call' }).click();
      await page.locator('.reference').waitFor();
    }
    const refs = (await mine(handler.token)).map((s) => s.reference);
    await nav.getByRole('link', { name: 'My submissions' }).click();
    const table = page.getByRole('table');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const text = (await table.textContent())!;
    for (const ref of refs) expect(text).toContain(ref);
    expect(text).toContain('Suspicious item');
    expect(text).toMatch(/Received|Waiting for an investigator|With an investigator/);
    expect(text).toContain('Imminent');
    for (const n of narratives) expect(await page.content()).not.toContain(n.slice(0, 10));
    // The query asks for no content at all.
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q).not.toMatch(/narrative|subjects|vehicles|locations|caller|researchNotes/);
    // Nor anything of the desk work: the schema's Submission has no such field to ask for.
    for (const q of queries) expect(q).not.toMatch(/desk|links|grading|assignee|priority|triageReasons|history/);
    await expectAccessible(page);
    await screenshot(page, 'my-submissions');
    expect(foreign).toEqual([]);
  });

  it('works on a narrow window without sideways scrolling', async () => {
    const { page } = await e2e().newPage({ width: 390, height: 800 });
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    await page.getByRole('button', { name: 'Add a subject' }).click();
    await page.getByRole('button', { name: 'Add a vehicle' }).click();
    await page.getByRole('button', { name: 'Add a location' }).click();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await fillMinimal(page, 'Narrow window call.');
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('.reference').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
