/**
 * The one door to report content: the only code that opens a report's data
 * key (`withDataKey`, `withNewDataKey`) to seal or open its content, its
 * appended elements and its staff-typed reasons, and the only place a
 * decryption for a reader sits next to its audit entry. Everything else asks
 * this module; `grep -rn withDataKey src` finds only this file and the field
 * cipher (tests/unit/reports/vault.test.ts checks it).
 *
 * Two factories over the same code:
 * - `createContentSeal(crypto)`: sealing (intake, appends, reasons) and two
 *   opens that are not reads of report content: the indexed values an
 *   addendum's new terms are computed over (inside `sealAddendum`; nothing
 *   of them leaves), and `openReason`, a staff-typed reason (the supervisor's
 *   log of caller reveals shows the reason each reveal was made for);
 * - `createContentVault({ crypto, reports, audit })`: the same, plus the
 *   audited reads. `openForReading(principal, id, purpose)` reads the report
 *   (the repository's freshness check), checks its envelope, applies the
 *   purpose's access rule, decrypts the purpose's groups and writes the audit
 *   entry BEFORE any plaintext is returned (confidentiality over
 *   availability: no audit entry, no content). `openIndexed(doc)` opens the
 *   indexed groups for a comparison (search, linking, re-indexing) and hands
 *   back the one way to record that read.
 */
import type { Actor, AuditLog } from '../../audit/types.js';
import type { PartnerPrincipal, Principal, StaffPrincipal } from '../../auth/types.js';
import { FileStreamError, type Crypto } from '../../crypto/index.js';
import type { WrappedDataKey } from '../../crypto/field-cipher.js';
import type { Binary } from 'mongodb';
import { PAD_BLOCK_SHORT } from '../../crypto/field-cipher.js';
import { AppError, notFound } from '../../errors.js';
import type { AnswerContent, AddendumContent, EncryptedContent, EncryptedNote, QuestionContent, ReportContent, ResearchNoteContent } from '../model/content.js';
import type { ContentGroup } from '../model/encrypted-fields.js';
import { assertEnvelope } from '../model/envelope-mac.js';
import { INDEXED_GROUPS, indexedValuesOf, indexTermsOf, searchTermsOf, type IndexedValues } from '../model/indexed-content.js';
import { createReportCodec, DEFAULT_CONTENT_GROUPS, type AppendedGroup, type DefaultContentGroup } from '../model/report-codec.js';
import type { HistoryEntry, ReportDoc } from '../model/types.js';
import type { AttachmentRecord } from '../model/attachments.js';
import type { AttachmentChunks } from '../store/attachment-chunks.js';
import * as access from '../rules/access.js';
import { timeFor } from '../rules/partner-time.js';
import type { ReportRepository } from '../store/repository.js';
import { hasSealed, isSealedReason, mapSealed, REASON_PATH, reasonEnvelope, reasonMac, storedReason } from './reasons.js';

/** Where a partner's receipt is bound in its envelope (the field cipher's AAD): never a content path. */
const RECEIPT_PATH = 'partnerReceipt';

/** What a seal or an open needs of a stored report: its id and wrapped data key. */
type Keyed = Pick<ReportDoc, '_id' | 'dataKey'>;
/** A report with content (not erased): its id, data key and envelopes. */
type WithContent = Pick<ReportDoc, '_id'> & { dataKey: WrappedDataKey | null; content: EncryptedContent | null };

/** A new report's content as stored, with its data key and index terms. */
export interface SealedReport {
  content: EncryptedContent;
  dataKey: WrappedDataKey;
  /** Its terms under the current index key (`bidx`) and that key's id. */
  bidx: string[];
  indexKeyId: string;
  /** What the search table files it under (reports/store/search-index.ts). */
  searchTerms: string[];
}

/** An addendum sealed to `$push`, and the report's terms recomputed over its content and addenda. */
export interface SealedAddendum {
  element: Record<string, unknown>;
  bidx: string[];
  indexKeyId: string;
  searchTerms: string[];
}

/** Sealing and the service's own unaudited opens (see the file's comment). */
export interface ContentSeal {
  /** Seals a new report under a fresh data key, with its index terms. */
  sealNew(id: string, content: ReportContent): SealedReport;
  /** Seals a research note to append to `content.researchNotes`. */
  sealNote(doc: Keyed, note: ResearchNoteContent): EncryptedNote;
  /** Seals one element of the channel with a partner (a question or an answer) to `$push` onto its group. */
  sealElement(doc: Keyed, group: 'questions' | 'answers', element: QuestionContent | AnswerContent): Record<string, unknown>;
  /** Seals a follow-up, and recomputes the report's terms over its indexed content and every addendum (unaudited: no value leaves). */
  sealAddendum(doc: WithContent, addendum: AddendumContent): SealedAddendum;
  /** The stored form of a reason typed on `doc`: sealed under its data key (null without one: nothing to keep it under). */
  sealReason(doc: Keyed, text: string): string | null;
  /** Opens a stored reason of `doc` (a plain one is returned as is; a sealed one of an erased report is null). */
  openReason(doc: Keyed, stored: unknown): string | null;
  /** Encrypts an attached file under `doc`'s data key as a chunked stream bound to the report and file ids, with its keyed dedup hash. */
  sealFile(doc: Keyed, fileId: string, bytes: Uint8Array): SealedFileOf;
  /** A partner referral's receipt, sealed under its data key for the organisation's list (reports/store/partner-referrals.ts); null without a key. */
  sealReceipt(doc: Keyed, receipt: string): Binary | null;
  /** Opens a sealed receipt of `doc` (null once erased: no key left to open it with). Not a read of content: the partner typed none of it. */
  openReceipt(doc: Keyed, sealed: Binary): string | null;
}

/** A file sealed for storage: stream header, ciphertext chunks, keyed hash for deduplication within the report. */
export interface SealedFileOf {
  header: Uint8Array;
  chunks: Uint8Array[];
  dedup: string;
}

/** Why an attachment is opened: shown in the console from memory, or downloaded (a separate audited action). */
export type AttachmentPurpose = 'view' | 'download';

/** The groups a partner's own referral shows back to it: what it passed on and added, the questions and answers. Never research notes or call notes. */
export const PARTNER_REFERRAL_GROUPS = ['narrative', 'subjects', 'vehicles', 'locations', 'partnerReference', 'addenda', 'questions', 'answers'] as const;
export type PartnerReferralContent = Pick<ReportContent, (typeof PARTNER_REFERRAL_GROUPS)[number]>;

/** The reads a staff member makes, each with its access rule, groups and audit entry. */
export type ReadPurpose = 'view' | 'export' | 'reveal-caller';

type ContentOf<P extends ReadPurpose> = P extends 'reveal-caller' ? Pick<ReportContent, 'caller'> : Pick<ReportContent, DefaultContentGroup>;

/** A report opened for a reader: the stored document, its content (null once erased) and its history with reasons opened. */
export interface OpenedReport<P extends ReadPurpose> {
  principal: StaffPrincipal;
  doc: ReportDoc;
  content: ContentOf<P> | null;
  /** The history with its sealed staff text opened (the stored history for `reveal-caller`). */
  history: HistoryEntry[];
}

export interface ReadOptions {
  /** `reveal-caller`: the stated reason (already checked), sealed into the audit entry with its keyed hash. */
  reason?: string;
  /** Further audit details derived from the report read (export: the signer and the history's verdict). */
  details?: (doc: ReportDoc) => Record<string, unknown>;
}

/** A report's indexed values, opened for a comparison, and the one way to record that read. */
export interface IndexedRead {
  values: IndexedValues;
  /**
   * Records the read (`report.read`, `fields`: the indexed groups) with the
   * comparison's details; the caller awaits it before any result leaves.
   */
  record(actor: Actor, details: Record<string, unknown>, options?: { at?: Date }): Promise<unknown>;
}

export interface ContentVault extends ContentSeal {
  /** The audited read of a staff member (see the file's comment); its errors are the desk's (NOT_FOUND, FORBIDDEN, DATA_INTEGRITY). */
  openForReading<P extends ReadPurpose>(principal: Principal | null, id: string, purpose: P, options?: ReadOptions): Promise<OpenedReport<P>>;
  /**
   * A partner's own referral as it passed it on (checked by the caller: its receipt, its organisation, not erased):
   * its words, additions, the questions and answers. Audited like `openForPartner`, to the minute, before anything is returned.
   */
  openReferralForPartner(principal: PartnerPrincipal, doc: WithContent & Pick<ReportDoc, 'source' | 'receivedAt'>): Promise<PartnerReferralContent>;
  /** A partner's questions and the answers given, on its own referral (checked by the caller); audited to the minute. */
  openForPartner(principal: PartnerPrincipal, doc: WithContent & Pick<ReportDoc, 'source' | 'receivedAt'>): Promise<Pick<ReportContent, 'questions' | 'answers'>>;
  /** Opens the indexed groups of a report whose envelope the caller has checked; record the read with `record`. */
  openIndexed(doc: WithContent & Pick<ReportDoc, 'source'>): IndexedRead;
  /**
   * The audited read of an attached file by a reader of its report (evidence
   * too: only staff who may read the report get this far); the audit entry
   * (`report.attachment_read` or `report.attachment_download`) is written
   * before the bytes are returned. NOT_FOUND for an unknown id or an erased report.
   */
  openAttachment(principal: Principal | null, reportId: string, attachmentId: string, purpose: AttachmentPurpose): Promise<{ record: AttachmentRecord; bytes: Uint8Array }>;
}

/** Builds the sealing half of the door, over the field cipher. */
export function createContentSeal(crypto: Pick<Crypto, 'cipher' | 'blindIndex' | 'indexKeyId' | 'files'>): ContentSeal {
  return sealAndOpen(crypto).seal;
}

/** The seal, and the unaudited open that only this module's audited reads use (never exported). */
function sealAndOpen(crypto: Pick<Crypto, 'cipher' | 'blindIndex' | 'indexKeyId' | 'files'>): { seal: ContentSeal; openWith: OpenWith } {
  const { cipher } = crypto;
  const codec = createReportCodec(cipher);

  const keyOf = (doc: Keyed) => {
    if (!doc.dataKey) throw new Error(`Report ${doc._id} has no data key`);
    return doc.dataKey;
  };

  /** Opens groups of a report's content (no audit: for this module's reads). */
  const openWith: OpenWith = (doc, groups) => cipher.withDataKey(doc._id, keyOf(doc), (key) => codec.decryptContent(key, doc._id, doc.content!, { fields: groups }));

  const seal: ContentSeal = {
    sealNew(id, content) {
      const values = indexedValuesOf(content);
      return cipher.withNewDataKey(id, (dataKey, wrapped) => ({
        content: codec.encryptContent(dataKey, id, content),
        dataKey: wrapped,
        bidx: indexTermsOf(crypto.blindIndex, values),
        indexKeyId: crypto.indexKeyId,
        searchTerms: searchTermsOf(crypto.blindIndex, values),
      }));
    },

    sealNote: (doc, note) => cipher.withDataKey(doc._id, keyOf(doc), (key) => codec.encryptNote(key, doc._id, note)),

    sealElement: (doc, group, element) => cipher.withDataKey(doc._id, keyOf(doc), (key) => codec.encryptElement(key, doc._id, group as AppendedGroup, element)),

    sealAddendum(doc, addendum) {
      const { element, indexed } = cipher.withDataKey(doc._id, keyOf(doc), (key) => ({
        element: codec.encryptElement(key, doc._id, 'addenda', addendum),
        // The report's own indexed values, to recompute its terms over content and addenda (and under the current index key).
        indexed: codec.decryptContent(key, doc._id, doc.content!, { fields: [...INDEXED_GROUPS] }),
      }));
      const values = indexedValuesOf({ ...indexed, addenda: [...(indexed.addenda ?? []), addendum] });
      return { element, bidx: indexTermsOf(crypto.blindIndex, values), indexKeyId: crypto.indexKeyId, searchTerms: searchTermsOf(crypto.blindIndex, values) };
    },

    sealReason(doc, text) {
      if (!doc.dataKey) return null;
      return storedReason(cipher.withDataKey(doc._id, doc.dataKey, (key) => cipher.encryptField(key, doc._id, REASON_PATH, text, PAD_BLOCK_SHORT)));
    },

    sealFile: (doc, fileId, bytes) =>
      cipher.withDataKey(doc._id, keyOf(doc), (key) => ({ ...crypto.files.seal(key, doc._id, fileId, bytes), dedup: crypto.files.dedupHash(key, doc._id, bytes) })),

    openReason(doc, stored) {
      if (typeof stored !== 'string') return null;
      if (!isSealedReason(stored)) return stored;
      if (!doc.dataKey) return null;
      return cipher.withDataKey(doc._id, doc.dataKey, (key) => cipher.decryptField(key, doc._id, REASON_PATH, reasonEnvelope(stored)));
    },

    sealReceipt(doc, receipt) {
      if (!doc.dataKey) return null;
      return cipher.withDataKey(doc._id, doc.dataKey, (key) => cipher.encryptField(key, doc._id, RECEIPT_PATH, receipt, PAD_BLOCK_SHORT));
    },

    openReceipt(doc, sealed) {
      if (!doc.dataKey) return null;
      return cipher.withDataKey(doc._id, doc.dataKey, (key) => cipher.decryptField(key, doc._id, RECEIPT_PATH, sealed));
    },
  };
  return { seal, openWith };
}

type OpenWith = <G extends ContentGroup>(doc: WithContent, groups: readonly G[]) => Pick<ReportContent, G>;

/** The dependencies of the audited reads. */
export interface ContentVaultDeps {
  crypto: Crypto;
  /** The report by id, through the repository's freshness check (reports/store/freshness.ts). */
  reports: Pick<ReportRepository, 'findById'>;
  audit: Pick<AuditLog, 'record'>;
  /** Attached files' chunks (reports/store/attachment-chunks.ts): without it, no attachment can be opened. */
  attachmentChunks?: Pick<AttachmentChunks, 'read'>;
}

/** Ids come from clients: anything that cannot be a report id is NOT_FOUND, like a missing report. */
export function isReportId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 64;
}

/** Builds the whole door: sealing, and the audited reads. */
export function createContentVault(deps: ContentVaultDeps): ContentVault {
  const { crypto, reports, audit } = deps;
  const { seal, openWith } = sealAndOpen(crypto);
  const userActor = (p: StaffPrincipal) => ({ type: 'user' as const, id: p.userId, name: p.username });

  /** The history with every sealed value opened (one data-key open for all of them). */
  function openHistory(doc: Keyed & Pick<ReportDoc, 'history'>): HistoryEntry[] {
    if (!doc.dataKey || !doc.history?.some(hasSealed)) return doc.history;
    return crypto.cipher.withDataKey(doc._id, doc.dataKey, (key) =>
      doc.history.map((e) => mapSealed(e, (sealed) => crypto.cipher.decryptField(key, doc._id, REASON_PATH, reasonEnvelope(sealed)))),
    );
  }

  async function load(principal: Principal | null, id: string): Promise<{ principal: StaffPrincipal; doc: ReportDoc }> {
    access.assertStaff(principal);
    if (!isReportId(id)) throw notFound('Report');
    const doc = await reports.findById(id);
    if (!doc) throw notFound('Report');
    assertEnvelope(crypto.integrity, doc); // before anything trusts its desk, flags or ciphertexts
    return { principal, doc };
  }

  return {
    ...seal,

    async openForReading<P extends ReadPurpose>(who: Principal | null, id: string, purpose: P, options: ReadOptions = {}): Promise<OpenedReport<P>> {
      const { principal, doc } = await load(who, id);
      const target = { type: 'report' as const, id: doc._id };
      const extra = () => options.details?.(doc) ?? {};
      if (purpose === 'reveal-caller') {
        if (typeof options.reason !== 'string') throw new Error('A caller reveal needs its stated reason'); // a programming error: checked before anything is opened
        const why = options.reason;
        access.assertCanRead(principal, doc);
        const noIdentity = () => new AppError('NOT_FOUND', 'This report has no caller identity');
        // Not `anonymous`: an anonymous caller may still have given a language or safe-to-contact notes (intake/service.ts `identifies`).
        if (!doc.content || !doc.dataKey) throw noIdentity();
        const { caller } = openWith(doc, ['caller']);
        if (!caller) throw noIdentity();
        await audit.record({
          action: 'report.reveal_caller',
          actor: userActor(principal),
          target,
          outcome: 'success',
          // The reason sealed under the report's data key (erasure shreds it) and its keyed hash, never the text (reasons.ts).
          details: { reference: doc.reference, desk: doc.desk, reasonSealed: seal.sealReason(doc, why), reasonMac: reasonMac(crypto, doc._id, why), fields: ['caller'], ...extra() },
        });
        return { principal, doc, content: { caller } as ContentOf<P>, history: doc.history };
      }
      // A view is for whoever may read the report; an export (a signed bundle leaving the service) for its holder or a supervisor.
      if (purpose === 'export') access.assertHolds(principal, doc);
      else access.assertCanRead(principal, doc);
      const fields = [...DEFAULT_CONTENT_GROUPS];
      const content = doc.content && doc.dataKey ? openWith(doc, fields) : null;
      // An erased tombstone's view opens nothing and is not a read; its export is recorded all the same.
      if (content || purpose === 'export') {
        // Confidentiality over availability: no audit entry, no content.
        await audit.record({
          action: 'report.read',
          actor: userActor(principal),
          target,
          outcome: 'success',
          details: { reference: doc.reference, desk: doc.desk, status: doc.status, fields, ...(purpose === 'export' ? { purpose: 'export' } : {}), ...extra() },
        });
      }
      return { principal, doc, content: content as ContentOf<P> | null, history: openHistory(doc) }; // typed reasons: sealed like the content
    },

    async openForPartner(principal, doc) {
      const { questions, answers } = openWith(doc, ['questions', 'answers']);
      // Confidentiality over availability: no audit entry, no questions.
      await audit.record(
        { action: 'report.read', actor: { type: 'partner', id: principal.partnerId, name: principal.name }, target: { type: 'report', id: doc._id }, outcome: 'success', details: { purpose: 'partner-questions', fields: ['questions'] } },
        { at: timeFor(doc) },
      );
      return { questions, answers };
    },

    async openAttachment(who, reportId, attachmentId, purpose) {
      const { principal, doc } = await load(who, reportId);
      access.assertCanRead(principal, doc);
      const record = doc.attachments?.find((a) => a.id === attachmentId);
      if (!record || !doc.dataKey || doc.status === 'ERASED' || !deps.attachmentChunks) throw notFound('Attachment');
      const chunks = await deps.attachmentChunks.read(record.id, record.chunks);
      if (!chunks) throw new AppError('DATA_INTEGRITY', 'This attachment is incomplete in the store');
      const sealed = { header: record.header.value(), chunks };
      const bytes = crypto.cipher.withDataKey(doc._id, doc.dataKey, (key) => {
        try {
          return crypto.files.open(key, doc._id, record.id, sealed);
        } catch (err) {
          if (err instanceof FileStreamError) throw new AppError('DATA_INTEGRITY', `This attachment failed its integrity check (${err.reason})`);
          throw err;
        }
      });
      // Confidentiality over availability: no audit entry, no bytes.
      await audit.record({
        action: purpose === 'download' ? 'report.attachment_download' : 'report.attachment_read',
        actor: userActor(principal),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, desk: doc.desk, attachmentId: record.id, kind: record.kind, type: record.type, size: record.size },
      });
      return { record, bytes };
    },
    async openReferralForPartner(principal, doc) {
      const content = openWith(doc, PARTNER_REFERRAL_GROUPS);
      // Confidentiality over availability: no audit entry, no content.
      await audit.record(
        { action: 'report.read', actor: { type: 'partner', id: principal.partnerId, name: principal.name }, target: { type: 'report', id: doc._id }, outcome: 'success', details: { purpose: 'partner-referral', fields: [...PARTNER_REFERRAL_GROUPS] } },
        { at: timeFor(doc) },
      );
      return content;
    },

    openIndexed(doc) {
      const values = indexedValuesOf(openWith(doc, [...INDEXED_GROUPS]));
      return {
        values,
        record: (actor, details, options) =>
          audit.record({ action: 'report.read', actor, target: { type: 'report', id: doc._id }, outcome: 'success', details: { ...details, fields: [...INDEXED_GROUPS] } }, options),
      };
    },
  };
}
