/**
 * Attached files (docs/attachments.md): a partner on its own referral (by
 * receipt), a call handler on a hotline call (by its reference, as a
 * follow-up call names it: reports/desk/follow-ups.ts), an investigator's
 * evidence on a report they hold. Each upload is sanitised before anything
 * is stored (intake/sanitise.ts), sealed under the report's data key as a
 * chunked stream (reports/content/vault.ts `sealFile`), its chunks written
 * (reports/store/attachment-chunks.ts), and only then its record pushed onto
 * the report by the writer, with its history entry and its audit event
 * (`report.attach`) in that one write: a file is visible exactly when its
 * record and audit event are stored. A refused or lost commit deletes the
 * chunks; a process killed in between leaves them to the sweep.
 *
 * Reading: readers of a report see the records (evidence only if they may
 * read the report: handlers and partners never reach it), and open a file
 * through the vault's audited read. Handlers and partners are told what they
 * sent (count, type, size), never given the files back.
 */
import { randomBytes } from 'node:crypto';
import { Binary } from 'mongodb';
import type { AuditLog } from '../../audit/types.js';
import type { PartnerPrincipal, Principal, StaffPrincipal } from '../../auth/types.js';
import type { IntakeKeys } from '../../crypto/derived.js';
import type { Crypto } from '../../crypto/index.js';
import { badInput, conflict, notFound } from '../../errors.js';
import type { VirusScanner } from '../../intake/clamd.js';
import { sanitiseUpload } from '../../intake/sanitise.js';
import { filesAttachedBy, type AttachmentKind, type AttachmentRecord } from '../model/attachments.js';
import { assertEnvelope } from '../model/envelope-mac.js';
import type { HistoryInput } from '../model/history.js';
import type { ReportDoc } from '../model/types.js';
import * as access from '../rules/access.js';
import { timeFor } from '../rules/partner-time.js';
import { createContentVault, isReportId, type AttachmentPurpose } from '../content/vault.js';
import type { ReportRepository } from '../store/repository.js';
import type { ReportWriter } from '../store/writer.js';
import { userActor } from './presenters.js';
import { createOwnReferralFinder, isLiveReport } from './own-referral.js';

export interface AttachmentDeps {
  reports: ReportRepository;
  writer: ReportWriter;
  crypto: Crypto;
  audit: AuditLog;
  /** The intake keys (receipt ids), with previous index keys during a rotation. */
  keys: IntakeKeys & { previous?: IntakeKeys[] };
  limits: { maxBytes: number; maxPerReport: number };
  /** ClamAV's clamd (intake/clamd.ts), when configured: every upload is scanned before anything else is done with it. */
  scanner?: VirusScanner | null;
}

/** An uploaded file as graphql-yoga hands it over (the Fetch API's File). */
export interface UploadedFile {
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What the uploader is told: the file was received, its type and size as stored, how many the report now holds from them. */
export interface AttachmentReceipt {
  type: string;
  size: number;
  receivedAt: Date;
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;

const ATTEMPTS = 3;

export function createAttachmentService(deps: AttachmentDeps) {
  const { reports, writer, crypto, keys, limits } = deps;
  const chunks = reports.attachmentChunks;
  const vault = createContentVault({ crypto, reports, audit: deps.audit, attachmentChunks: chunks });

  const live = isLiveReport;

  async function readFile(file: unknown): Promise<Uint8Array> {
    const f = file as UploadedFile | null;
    if (!f || typeof f.arrayBuffer !== 'function' || typeof f.size !== 'number') throw badInput('Send the file as a multipart upload in the `file` variable', ['file']);
    if (f.size > limits.maxBytes) throw badInput(`The file is larger than the ${Math.round(limits.maxBytes / (1024 * 1024))} MiB limit`, ['file']);
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (bytes.length !== f.size) throw badInput('The file arrived incomplete: send it again', ['file']);
    return bytes;
  }

  function assertRoom(doc: ReportDoc) {
    if ((doc.attachments?.length ?? 0) >= limits.maxPerReport) throw conflict(`This report already holds ${limits.maxPerReport} files, the most it takes`);
  }

  /**
   * Sanitises, seals, stores the chunks, then commits the record with its
   * history entry and audit event; the same file twice on one report is
   * stored once (the keyed hash), and the earlier record answers.
   */
  async function attach(first: ReportDoc, kind: AttachmentKind, actor: HistoryInput['actor'], file: unknown): Promise<AttachmentRecord> {
    assertRoom(first);
    const received = await readFile(file);
    if (deps.scanner) await deps.scanner.scan(received);
    const clean = await sanitiseUpload(received, kind, limits.maxBytes);
    const id = randomBytes(16).toString('base64url');
    const sealed = vault.sealFile(first, id, clean.bytes);
    const same = first.attachments?.find((a) => a.dedup === sealed.dedup && a.kind === kind);
    if (same) return same;
    await chunks.begin(first._id, id, sealed.chunks.length);
    let committed = false;
    try {
      await chunks.write(first._id, id, sealed.chunks);
      let doc: ReportDoc | null = first;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        if (!live(doc)) throw notFound('Report');
        assertRoom(doc);
        const earlier = doc.attachments?.find((a) => a.dedup === sealed.dedup && a.kind === kind);
        if (earlier) return earlier;
        const at = timeFor(doc);
        const record: AttachmentRecord = {
          id,
          kind,
          type: clean.type,
          size: clean.bytes.length,
          chunks: sealed.chunks.length,
          header: new Binary(sealed.header, Binary.SUBTYPE_DEFAULT),
          dedup: sealed.dedup,
          ...(clean.sha256 ? { sha256: clean.sha256 } : {}),
          createdAt: at,
          by: actor.type === 'partner' ? { type: 'partner', id: actor.id } : { type: 'user', id: actor.id },
        };
        const updated = await writer.apply(
          doc,
          {
            where: { status: doc.status },
            push: { attachments: record },
            history: [{ at, actor, action: 'attachment_added', from: null, to: { attachmentId: id, kind, type: clean.type, size: record.size }, reason: null }],
          },
          [
            {
              action: 'report.attach',
              actor,
              target: { type: 'report', id: doc._id },
              outcome: 'success',
              details: { reference: doc.reference, desk: doc.desk, attachmentId: id, kind, type: clean.type, size: record.size, ...(clean.sha256 ? { sha256: clean.sha256 } : {}) },
            },
          ],
          at,
        );
        if (updated) {
          committed = true;
          return updated.attachments?.find((a) => a.id === id) ?? record;
        }
        doc = await reports.findById(first._id);
      }
      throw conflict('The report kept changing while the file was being attached; try again');
    } finally {
      if (committed) await chunks.finish(id).catch(() => undefined); // a left entry only costs the sweep a look
      else await chunks.abandon(id, sealed.chunks.length).catch(() => undefined); // the sweep removes what this could not
    }
  }

  /** The partner's own referral behind a receipt (own-referral.ts: the one rule). */
  const ownReferral = createOwnReferralFinder({ reports, crypto, keys });

  const receiptOf = (r: AttachmentRecord): AttachmentReceipt => ({ type: r.type, size: r.size, receivedAt: r.createdAt });

  return {
    /** A partner attaches a file to its own referral (the API key works); told only what was received. */
    async attachToReferral(principal: PartnerPrincipal, receipt: unknown, file: unknown): Promise<AttachmentReceipt> {
      const doc = await ownReferral(principal, receipt);
      return receiptOf(await attach(doc, 'PARTNER', { type: 'partner', id: principal.partnerId, name: principal.name }, file));
    },

    /** A call handler attaches a file to a hotline call, by its reference (the caller e-mailed a photo after ringing). */
    async attachToCall(principal: StaffPrincipal, reference: unknown, file: unknown): Promise<AttachmentReceipt> {
      if (typeof reference !== 'string' || reference.length > 64) throw notFound('Report');
      const doc = await reports.findByReference(reference.trim().toUpperCase());
      if (!live(doc) || doc.source !== 'HOTLINE_CALL') throw notFound('Report');
      assertEnvelope(crypto.integrity, doc);
      return receiptOf(await attach(doc, 'HANDLER', userActor(principal), file));
    },

    /**
     * What this call handler attached to one of their calls (type, size, when), never the files: the submission
     * view's `filesAttached` (its report id comes from their own submissions list, so nothing else is looked up).
     */
    async filesAttachedBy(principal: StaffPrincipal, reportId: string): Promise<AttachmentReceipt[]> {
      return filesAttachedBy(await reports.attachmentsOf(reportId), principal.userId);
    },

    /** An investigator files evidence on a report they hold: original bytes kept, with their SHA-256. */
    async attachEvidence(principal: Principal | null, reportId: unknown, file: unknown): Promise<AttachmentRecord> {
      access.assertStaff(principal);
      if (!isReportId(reportId)) throw notFound('Report');
      const doc = await reports.findById(reportId);
      if (!live(doc)) throw notFound('Report');
      assertEnvelope(crypto.integrity, doc);
      access.assertHolds(principal, doc);
      return attach(doc, 'EVIDENCE', userActor(principal), file);
    },

    /**
     * Deletes the chunks of uploads begun before `before` whose record is not
     * on their report (src/tasks/attachment-sweep.ts); returns how many were removed.
     */
    async sweepAbandoned(before: Date): Promise<number> {
      let removed = 0;
      for (const upload of await chunks.staleUploads(before)) {
        if ((await reports.attachmentsOf(upload.reportId)).some((a) => a.id === upload._id)) {
          await chunks.dropUpload(upload._id);
          continue;
        }
        await chunks.abandon(upload._id, upload.chunks);
        removed++;
      }
      return removed;
    },

    /** The audited read of one file (see the vault); `download` is recorded as its own action. */
    openAttachment: (principal: Principal | null, reportId: string, attachmentId: string, purpose: AttachmentPurpose) => vault.openAttachment(principal, reportId, attachmentId, purpose),
  };
}
