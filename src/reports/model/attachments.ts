/**
 * What a stored attachment is. The record sits on the report itself
 * (`ReportDoc.attachments`), pushed by the same single-document write that
 * carries its history entry and audit event, and only after every chunk of
 * the file is stored (reports/store/attachment-chunks.ts): a file whose
 * record was never written is invisible, and the orphan sweep removes its
 * chunks. The record holds no file name and nothing of the content: the
 * kind, the type sniffed from the bytes, the size, a keyed hash (equal files
 * in one report only) and the stream header (public by design).
 */
import type { Binary } from 'mongodb';

/** Who attached it: a partner on its referral, a call handler on a call, an investigator's own evidence. */
export const ATTACHMENT_KINDS = ['PARTNER', 'HANDLER', 'EVIDENCE'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** The types taken, sniffed from the bytes (never the name or the client's MIME type). */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export interface AttachmentRecord {
  /** Random id; part of every chunk's additional data and key derivation. */
  id: string;
  kind: AttachmentKind;
  type: AttachmentType;
  /** Bytes as stored (after stripping; evidence: the original size). */
  size: number;
  /** Chunks stored under `<id>:<index>`, 0 to chunks - 1. */
  chunks: number;
  /** The secretstream header (24 bytes, not secret). */
  header: Binary;
  /** Keyed hash of the stored bytes under the report's data key (crypto/file-stream.ts `dedupHash`). */
  dedup: string;
  /** SHA-256 (hex) of the original bytes: evidence only, for the chain of custody. */
  sha256?: string;
  /** Partner uploads: to the minute (reports/rules/partner-time.ts). */
  createdAt: Date;
  /** Staff who attached it (user id); a partner upload names no person. */
  by: { type: 'user' | 'partner'; id: string };
}

/** What a sender is told of the files it sent to a report: type, size and time of each of its kind, never the files. */
export interface FileReceived {
  type: AttachmentType;
  size: number;
  receivedAt: Date;
}

export const filesReceived = (attachments: readonly AttachmentRecord[] | undefined, kind: AttachmentKind): FileReceived[] =>
  (attachments ?? []).filter((a) => a.kind === kind).map((a) => ({ type: a.type, size: a.size, receivedAt: a.createdAt }));

/**
 * What a call handler is told of the files they attached to one of their calls: type, size and time of each, never
 * the files; their own uploads only (another handler's on the same call stay unseen). The one rule, read by the
 * attachment service and by `mySubmissions`, which takes the records from the row it already read.
 */
export const filesAttachedBy = (attachments: readonly AttachmentRecord[] | undefined, userId: string): FileReceived[] =>
  (attachments ?? []).filter((a) => a.kind === 'HANDLER' && a.by.id === userId).map((a) => ({ type: a.type, size: a.size, receivedAt: a.createdAt }));
