/**
 * Attached files (docs/attachments.md) on the real app, FerretDB and Redis,
 * with the triage worker: a partner (API key) and a call handler attach a
 * phone photo carrying GPS EXIF by GraphQL multipart requests; the stored
 * file, decrypted, carries no metadata (read with an EXIF reader); a raw dump
 * of every collection holds no plaintext window of the photo; investigators
 * open it through an audited read; evidence keeps its bytes and SHA-256;
 * erasure shreds the chunks; master-key rotation leaves the files readable
 * under the new key alone; bad files are refused with clear errors and
 * nothing half-stored.
 */
import { createHash, randomUUID } from 'node:crypto';
import exifr from 'exifr';
import * as fc from 'fast-check';
import { BSON } from 'mongodb';
import { PDFDocument, PDFName } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrypto } from '../../src/crypto/index.js';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, key, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, findReport, Q, recordCall, waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';
import { runScript } from '../support/spawn.js';
import { noisePng, phonePhoto, upload } from '../support/upload.js';

const ATTACH_REFERRAL = `mutation($r: String!, $file: File!) { attachToReferral(receipt: $r, file: $file) { type size receivedAt } }`;
const ATTACH_CALL = `mutation($ref: String!, $file: File!) { attachToCall(reference: $ref, file: $file) { type size receivedAt } }`;
const ATTACH_EVIDENCE = `mutation($id: ID!, $file: File!) { attachEvidence(reportId: $id, file: $file) { id kind type size sha256 } }`;
const LIST = `query($id: ID!) { report(id: $id) { attachments { id kind type size createdAt sha256 } history { action } } }`;
const CONTENT = `query($id: ID!, $a: ID!) { attachmentContent(reportId: $id, attachmentId: $a) { attachment { id type size } contentBase64 } }`;
const DOWNLOAD = `mutation($id: ID!, $a: ID!) { downloadAttachment(reportId: $id, attachmentId: $a) { attachment { id } contentBase64 } }`;

const MAX_BYTES = 2 * 1024 * 1024;
const masterA = key();
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

let app: TestApp;
let partner: { apiKey: string };
let handler: { token: string };
let supervisor: { token: string };

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { HOTLINE_MASTER_KEY: masterA, ATTACHMENT_MAX_BYTES: String(MAX_BYTES), ATTACHMENT_MAX_PER_REPORT: '4' } });
  partner = await createPartner(app);
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
});
afterAll(() => app?.close());

const db = () => app.deps.database.db;

async function referral() {
  const tag = randomUUID().slice(0, 3).toUpperCase();
  const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { subjects: [], locations: [], vehicles: [{ registration: `AT${Math.floor(Math.random() * 90 + 10)} ${tag}` }] }) }, partner.apiKey);
  expect(sent.errors).toBeUndefined();
  const receipt: string = sent.data.submitPartnerReferral.receipt;
  const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
  const routed = await waitForStatus(app, id, 'TRIAGED');
  return { id, receipt, desk: routed.desk! };
}

async function call() {
  const id = await recordCall(app, handler.token, 1, { subjects: [], locations: [], vehicles: [{ registration: `HC${Math.floor(Math.random() * 90 + 10)} ${randomUUID().slice(0, 3).toUpperCase()}` }] });
  const routed = await waitForStatus(app, id, 'TRIAGED');
  return { id, reference: routed.reference, desk: routed.desk! };
}

/** Every document of every collection, as stored bytes. */
async function rawDump(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const { name } of await db().listCollections().toArray()) {
    for await (const doc of db().collection(name).find({})) parts.push(Buffer.from(BSON.serialize(doc)));
  }
  return Buffer.concat(parts);
}

/** 32-byte windows spread over a file (its start is format boilerplate every JPEG shares, so from 10% on). */
const windows = (bytes: Uint8Array, n = 8) => Array.from({ length: n }, (_, i) => Buffer.from(bytes).subarray(Math.floor(bytes.length * (0.1 + (0.85 * i) / n)), Math.floor(bytes.length * (0.1 + (0.85 * i) / n)) + 32));

const counts = async () => ({ chunks: await db().collection('attachment_chunks').countDocuments(), uploads: await db().collection('attachment_uploads').countDocuments() });

async function openAs(token: string, reportId: string, attachmentId: string): Promise<Buffer> {
  const res = await app.gql(CONTENT, { id: reportId, a: attachmentId }, token);
  expect(res.errors).toBeUndefined();
  return Buffer.from(res.data.attachmentContent.contentBase64, 'base64');
}

describe('a phone photo with GPS EXIF', () => {
  it('from a partner (API key) and a call handler: stored encrypted without metadata, shown to an investigator by an audited read', async () => {
    const photo = await phonePhoto();
    const gps = await exifr.gps(photo);
    expect(gps?.latitude).toBeCloseTo(51.5033, 3); // the test photo really carries a position
    expect((await exifr.parse(photo))?.Model).toBe('PhoneCo X1');

    const ref = await referral();
    const sent = await upload(app, ATTACH_REFERRAL, { r: ref.receipt }, { bytes: photo, name: 'IMG_0042.HEIC.jpg', type: 'image/heic' }, partner.apiKey);
    expect(sent.errors).toBeUndefined();
    expect(sent.data.attachToReferral.type).toBe('image/jpeg'); // from the bytes, not the name or the MIME type given
    expect(new Date(sent.data.attachToReferral.receivedAt).getTime() % 60_000).toBe(0); // a partner's time: to the minute

    // The partner sees that its file arrived (type, size, minute), never the file.
    const status = await app.gql(`query($r: String!) { partnerReferralStatus(receipt: $r) { filesReceived { type size receivedAt } } }`, { r: ref.receipt }, partner.apiKey);
    expect(status.errors).toBeUndefined();
    expect(status.data.partnerReferralStatus.filesReceived).toEqual([sent.data.attachToReferral]);

    const hc = await call();
    const handed = await upload(app, ATTACH_CALL, { ref: hc.reference.toLowerCase() }, { bytes: photo }, handler.token);
    expect(handed.errors).toBeUndefined();

    for (const [r, kind] of [[ref, 'PARTNER'], [hc, 'HANDLER']] as const) {
      const investigator = await createStaff(app, 'INVESTIGATOR', r.desk);
      const listed = await app.gql(LIST, { id: r.id }, investigator.token);
      expect(listed.errors).toBeUndefined();
      const [att] = listed.data.report.attachments;
      expect(att).toMatchObject({ kind, type: 'image/jpeg', sha256: null });
      expect(listed.data.report.history.map((h: { action: string }) => h.action)).toContain('attachment_added');
      const bytes = await openAs(investigator.token, r.id, att.id);
      expect(bytes.length).toBe(att.size);
      // No metadata left: no EXIF, GPS, XMP, IPTC or ICC profile; the pixels are there.
      expect(await exifr.parse(bytes, { tiff: true, xmp: true, iptc: true, icc: true, gps: true }).catch(() => undefined)).toBeUndefined();
      expect(await exifr.gps(bytes).catch(() => undefined)).toBeUndefined();
      const meta = await sharp(bytes).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
      expect(meta.exif ?? meta.xmp ?? meta.iptc ?? meta.icc).toBeUndefined();
      expect(bytes.includes(Buffer.from('PhoneCo'))).toBe(false);
      expect(bytes.includes(Buffer.from('SN-48213-XZ'))).toBe(false);

      // The raw store: no 32-byte window of the original nor of the stored image, anywhere.
      const dump = await rawDump();
      for (const w of [...windows(photo), ...windows(bytes)]) expect(dump.includes(w)).toBe(false);
      expect(dump.includes(Buffer.from('SN-48213-XZ'))).toBe(false);

      // The read is audited before the bytes leave; a download is its own action.
      const reads = await auditEntries(app, 'report.attachment_read', r.id);
      expect(reads.at(0)?.details).toMatchObject({ attachmentId: att.id, kind, type: 'image/jpeg', size: att.size });
      const dl = await app.gql(DOWNLOAD, { id: r.id, a: att.id }, investigator.token);
      expect(dl.errors).toBeUndefined();
      expect(await auditEntries(app, 'report.attachment_download', r.id)).toHaveLength(1);
      const attached = await auditEntries(app, 'report.attach', r.id);
      expect(attached).toHaveLength(1);
      expect(attached[0]!.details).toMatchObject({ attachmentId: att.id, kind, type: 'image/jpeg' });

      // Investigators of another desk, handlers and partners cannot open it.
      const other = await createStaff(app, 'INVESTIGATOR', r.desk === 'SO12' ? 'SO13' : 'SO12');
      expect(codeOf(await app.gql(CONTENT, { id: r.id, a: att.id }, other.token))).toBe('FORBIDDEN');
      expect(codeOf(await app.gql(CONTENT, { id: r.id, a: att.id }, handler.token))).toBe('FORBIDDEN');
      expect(codeOf(await app.gql(CONTENT, { id: r.id, a: att.id }, partner.apiKey))).toBe('FORBIDDEN');
    }

    // The same photo again on the same report is stored once.
    const before = await counts();
    const again = await upload(app, ATTACH_REFERRAL, { r: ref.receipt }, { bytes: photo }, partner.apiKey);
    expect(again.errors).toBeUndefined();
    expect((await findReport(app, ref.id)).attachments).toHaveLength(1);
    expect(await counts()).toEqual(before);
  }, 60_000);

  it('evidence keeps its original bytes and SHA-256, for holders; others cannot file it', async () => {
    const hc = await call();
    const holder = await createStaff(app, 'INVESTIGATOR', hc.desk);
    const photo = await phonePhoto();
    expect(codeOf(await upload(app, ATTACH_EVIDENCE, { id: hc.id }, { bytes: photo }, holder.token))).toBe('FORBIDDEN'); // not held yet
    expect((await app.gql(Q.claim, { id: hc.id }, holder.token)).errors).toBeUndefined();
    const filed = await upload(app, ATTACH_EVIDENCE, { id: hc.id }, { bytes: photo }, holder.token);
    expect(filed.errors).toBeUndefined();
    expect(filed.data.attachEvidence).toMatchObject({ kind: 'EVIDENCE', type: 'image/jpeg', size: photo.length, sha256: createHash('sha256').update(photo).digest('hex') });
    const bytes = await openAs(holder.token, hc.id, filed.data.attachEvidence.id);
    expect(Buffer.compare(bytes, photo)).toBe(0);
    expect((await exifr.gps(bytes))?.latitude).toBeCloseTo(51.5033, 3);
    expect(codeOf(await upload(app, ATTACH_EVIDENCE, { id: hc.id }, { bytes: photo }, handler.token))).toBe('FORBIDDEN');
    expect(codeOf(await upload(app, ATTACH_EVIDENCE, { id: hc.id }, { bytes: photo }, partner.apiKey))).toBe('FORBIDDEN');
  }, 30_000);

  it('a PDF loses its information dictionary and XMP; one with JavaScript is refused', async () => {
    const hc = await call();
    const pdf = await PDFDocument.create();
    pdf.setTitle('Borough briefing');
    pdf.setAuthor('Jane Informant');
    pdf.setCreator('WordProcessor 9 on JANE-LAPTOP');
    pdf.addPage().drawText('Hello');
    // An XMP packet as word processors write one, uncompressed, naming the author.
    const xmp = pdf.context.stream('<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Jane Informant (XMP)</dc:creator></x:xmpmeta>', { Type: 'Metadata', Subtype: 'XML' });
    pdf.catalog.set(PDFName.of('Metadata'), pdf.context.register(xmp));
    const bytes = await pdf.save({ useObjectStreams: false });
    expect(Buffer.from(bytes).includes(Buffer.from('Jane Informant (XMP)'))).toBe(true);
    expect((await PDFDocument.load(bytes)).getAuthor()).toBe('Jane Informant');
    const sent = await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes }, handler.token);
    expect(sent.errors).toBeUndefined();
    expect(sent.data.attachToCall.type).toBe('application/pdf');
    const investigator = await createStaff(app, 'INVESTIGATOR', hc.desk);
    const [att] = (await app.gql(LIST, { id: hc.id }, investigator.token)).data.report.attachments;
    const storedBytes = await openAs(investigator.token, hc.id, att.id);
    expect(storedBytes.includes(Buffer.from('Jane Informant'))).toBe(false);
    expect(storedBytes.includes(Buffer.from('/Metadata'))).toBe(false);
    const stored = await PDFDocument.load(storedBytes, { updateMetadata: false });
    expect([stored.getAuthor(), stored.getTitle(), stored.getCreator(), stored.getProducer()]).toEqual([undefined, undefined, undefined, undefined]);
    expect(stored.getPageCount()).toBe(1);

    const js = await PDFDocument.create();
    js.addPage();
    js.addJavaScript('hello', 'app.alert("hi")');
    const refused = await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes: await js.save() }, handler.token);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.message).toMatch(/JavaScript/);
  }, 30_000);
});

describe('refused files', () => {
  it('oversized, truncated, wrong type, polyglot, pixel bomb: clear errors, nothing half-stored, the process stays up', async () => {
    const hc = await call();
    const photo = await phonePhoto();
    const bomb = await sharp({ create: { width: 10_000, height: 6_000, channels: 3, background: 'white' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(MAX_BYTES); // small on the wire, 60 megapixels decoded
    // A photo with a ZIP archive after it (a reader finds a ZIP from its end record).
    const zipLike = Buffer.concat([photo, Buffer.from('PK\x03\x04'), Buffer.alloc(30), Buffer.from('PK\x05\x06'), Buffer.alloc(18)]);
    const cases: [string, Uint8Array, RegExp][] = [
      ['oversized', Buffer.concat([photo, Buffer.alloc(MAX_BYTES)]), /larger than|too large/i],
      ['truncated', photo.subarray(0, Math.floor(photo.length * 0.6)), /could not be read completely/],
      ['text', Buffer.from('just some text, named photo.jpg'), /not taken: send JPEG, PNG or WebP images, or PDF documents/],
      ['gif', await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).gif().toBuffer(), /not taken \(image\/gif\)/],
      ['polyglot zip', zipLike, /ZIP archive/],
      ['polyglot pdf', Buffer.concat([photo, Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF')]), /contains a PDF/],
      ['pixel bomb', bomb, /too many pixels/],
      ['empty', Buffer.alloc(0), /empty|not taken|multipart/i],
    ];
    const before = await counts();
    for (const [name, bytes, message] of cases) {
      const res = await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes, type: 'image/jpeg', name: `${name}.jpg` }, handler.token);
      expect(res.errors, name).toBeDefined();
      expect(res.errors![0]!.message, name).toMatch(message);
      expect(res.errors![0]!.extensions?.code, name).toBe('BAD_USER_INPUT');
    }
    expect(await counts()).toEqual(before);
    expect((await findReport(app, hc.id)).attachments ?? []).toHaveLength(0);
    expect((await app.gql(`{ threatLevel { level } }`, {}, handler.token)).errors).toBeUndefined(); // still serving
  }, 60_000);

  it('stores a file larger than a chunk as several chunks, and opens it whole', async () => {
    const hc = await call();
    const big = await noisePng(820, 700); // about 1.7 MB of incompressible pixels: two 1 MiB chunks
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const sent = await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes: big }, handler.token);
    expect(sent.errors).toBeUndefined();
    const [record] = (await findReport(app, hc.id)).attachments!;
    expect(record!.chunks).toBe(Math.ceil(record!.size / (1024 * 1024)));
    expect(record!.chunks).toBeGreaterThan(1);
    const investigator = await createStaff(app, 'INVESTIGATOR', hc.desk);
    const bytes = await openAs(investigator.token, hc.id, record!.id);
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const original = await sharp(big).raw().toBuffer();
    expect([info.width, info.height]).toEqual([820, 700]);
    expect(Buffer.compare(data, original)).toBe(0); // PNG is lossless: the same pixels
  }, 60_000);

  it('takes at most ATTACHMENT_MAX_PER_REPORT files', async () => {
    const hc = await call();
    for (let i = 0; i < 4; i++) expect((await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes: await noisePng() }, handler.token)).errors).toBeUndefined();
    const fifth = await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes: await noisePng() }, handler.token);
    expect(codeOf(fifth)).toBe('CONFLICT');
    expect(fifth.errors![0]!.message).toMatch(/already holds 4 files/);
  }, 30_000);

  it('generated files (damaged images, random bytes): each is refused cleanly or stored without metadata; never half-stored', async () => {
    const hc = await call();
    const base = await phonePhoto(96, 64);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 4096 }),
          fc.record({ cut: fc.integer({ min: 1, max: base.length }), flips: fc.array(fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }) }).map(({ cut, flips }) => {
            const b = Buffer.from(base.subarray(0, cut));
            for (const [at, v] of flips) if (at < b.length) b[at] = v;
            return new Uint8Array(b);
          }),
        ),
        async (bytes) => {
          const before = (await findReport(app, hc.id)).attachments?.length ?? 0;
          const res = await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes }, handler.token);
          const after = (await findReport(app, hc.id)).attachments ?? [];
          if (res.errors) {
            expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(res.errors[0]!.extensions?.code);
            expect(after).toHaveLength(before);
          }
          // Every chunk stored belongs to a committed record, and no upload is left pending.
          const records = after.reduce((n, a) => n + a.chunks, 0);
          expect(await db().collection('attachment_chunks').countDocuments({ reportId: hc.id })).toBe(records);
          expect(await db().collection('attachment_uploads').countDocuments({ reportId: hc.id })).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
    // Whatever was stored opens and has no EXIF.
    const investigator = await createStaff(app, 'INVESTIGATOR', hc.desk);
    for (const a of (await findReport(app, hc.id)).attachments ?? []) expect(await exifr.parse(await openAs(investigator.token, hc.id, a.id)).catch(() => undefined)).toBeUndefined();
  }, 120_000);
});

describe('the sweep of abandoned uploads', () => {
  it('deletes the chunks of an upload whose record never reached its report, and only the entry of one that did', async () => {
    const hc = await call();
    expect((await upload(app, ATTACH_CALL, { ref: hc.reference }, { bytes: await noisePng() }, handler.token)).errors).toBeUndefined();
    const [kept] = (await findReport(app, hc.id)).attachments!;
    const store = app.deps.reports.attachmentChunks;
    // A process killed after writing the chunks (and, for `kept`, after its commit but before the entry was dropped).
    await store.begin(hc.id, 'abandoned-upload', 2);
    await store.write(hc.id, 'abandoned-upload', [new Uint8Array(64), new Uint8Array(64)]);
    await db().collection('attachment_uploads').insertOne({ _id: kept!.id as never, reportId: hc.id, chunks: kept!.chunks, startedAt: new Date(Date.now() - 3 * 3600_000) });
    await db().collection('attachment_uploads').updateOne({ _id: 'abandoned-upload' as never }, { $set: { startedAt: new Date(Date.now() - 3 * 3600_000) } });
    expect(await app.deps.services.attachments.sweepAbandoned(new Date(Date.now() - 3600_000))).toBe(1);
    expect(await db().collection('attachment_chunks').countDocuments({ attachmentId: 'abandoned-upload' })).toBe(0);
    expect(await db().collection('attachment_chunks').countDocuments({ attachmentId: kept!.id })).toBe(kept!.chunks);
    expect(await db().collection('attachment_uploads').countDocuments({ reportId: hc.id })).toBe(0);
  }, 30_000);
});

describe('erasure and rotation', () => {
  it('erasure shreds the files: the data key goes, the records are emptied and the chunks deleted', async () => {
    const ref = await referral();
    expect((await upload(app, ATTACH_REFERRAL, { r: ref.receipt }, { bytes: await phonePhoto() }, partner.apiKey)).errors).toBeUndefined();
    const [record] = (await findReport(app, ref.id)).attachments!;
    expect(await db().collection('attachment_chunks').countDocuments({ attachmentId: record!.id })).toBe(record!.chunks);
    const erased = await app.gql(Q.erase, { id: ref.id, reason: 'Retention: the referral is to be erased with its files' }, supervisor.token);
    expect(erased.errors).toBeUndefined();
    expect(await db().collection('attachment_chunks').countDocuments({ attachmentId: record!.id })).toBe(0);
    const tomb = (await db().collection<ReportDoc>('reports').findOne({ _id: ref.id }))!;
    expect(tomb.attachments).toEqual([]);
    expect(tomb.dataKey).toBeNull();
    expect(codeOf(await app.gql(CONTENT, { id: ref.id, a: record!.id }, supervisor.token))).toBe('NOT_FOUND');
  }, 60_000);

  // Last: it re-wraps every report of this app's store under a key the running app does not hold.
  it('master-key rotation leaves the files readable under the new key alone, bound to their report, file and order', async () => {
    const ref = await referral();
    const photo = await phonePhoto();
    expect((await upload(app, ATTACH_REFERRAL, { r: ref.receipt }, { bytes: photo }, partner.apiKey)).errors).toBeUndefined();
    const investigator = await createStaff(app, 'INVESTIGATOR', ref.desk);
    const [att] = (await app.gql(LIST, { id: ref.id }, investigator.token)).data.report.attachments;
    const shown = await openAs(investigator.token, ref.id, att.id);

    const masterB = key();
    const cli = await runScript('scripts/admin/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: masterB, HOTLINE_PREVIOUS_MASTER_KEYS: masterA });
    expect(cli.code).toBe(0);
    const onlyB = await createCrypto({ masterKey: b64(masterB), indexKey: b64(app.env.HOTLINE_INDEX_KEY!), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    const doc = (await db().collection<ReportDoc>('reports').findOne({ _id: ref.id }))!;
    expect(doc.dataKey!.masterKeyId).toBe(onlyB.keyring.currentId);
    const record = doc.attachments!.find((a) => a.id === att.id)!;
    const chunks = (await app.deps.reports.attachmentChunks.read(record.id, record.chunks))!;
    const opened = onlyB.cipher.withDataKey(doc._id, doc.dataKey!, (k) => onlyB.files.open(k, doc._id, record.id, { header: record.header.value(), chunks }));
    expect(Buffer.compare(Buffer.from(opened), shown)).toBe(0);
    // Chunks moved to another file, or a file with chunks added after its last, do not open.
    expect(() => onlyB.cipher.withDataKey(doc._id, doc.dataKey!, (k) => onlyB.files.open(k, doc._id, 'another-file', { header: record.header.value(), chunks }))).toThrow(/authentication/);
    expect(() => onlyB.cipher.withDataKey(doc._id, doc.dataKey!, (k) => onlyB.files.open(k, doc._id, record.id, { header: record.header.value(), chunks: [...chunks, ...chunks] }))).toThrow();
  }, 120_000);
});
