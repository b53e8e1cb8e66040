/**
 * The admin's integration screens in a real browser: a webhook endpoint
 * added (its secret shown once), a delivery that failed every attempt listed
 * as a dead letter and replayed once the receiver is fixed, the endpoint
 * removed; the routing rules in force shown, a reload of an invalid file
 * refused with each problem listed, and a valid one taking effect.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { waitFor } from '../support/spawn.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const SHIPPED = join(PROJECT_ROOT, 'schema', 'routing-rules.json');
const rulesFile = join(mkdtempSync(join(tmpdir(), 'routing-rules-e2e-')), 'rules.json');
copyFileSync(SHIPPED, rulesFile);

/** A receiver on 127.0.0.1 answering 500 until fixed, then 204; counts what it got. */
async function receiver() {
  const state = { fixed: false, got: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.got++;
      res.writeHead(state.fixed ? 204 : 500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('admin integration screens', { timeout: 120_000 }, () => {
  const e2e = useE2E({ WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32', WEBHOOK_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_TIMEOUT_MS: '500', ROUTING_RULES_FILE: rulesFile });

  it('adds a webhook endpoint, replays its dead letter from the console, and removes it', async () => {
    const app = e2e().app;
    const admin = await createStaff(app, 'ADMIN');
    const handler = await createStaff(app, 'CALL_HANDLER');
    const rx = await receiver();
    const { page, foreign } = await e2e().newPage();
    await signIn(page, admin.username);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No delivery has failed.').waitFor();

    // Errors next to the fields, then the endpoint added and its secret shown once.
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Enter the endpoint address, starting with https://').waitFor();
    await page.getByText('Choose at least one event').waitFor();
    await page.getByLabel('Endpoint address').fill(rx.url);
    await page.getByLabel('A report routed at P1').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: `Signing secret for ${rx.url}` }).waitFor();
    const secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have stored the secret' }).click();
    await page.getByText(`Endpoint ${rx.url} added. Its secret is no longer shown anywhere.`).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: rx.url }).filter({ hasText: 'A report routed at P1' }).waitFor();

    // A P1 call: the receiver fails every attempt, so the delivery becomes a dead letter.
    const recorded = await app.gql(RECORD_CALL, { input: hotlineCall(1, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] }) }, handler.token);
    expect(recorded.errors).toBeUndefined();
    await waitFor(async () => (await app.gql(`{ webhookDeadLetters { id } }`, {}, admin.token)).data.webhookDeadLetters.length === 1, 20_000, 'dead letter');
    await page.reload();
    const dead = page.getByRole('region', { name: 'Dead letters' }).getByRole('row').filter({ hasText: 'HTTP 500' });
    await dead.filter({ hasText: rx.url }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'admin-webhooks');
    await expectFitsNarrowWindow(page);

    // Fixed receiver: Replay delivers it, and it leaves the dead letters.
    rx.state.fixed = true;
    const before = rx.state.got;
    await dead.getByRole('button', { name: /^Replay delivery / }).click();
    await page.getByText('Delivery queued again (same delivery id, fresh signature).').waitFor();
    await waitFor(async () => rx.state.got > before, 15_000, 'replayed delivery');
    await page.getByText('No delivery has failed.').waitFor();

    // Removed after a confirmation.
    await page.getByRole('button', { name: `Remove ${rx.url}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove endpoint' }).click();
    await page.getByText(`Endpoint ${rx.url} removed: nothing more is sent to it.`).waitFor();
    await page.getByText('No endpoint receives deliveries.').waitFor();
    expect((await app.gql(`{ webhookEndpoints { id } }`, {}, admin.token)).data.webhookEndpoints).toEqual([]);
    expect(foreign).toEqual([]);
    await rx.close();
  });

  it('shows the routing rules in force, refuses an invalid file with its problems listed, and reloads a valid one', async () => {
    const app = e2e().app;
    const admin = await createStaff(app, 'ADMIN');
    const shipped = JSON.parse(readFileSync(SHIPPED, 'utf8'));
    const { page, foreign } = await e2e().newPage();
    await signIn(page, admin.username);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Routing rules' }).click();
    await page.getByRole('heading', { name: 'Routing rules', level: 1 }).waitFor();
    await page.getByRole('heading', { name: `In force: version ${shipped.version}` }).waitFor();
    expect(await page.getByRole('row').count()).toBe(shipped.rules.length + 1);

    // An invalid file: refused, each problem listed, the rules in force stay.
    writeFileSync(rulesFile, JSON.stringify({ ...shipped, version: 'e2e.bad', rules: [{ id: 'broken', when: { boroughsAny: ['ATLANTIS'] }, desk: 'SO99', priority: 'P1' }, ...shipped.rules] }));
    await page.getByRole('button', { name: 'Reload the rules' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The rules file was refused; the rules in force stay' });
    await refused.waitFor();
    expect(await refused.getByRole('listitem').count()).toBeGreaterThanOrEqual(2);
    expect(await refused.textContent()).toContain('broken');
    await page.getByRole('heading', { name: `In force: version ${shipped.version}` }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'admin-routing-rules');
    await expectFitsNarrowWindow(page);

    // A valid one takes effect.
    writeFileSync(rulesFile, JSON.stringify({ ...shipped, version: 'e2e.2' }));
    await page.getByRole('button', { name: 'Reload the rules' }).click();
    await page.getByText(/^Rules reloaded: version e2e\.2 is in force/).waitFor();
    await page.getByRole('heading', { name: 'In force: version e2e.2' }).waitFor();
    expect(app.deps.rules.current().version).toBe('e2e.2');
    copyFileSync(SHIPPED, rulesFile);
    expect(foreign).toEqual([]);
  });
});
