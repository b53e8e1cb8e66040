/**
 * Attached files over GraphQL (docs/attachments.md): uploads by the GraphQL
 * multipart request specification (`file: File!`), the records on a report
 * for its readers, and the two audited reads of a file's bytes: to show it
 * in the console from memory (`attachmentContent`) and to download it
 * (`downloadAttachment`, a separate action with its own audit entry). The
 * bytes travel base64-encoded inside the GraphQL answer, through the same
 * path as every other read (session, CSRF header, policy table, audit).
 */
import { builder } from '../../graphql/builder.js';
import { assertThat, forbidden } from '../../errors.js';
import { ATTACHMENT_KINDS, type AttachmentRecord } from '../model/attachments.js';
import type { AttachmentReceipt } from '../desk/attachments.js';
import { PartnerReferralStatus, Submission } from '../../intake/schema.js';
import { OurReferralDetail } from '../../intake/our-referrals-schema.js';
import { ReportRef } from './report-schema.js';

export const AttachmentKindEnum = builder.enumType('AttachmentKind', {
  description: 'Who attached a file: a partner on its referral, a call handler on a call, an investigator as evidence (original bytes kept)',
  values: ATTACHMENT_KINDS,
});

const AttachmentRef = builder.objectRef<AttachmentRecord>('Attachment').implement({
  description: 'A file attached to a report: its type as sniffed from the bytes and its size as stored (no file name is kept)',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: AttachmentKindEnum, resolve: (a) => a.kind }),
    type: t.exposeString('type', { description: 'image/jpeg, image/png, image/webp or application/pdf' }),
    size: t.exposeInt('size', { description: 'Bytes as stored (images re-encoded without metadata; evidence as received)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: "When it was attached (a partner's to the minute)" }),
    sha256: t.string({ nullable: true, description: 'SHA-256 of the original bytes: evidence only, for the chain of custody', resolve: (a) => a.sha256 ?? null }),
  }),
});

const AttachmentReceiptRef = builder.objectRef<AttachmentReceipt>('AttachmentReceipt').implement({
  description: 'What the sender is told of a file received: its type and size as stored, never the file back',
  fields: (t) => ({
    type: t.exposeString('type'),
    size: t.exposeInt('size'),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
  }),
});

const AttachmentContentRef = builder.objectRef<{ record: AttachmentRecord; bytes: Uint8Array }>('AttachmentContent').implement({
  description: 'The bytes of an attached file, opened by an audited read',
  fields: (t) => ({
    attachment: t.field({ type: AttachmentRef, resolve: (c) => c.record }),
    contentBase64: t.string({ description: 'The file, base64-encoded', resolve: (c) => Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.length).toString('base64') }),
  }),
});

builder.objectField(OurReferralDetail, 'filesReceived', (t) =>
  t.field({
    type: [AttachmentReceiptRef],
    description: 'The files you attached to this referral (type, size, when), oldest first: never the files back',
    resolve: (r) => r.filesReceived,
  }),
);

builder.objectField(Submission, 'filesAttached', (t) =>
  t.field({
    type: [AttachmentReceiptRef],
    description: 'The files you attached to this call (type, size, when), oldest first: never the files back',
    // mySubmissions read them with the row (for this caller); any other Submission (recordHotlineCall's answer) reads them.
    resolve: (s, _a, ctx) => (ctx.principal?.kind === 'staff' ? (s.filesAttached ?? ctx.services.attachments.filesAttachedBy(ctx.principal, s.id)) : []),
  }),
);

builder.objectField(PartnerReferralStatus, 'filesReceived', (t) =>
  t.field({
    type: [AttachmentReceiptRef],
    description: 'The files you attached to this referral (type, size, when), oldest first: never the files back',
    resolve: (s) => s.filesReceived ?? [],
  }),
);

builder.objectFields(ReportRef, (t) => ({
  attachments: t.field({
    type: [AttachmentRef],
    description: 'Files attached to the report, oldest first (open one with attachmentContent); listings (queues, search) show none: read the report',
    resolve: (v) => v.doc.attachments ?? [],
  }),
}));

builder.queryFields((t) => ({
  attachmentContent: t.field({
    type: AttachmentContentRef,
    description: 'Opens an attached file to show it (audited: report.attachment_read); for readers of the report',
    authScopes: { allow: 'attachmentContent' },
    args: { reportId: t.arg.id({ required: true }), attachmentId: t.arg.id({ required: true }) },
    resolve: (_r, { reportId, attachmentId }, ctx) => ctx.services.attachments.openAttachment(ctx.principal, String(reportId), String(attachmentId), 'view'),
  }),
}));

builder.mutationFields((t) => ({
  attachToReferral: t.field({
    type: AttachmentReceiptRef,
    description: 'Attaches a photo, screenshot or PDF to your own referral, by its receipt (metadata removed before it is stored)',
    authScopes: { allow: 'attachToReferral' },
    args: { receipt: t.arg.string({ required: true }), file: t.arg({ type: 'File', required: true }) },
    resolve: (_r, { receipt, file }, ctx) => {
      assertThat(ctx.principal?.kind === 'partner', forbidden);
      return ctx.services.attachments.attachToReferral(ctx.principal, receipt, file);
    },
  }),
  attachToCall: t.field({
    type: AttachmentReceiptRef,
    description: 'Attaches a file a caller sent to their call, by its reference (metadata removed before it is stored)',
    authScopes: { allow: 'attachToCall' },
    args: { reference: t.arg.string({ required: true }), file: t.arg({ type: 'File', required: true }) },
    resolve: (_r, { reference, file }, ctx) => {
      assertThat(ctx.principal?.kind === 'staff', forbidden);
      return ctx.services.attachments.attachToCall(ctx.principal, reference, file);
    },
  }),
  attachEvidence: t.field({
    type: AttachmentRef,
    description: 'Files evidence on a report you hold: the original bytes are kept, with their SHA-256',
    authScopes: { allow: 'attachEvidence' },
    args: { reportId: t.arg.id({ required: true }), file: t.arg({ type: 'File', required: true }) },
    resolve: (_r, { reportId, file }, ctx) => ctx.services.attachments.attachEvidence(ctx.principal, String(reportId), file),
  }),
  downloadAttachment: t.field({
    type: AttachmentContentRef,
    description: 'Downloads an attached file (audited as a download: report.attachment_download); the file leaves the service',
    authScopes: { allow: 'downloadAttachment' },
    args: { reportId: t.arg.id({ required: true }), attachmentId: t.arg.id({ required: true }) },
    resolve: (_r, { reportId, attachmentId }, ctx) => ctx.services.attachments.openAttachment(ctx.principal, String(reportId), String(attachmentId), 'download'),
  }),
}));
