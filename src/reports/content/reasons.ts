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
 * Sealing and opening are the content module's (vault.ts: sealReason,
 * openReason, and the history opened by openForReading); this file holds the
 * stored form and what needs no key.
 */
import { Binary } from 'mongodb';
import type { Crypto } from '../../crypto/index.js';
import type { HistoryEntry } from '../model/types.js';

/** Marks a sealed reason; system reasons (triage) are plain and never start with it. */
const SEALED = 'sealed:v1:';
/** The AD field path of a reason envelope. */
export const REASON_PATH = 'reason';

export const isSealedReason = (stored: unknown): stored is string => typeof stored === 'string' && stored.startsWith(SEALED);

/** The stored form of a reason envelope (sealed under the report's data key by the content module: vault.ts). */
export const storedReason = (envelope: Binary) => SEALED + Buffer.from(envelope.value()).toString('base64');

/** The envelope of a sealed stored reason. */
export const reasonEnvelope = (sealed: string) => new Binary(Buffer.from(sealed.slice(SEALED.length), 'base64'), Binary.SUBTYPE_DEFAULT);

/** The keyed hash an audit event keeps of a reason: checks a stated reason, reveals nothing. */
export const reasonMac = (crypto: Pick<Crypto, 'integrity'>, reportId: string, text: string) => crypto.integrity.mac('reason', `${reportId}\n${text}`);

/** Staff text sealed in an entry: its reason, and any sealed value of its `to` (a dissemination's recipient: reports/desk/dissemination.ts). */
export const hasSealed = (e: HistoryEntry) => isSealedReason(e.reason) || Object.values(e.to ?? {}).some(isSealedReason);

/** The entry with every sealed value passed through `f` (the chain still verifies on the stored entry, not this one). */
export function mapSealed(e: HistoryEntry, f: (sealed: string) => string | null): HistoryEntry {
  if (!hasSealed(e)) return e;
  const to = e.to && Object.fromEntries(Object.entries(e.to).map(([k, v]) => [k, isSealedReason(v) ? f(v) : v]));
  return { ...e, to, reason: isSealedReason(e.reason) ? f(e.reason) : e.reason };
}

/** The history as any other view shows it: sealed reasons (and other sealed values) left out (null), never sent as ciphertext. */
export const hideSealedReasons = (history: HistoryEntry[] | undefined) => history?.map((e) => mapSealed(e, () => null));
