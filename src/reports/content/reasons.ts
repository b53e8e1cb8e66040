/**
 * Staff-typed reasons (release, refer, close, reopen, reassign, retry,
 * erase, reveal) are stored only sealed under the report's data key, so a
 * reader of the database or of the audit log learns nothing from them and
 * erasure (which drops the data key) shreds them with the content. History
 * entries hold the sealed form in their `reason` (the history chain hashes
 * the ciphertext, and still verifies after erasure); audit events point to
 * the entry (`reasonRef`, its seq) or carry the sealed form (reveals, which
 * write no history), and a keyed hash (`reasonMac`) to check a stated reason
 * against. Readers see them opened only through the audited report read.
 */
import { Binary } from 'mongodb';
import type { Crypto } from '../../crypto/index.js';
import { PAD_BLOCK_SHORT } from '../../crypto/field-cipher.js';
import type { HistoryEntry, ReportDoc } from '../model/types.js';

/** Marks a sealed reason; system reasons (triage) are plain and never start with it. */
const SEALED = 'sealed:v1:';
/** The AD field path of a reason envelope. */
const REASON_PATH = 'reason';

type Keyed = Pick<ReportDoc, '_id' | 'dataKey'>;

export const isSealedReason = (stored: unknown): stored is string => typeof stored === 'string' && stored.startsWith(SEALED);

/** The keyed hash an audit event keeps of a reason: checks a stated reason, reveals nothing. */
export const reasonMac = (crypto: Pick<Crypto, 'integrity'>, reportId: string, text: string) => crypto.integrity.mac('reason', `${reportId}\n${text}`);

/** The stored form of a reason typed on `doc`: sealed under its data key (null without one: nothing to keep it under). */
export function sealReason(crypto: Pick<Crypto, 'cipher'>, doc: Keyed, text: string): string | null {
  if (!doc.dataKey) return null;
  const envelope = crypto.cipher.withDataKey(doc._id, doc.dataKey, (key) => crypto.cipher.encryptField(key, doc._id, REASON_PATH, text, PAD_BLOCK_SHORT));
  return SEALED + Buffer.from(envelope.value()).toString('base64');
}

/** Opens a stored reason of `doc` (a plain one is returned as is; a sealed one of an erased report is null). */
export function openReason(crypto: Pick<Crypto, 'cipher'>, doc: Keyed, stored: unknown): string | null {
  if (typeof stored !== 'string') return null;
  if (!isSealedReason(stored)) return stored;
  if (!doc.dataKey) return null;
  const envelope = new Binary(Buffer.from(stored.slice(SEALED.length), 'base64'), Binary.SUBTYPE_DEFAULT);
  return crypto.cipher.withDataKey(doc._id, doc.dataKey, (key) => crypto.cipher.decryptField(key, doc._id, REASON_PATH, envelope));
}

/** Staff text sealed in an entry: its reason, and any sealed value of its `to` (a dissemination's recipient: dissemination.ts). */
const hasSealed = (e: HistoryEntry) => isSealedReason(e.reason) || Object.values(e.to ?? {}).some(isSealedReason);

/** The entry with every sealed value passed through `f` (the chain still verifies on the stored entry, not this one). */
function mapSealed(e: HistoryEntry, f: (sealed: string) => string | null): HistoryEntry {
  if (!hasSealed(e)) return e;
  const to = e.to && Object.fromEntries(Object.entries(e.to).map(([k, v]) => [k, isSealedReason(v) ? f(v) : v]));
  return { ...e, to, reason: isSealedReason(e.reason) ? f(e.reason) : e.reason };
}

/** The history with its reasons (and other sealed staff text) opened (for the audited report read). */
export function openHistoryReasons(crypto: Pick<Crypto, 'cipher'>, doc: Keyed & Pick<ReportDoc, 'history'>): HistoryEntry[] {
  if (!doc.dataKey || !doc.history?.some(hasSealed)) return doc.history;
  return crypto.cipher.withDataKey(doc._id, doc.dataKey, (key) =>
    doc.history.map((e) =>
      mapSealed(e, (sealed) => crypto.cipher.decryptField(key, doc._id, REASON_PATH, new Binary(Buffer.from(sealed.slice(SEALED.length), 'base64'), Binary.SUBTYPE_DEFAULT))),
    ),
  );
}

/** The history as any other view shows it: sealed reasons (and other sealed values) left out (null), never sent as ciphertext. */
export const hideSealedReasons = (history: HistoryEntry[] | undefined) => history?.map((e) => mapSealed(e, () => null));
