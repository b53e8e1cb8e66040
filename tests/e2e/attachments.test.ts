/**
 * Attached files in a real browser (docs/attachments.md): a partner (API
 * key) attaches a phone photo with GPS EXIF to its referral and a call
 * handler a PDF to a call; an investigator of the desk opens the report,
 * shows the photo inline from memory (a `blob:` URL the console's CSP
 * allows), opens the PDF from a `blob:` link (headless Chromium has no PDF
 * viewer: the bytes the page received are checked instead), and downloads the photo after the
 * warning; the bytes shown carry no EXIF.
 */
import { readFile } from 'node:fs/promises';
import exifr from 'exifr';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { auditEntries, recordCall, waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';
import { upload, vanPhoto } from '../support/upload.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

describe('attached files on the report page', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  it('shows a partner photo inline from memory, stripped of its EXIF, and downloads it after a warning', async () => {
    const app = e2e().app;
    const partner = await createPartner(app);
    const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { subjects: [], locations: [], vehicles: [{ registration: 'EV24 PHO' }] }) }, partner.apiKey);
    expect(sent.errors).toBeUndefined();
    const receipt = sent.data.submitPartnerReferral.receipt as string;
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const routed = await waitForStatus(app, id, 'TRIAGED', 30_000);
    const photo = await vanPhoto();
    expect((await exifr.gps(photo))?.latitude).toBeCloseTo(51.5033, 3);
    const attached = await upload(app, `mutation($r: String!, $file: File!) { attachToReferral(receipt: $r, file: $file) { type size } }`, { r: receipt }, { bytes: photo, name: 'IMG_2041.jpg' }, partner.apiKey);
    expect(attached.errors).toBeUndefined();

    const investigator = await createStaff(app, 'INVESTIGATOR', routed.desk);
    const { page, foreign } = await e2e().newPage();
    await signIn(page, investigator.username);
    const response = await page.goto(`/reports/${id}`);
    expect(response!.headers()['content-security-policy']).toMatch(/img-src 'self' data: blob:/);
    await page.getByRole('heading', { name: 'Attached files' }).waitFor();
    await page.getByText('File 1: JPEG image').waitFor();
    expect(await auditEntries(app, 'report.attachment_read', id)).toHaveLength(0); // listing is not opening

    // The answer the page turned into the blob: (connect-src keeps the page itself from fetching blob: URLs).
    const content = page.waitForResponse(async (r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('AttachmentContent'));
    await page.getByRole('button', { name: 'Show image 1' }).click();
    const shown = Buffer.from((await (await content).json()).data.attachmentContent.contentBase64, 'base64');
    const img = page.getByRole('img', { name: /File 1: JPEG image/ });
    await img.waitFor();
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLImageElement>('img.attachment-image');
      return !!el && el.complete && el.naturalWidth > 0;
    });
    const src = await img.getAttribute('src');
    expect(src).toMatch(/^blob:/);
    expect(await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight])).toEqual([640, 400]);
    // The bytes behind the blob: URL: a JPEG without EXIF or GPS.
    expect(shown.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(await exifr.parse(shown).catch(() => undefined)).toBeUndefined();
    expect(await auditEntries(app, 'report.attachment_read', id)).toHaveLength(1);

    await page.locator('#attachments-title').scrollIntoViewIfNeeded();
    await expectAccessible(page);
    await screenshot(page, 'report-attachments');
    await expectFitsNarrowWindow(page);

    // Downloading: a warning first, then the file, recorded as a download.
    await page.getByRole('button', { name: 'Download file 1…' }).click();
    await page.getByRole('dialog').getByText('The file will leave the service').waitFor();
    await expectAccessible(page);
    const download = page.waitForEvent('download');
    await page.getByRole('dialog').getByRole('button', { name: 'Download file 1' }).click();
    const saved = await readFile(await (await download).path());
    expect(Buffer.compare(saved, shown)).toBe(0);
    await page.getByText('File 1 was downloaded').waitFor();
    expect(await auditEntries(app, 'report.attachment_download', id)).toHaveLength(1);
    expect(foreign).toEqual([]);
  });

  it('opens a call handler PDF from a blob: link, its metadata gone', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const id = await recordCall(app, handler.token, 3, { subjects: [], locations: [], vehicles: [{ registration: 'EV24 PDF' }] });
    const routed = await waitForStatus(app, id, 'TRIAGED', 30_000);
    const pdf = await PDFDocument.create();
    pdf.setAuthor('Jane Informant');
    pdf.addPage().drawText('Leaflet handed out at the market');
    const attached = await upload(app, `mutation($ref: String!, $file: File!) { attachToCall(reference: $ref, file: $file) { type } }`, { ref: routed.reference }, { bytes: await pdf.save() }, handler.token);
    expect(attached.errors).toBeUndefined();

    const investigator = await createStaff(app, 'INVESTIGATOR', routed.desk);
    const { page } = await e2e().newPage();
    await signIn(page, investigator.username);
    await page.goto(`/reports/${id}`);
    const content = page.waitForResponse(async (r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('AttachmentContent'));
    await page.getByRole('button', { name: 'Open PDF 1' }).click();
    const link = page.getByRole('link', { name: 'Open the PDF in the browser’s viewer' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^blob:/);
    const bytes = Buffer.from((await (await content).json()).data.attachmentContent.contentBase64, 'base64');
    const opened = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(opened.getAuthor()).toBeUndefined();
    expect(opened.getPageCount()).toBe(1);
  });
});
