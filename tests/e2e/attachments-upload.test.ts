/**
 * Attaching files through the browser (docs/attachments.md), the "done when": a partner caseworker on the
 * partner portal attaches a phone photo carrying GPS EXIF to their referral by keyboard alone (a wrong type is
 * refused in the server's words first), and sees the file listed as received (type, size, day), never the file;
 * a call handler attaches the same kind of photo to their call from "My submissions"; an investigator opens the
 * report and sees both images inline and files evidence (its SHA-256 shown); the stored bytes, decrypted, carry no
 * EXIF or GPS. With a 1 MiB limit, a file just over it is refused in the server's words and one far over it (past
 * the request body limit) in the portal's own; the console says that limit and refuses such a file before sending it.
 */
import { createHash } from 'node:crypto';
import exifr from 'exifr';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { recordCall, waitForStatus } from '../support/desk.js';
import { createPartner, createPartnerAccount, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';
import { GPS, phonePhoto, vanPhoto } from '../support/upload.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const CONTENT = `query($id: ID!, $a: ID!) { attachmentContent(reportId: $id, attachmentId: $a) { contentBase64 } }`;
const LIST = `query($id: ID!) { report(id: $id) { attachments { id kind type size sha256 } } }`;

/** Presses Tab until the element with this id has the focus (keyboard only). */
async function tabTo(page: Page, id: string, max = 150) {
  for (let i = 0; i < max; i++) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached #${id}`);
}

/**
 * Tabs to the file input `id`, opens the chooser with Space (as a keyboard user does) and gives it the file. A
 * re-render between the Tab and the Space can take the focus away (once in CI, no chooser opened): as a keyboard
 * user would, it tabs back and presses Space again, three times at most.
 */
async function chooseFile(page: Page, id: string, file: { name: string; mimeType: string; buffer: Buffer }) {
  for (let attempt = 1; ; attempt++) {
    await tabTo(page, id);
    const chooser = page.waitForEvent('filechooser', { timeout: 10_000 }).catch((err: unknown) => {
      if (attempt >= 3) throw err;
      return null;
    });
    await page.keyboard.press('Space');
    const opened = await chooser;
    if (opened) return opened.setFiles(file);
  }
}

/** Tabs to the button with this text and presses Enter. */
async function tabToButton(page: Page, text: string, max = 150) {
  for (let i = 0; i < max; i++) {
    const focused = await page.evaluate(() => (document.activeElement?.tagName === 'BUTTON' ? document.activeElement.textContent : null));
    if (focused === text) return page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the "${text}" button`);
}

describe('attaching files in the browser', { timeout: 240_000 }, () => {
  const e2e = useE2E({}, { partner: true });

  /** The stored file, decrypted by an investigator's audited read: a JPEG with no EXIF and no GPS. */
  async function expectStripped(token: string, reportId: string, attachmentId: string) {
    const res = await e2e().app.gql(CONTENT, { id: reportId, a: attachmentId }, token);
    expect(res.errors).toBeUndefined();
    const bytes = Buffer.from(res.data.attachmentContent.contentBase64, 'base64');
    expect(bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(await exifr.parse(bytes, { tiff: true, xmp: true, iptc: true, icc: true, gps: true }).catch(() => undefined)).toBeUndefined();
    expect(await exifr.gps(bytes).catch(() => undefined)).toBeUndefined();
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 640, height: 400 });
    expect(meta.exif ?? meta.xmp ?? meta.iptc).toBeUndefined();
    expect(bytes.includes(Buffer.from('PhoneCo'))).toBe(false);
  }

  it('a caseworker attaches a GPS phone photo on the portal; a call handler on their call; the investigator sees both, stripped', async () => {
    const app = e2e().app;
    const photo = await vanPhoto();
    expect((await exifr.gps(photo))?.latitude).toBeCloseTo(GPS.latitude, 3); // the test photo really carries a position

    // A caseworker of a partner organisation passes on a referral, then opens it on the portal.
    const org = await createPartner(app);
    const caseworker = await createPartnerAccount(app, org);
    const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(2, { subjects: [], locations: [], vehicles: [{ registration: 'UP24 VAN' }] }) }, caseworker.token);
    expect(sent.errors).toBeUndefined();
    const receipt = sent.data.submitPartnerReferral.receipt as string;
    const referralId = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const referral = await waitForStatus(app, referralId, 'TRIAGED', 30_000);

    const portal = await e2e().newPage({ origin: e2e().partnerOrigin!, headers: { authorization: `Bearer ${caseworker.token}` } });
    const page = portal.page;
    await page.goto('/referrals');
    await page.getByLabel('Receipt').fill(receipt);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: `Referral ${receipt}` }).waitFor();
    await page.getByRole('heading', { name: 'Add a file' }).waitFor();
    await page.getByText('JPEG, PNG, WebP or PDF, up to 20 MB each.').waitFor();
    await page.getByText(/we remove its location, the camera or phone details/).waitFor();
    await page.getByText(/you cannot view the file again here/).waitFor();

    // Nothing chosen, then a text file named like a photo: refused, in the server's words, nothing stored.
    await tabToButton(page, 'Add this file');
    await page.getByText('Select a file to add').waitFor();
    await chooseFile(page, 'file', { name: 'van.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo at all, just words') });
    await tabToButton(page, 'Add this file');
    const refused = page.locator('#file-error');
    await refused.getByText(/^The file was not added: .*JPEG/).waitFor();
    expect(await page.locator('#file').evaluate((el) => document.activeElement === el)).toBe(true);
    expect(await page.locator('#file').getAttribute('aria-describedby')).toContain('file-error');
    await expectAccessible(page);
    await screenshot(page, 'partner-add-file-refused');
    expect((await app.deps.reports.findById(referralId))?.attachments ?? []).toEqual([]);

    // The phone photo: received, listed by type, size and day; the file itself is not offered back.
    await chooseFile(page, 'file', { name: 'IMG_2041.jpg', mimeType: 'image/jpeg', buffer: photo });
    await tabToButton(page, 'Add this file');
    await page.getByText('File received.').waitFor();
    await page.getByRole('heading', { name: 'Files you added' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'JPEG photo' });
    await row.waitFor();
    const today = new Date();
    const day = `${String(today.getDate()).padStart(2, '0')}/${String(today.getMonth() + 1).padStart(2, '0')}/${today.getFullYear()}`;
    expect(await row.textContent()).toMatch(new RegExp(`JPEG photo\\d+ KB${day}`));
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('a[href^="blob:"]').count()).toBe(0);
    await page.locator('#files-title').scrollIntoViewIfNeeded();
    await expectAccessible(page);
    await screenshot(page, 'partner-add-file');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'partner-add-file-390');
    await expectFitsNarrowWindow(page);
    expect(portal.foreign).toEqual([]);

    // The investigator of the desk: the partner's photo, stored without EXIF or GPS.
    const investigator = await createStaff(app, 'INVESTIGATOR', referral.desk);
    const listed = await app.gql(LIST, { id: referralId }, investigator.token);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.report.attachments).toEqual([expect.objectContaining({ kind: 'PARTNER', type: 'image/jpeg', sha256: null })]);
    await expectStripped(investigator.token, referralId, listed.data.report.attachments[0].id);

    // A call handler: the caller e-mailed the same kind of photo after ringing; attached from "My submissions".
    const handler = await createStaff(app, 'CALL_HANDLER');
    const callId = await recordCall(app, handler.token, 4, { subjects: [], locations: [], vehicles: [{ registration: 'UP24 CAL' }] });
    const call = await waitForStatus(app, callId, 'TRIAGED', 30_000);
    const console_ = await e2e().newPage();
    const hp = console_.page;
    await signIn(hp, handler.username);
    await hp.goto('/submissions');
    await hp.getByRole('heading', { name: 'My submissions' }).waitFor();
    const callRow = hp.getByRole('row').filter({ hasText: call.reference });
    await callRow.getByText('None').waitFor();
    await hp.getByRole('button', { name: `Attach a file to ${call.reference}` }).focus();
    await hp.keyboard.press('Enter');
    await hp.getByRole('heading', { name: `Attach a file to ${call.reference}` }).waitFor();
    expect(await hp.evaluate(() => document.activeElement?.id)).toBe('attach-title');
    await hp.getByText(/its location, camera or phone details and times are removed/).waitFor();
    await hp.getByText(/You cannot view it again/).waitFor();
    await hp.getByText('JPEG, PNG, WebP or PDF. Up to 20 MB.').waitFor(); // ATTACHMENT_MAX_BYTES's default, told by the server
    const fileId = await hp.getByLabel('Photo, screenshot or PDF the caller sent').getAttribute('id');
    await chooseFile(hp, fileId!, { name: 'from-caller.jpg', mimeType: 'image/jpeg', buffer: photo });
    await expectAccessible(hp);
    await screenshot(hp, 'handler-attach-file');
    await tabToButton(hp, 'Attach file');
    await hp.getByText(new RegExp(`^File received on ${call.reference}: JPEG image, \\d+ KB\\.$`)).waitFor();
    await callRow.getByText(/^1: JPEG image, \d+ KB$/).waitFor();
    expect(await hp.locator('img').count()).toBe(0);
    await expectAccessible(hp);
    await screenshot(hp, 'handler-attach-file-received');
    await expectFitsNarrowWindow(hp);
    expect(console_.foreign).toEqual([]);

    // The investigator holding the call's report sees the photo inline, and files evidence of their own.
    const holder = await createStaff(app, 'INVESTIGATOR', call.desk);
    expect((await app.gql(`mutation($id: ID!) { claimReport(id: $id) { id } }`, { id: callId }, holder.token)).errors).toBeUndefined();
    const view = await e2e().newPage();
    const ip = view.page;
    await signIn(ip, holder.username);
    await ip.goto(`/reports/${callId}`);
    await ip.getByRole('heading', { name: 'Attached files' }).waitFor();
    await ip.getByText(/File 1: JPEG image/).waitFor();
    await ip.getByRole('button', { name: 'Show image 1' }).click();
    await ip.waitForFunction(() => {
      const el = document.querySelector<HTMLImageElement>('img.attachment-image');
      return !!el && el.complete && el.naturalWidth > 0;
    });
    expect(await ip.getByRole('img', { name: /File 1: JPEG image/ }).evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight])).toEqual([640, 400]);
    const evidence = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#884422' } }).png().toBuffer();
    const evidenceField = await ip.getByLabel('Evidence file').getAttribute('id');
    await chooseFile(ip, evidenceField!, { name: 'borough-photo.png', mimeType: 'image/png', buffer: evidence });
    await tabToButton(ip, 'Add evidence');
    await ip.getByText('Evidence added: its SHA-256 is shown with the file.').waitFor();
    const sha = createHash('sha256').update(evidence).digest('hex');
    await ip.getByText(sha).waitFor();
    await ip.locator('#attachments-title').scrollIntoViewIfNeeded();
    await expectAccessible(ip);
    await screenshot(ip, 'investigator-attachments-upload');
    await expectFitsNarrowWindow(ip);
    expect(view.foreign).toEqual([]);

    const calls = await app.gql(LIST, { id: callId }, holder.token);
    expect(calls.errors).toBeUndefined();
    const [handed, filed] = calls.data.report.attachments;
    expect(handed).toMatchObject({ kind: 'HANDLER', type: 'image/jpeg', sha256: null });
    expect(filed).toMatchObject({ kind: 'EVIDENCE', type: 'image/png', sha256: sha });
    await expectStripped(holder.token, callId, handed.id);
  });
});

describe('a file over the size limit, on the partner portal and in the console', { timeout: 240_000 }, () => {
  // A 1 MiB limit, so a phone photo of noise is over it without sending megabytes.
  const e2e = useE2E({ ATTACHMENT_MAX_BYTES: String(1024 * 1024) }, { partner: true });

  it('is refused in clear words, just over the limit (the server names it) and far over it (the body limit), nothing stored', async () => {
    const app = e2e().app;
    const org = await createPartner(app);
    const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(3, { subjects: [], locations: [], vehicles: [{ registration: 'UP24 BIG' }] }) }, org.apiKey);
    expect(sent.errors).toBeUndefined();
    const receipt = sent.data.submitPartnerReferral.receipt as string;
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    await waitForStatus(app, id, 'TRIAGED', 30_000);

    // A caseworker's portal says the configured limit before a file is chosen (the server tells it: partnerSession).
    const caseworker = await createPartnerAccount(app, org);
    const signedIn = await e2e().newPage({ origin: e2e().partnerOrigin!, headers: { authorization: `Bearer ${caseworker.token}` } });
    await signedIn.page.goto('/referrals');
    await signedIn.page.getByLabel('Receipt').fill(receipt);
    await signedIn.page.getByRole('button', { name: 'Find' }).click();
    await signedIn.page.getByText('JPEG, PNG, WebP or PDF, up to 1 MB each.').waitFor();
    await signedIn.context.close();

    // An API key's client has no session to say the limit: the hint names the types only.
    const { page, foreign } = await e2e().newPage({ origin: e2e().partnerOrigin!, headers: { authorization: `Bearer ${org.apiKey}` } });
    await page.goto('/referrals');
    await page.getByLabel('Receipt').fill(receipt);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'Add a file' }).waitFor();
    await page.getByText('JPEG, PNG, WebP or PDF.', { exact: true }).waitFor();

    const justOver = Buffer.concat([await phonePhoto(64, 64), Buffer.alloc(1024 * 1024 + 1024)]);
    await chooseFile(page, 'file', { name: 'big.jpg', mimeType: 'image/jpeg', buffer: justOver });
    await tabToButton(page, 'Add this file');
    await page.locator('#file-error').getByText(/^The file was not added: The file is larger than the 1 MiB limit/).waitFor();

    const farOver = Buffer.alloc(3 * 1024 * 1024, 7);
    await chooseFile(page, 'file', { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: farOver });
    await tabToButton(page, 'Add this file');
    await page.locator('#file-error').getByText('The file is too large. Send a smaller file, for example the photo at a lower resolution.').waitFor();
    await expectAccessible(page);
    expect((await app.deps.reports.findById(id))?.attachments ?? []).toEqual([]);
    expect(foreign).toEqual([]);

    // In the console the hint says the configured limit, and a larger file is refused before it is sent.
    const handler = await createStaff(app, 'CALL_HANDLER');
    const callId = await recordCall(app, handler.token, 5, { subjects: [], locations: [], vehicles: [{ registration: 'UP24 HUG' }] });
    const call = await waitForStatus(app, callId, 'TRIAGED', 30_000);
    const console_ = await e2e().newPage();
    const hp = console_.page;
    await signIn(hp, handler.username);
    await hp.goto('/submissions');
    await hp.getByRole('button', { name: `Attach a file to ${call.reference}` }).click();
    await hp.getByText('JPEG, PNG, WebP or PDF. Up to 1 MB.').waitFor();
    const fileId = await hp.getByLabel('Photo, screenshot or PDF the caller sent').getAttribute('id');
    await chooseFile(hp, fileId!, { name: 'big.jpg', mimeType: 'image/jpeg', buffer: justOver });
    await tabToButton(hp, 'Attach file');
    await hp.getByText(/^The file is 1\.\d MB, larger than the 1 MB limit: choose a smaller file\.$/).waitFor();
    expect(await hp.evaluate(() => document.activeElement?.id)).toBe(fileId);
    expect((await app.deps.reports.findById(callId))?.attachments ?? []).toEqual([]);
    expect(console_.foreign).toEqual([]);
  }, 150_000); // it waits up to 30 s for triage before the page's steps: the default 30 s left nothing for them on a loaded machine
});
