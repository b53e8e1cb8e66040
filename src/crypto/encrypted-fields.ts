/**
 * THE data-protection contract: which parts of a report are encrypted, which
 * are deliberately left in plaintext and why. The report codec, the blind
 * index, the docs and the tests all read these lists; nothing else decides.
 *
 * Path patterns: `a.b` is a nested field, `list[]` is every element of an
 * array (addressed by position, e.g. `subjects.0.name`), `list[id]` is every
 * element addressed by its `id` (e.g. `researchNotes.<noteId>.text`), so that
 * appending a note never changes the path, and hence the AD, of another one.
 */
import type { IndexKind } from './blind-index.js';
import type { ReportContent } from '../reports/content.js';

/** Top-level parts of a report's content that can be decrypted separately. */
export type ContentGroup = keyof ReportContent;

export interface EncryptedFieldSpec {
  path: string;
  /** `string` is stored as UTF-8; `string[]` is stored as one JSON string. */
  type: 'string' | 'string[]';
  /** `long` pads to 1 KiB blocks (free text), `short` to 64 bytes. */
  padding: 'short' | 'long';
  /** Blind index kind fed by this field, if it can be searched for equality. */
  blindIndex?: IndexKind;
}

export interface PlaintextFieldSpec {
  path: string;
  why: string;
}

/**
 * Every field that must never reach MongoDB in plaintext. The caller's
 * fields are not blind-indexed on purpose: linking callers across reports is
 * the capability an attacker with the index key would want most.
 */
export const ENCRYPTED_FIELDS: readonly EncryptedFieldSpec[] = [
  { path: 'narrative', type: 'string', padding: 'long' },
  { path: 'caller.name', type: 'string', padding: 'short' },
  { path: 'caller.phone', type: 'string', padding: 'short' },
  { path: 'caller.email', type: 'string', padding: 'short' },
  { path: 'caller.address', type: 'string', padding: 'short' },
  { path: 'caller.preferredContactTimes', type: 'string', padding: 'short' },
  { path: 'subjects[].name', type: 'string', padding: 'short', blindIndex: 'name' },
  { path: 'subjects[].aliases', type: 'string[]', padding: 'short', blindIndex: 'name' },
  { path: 'subjects[].dateOfBirth', type: 'string', padding: 'short' },
  { path: 'subjects[].approximateAge', type: 'string', padding: 'short' },
  { path: 'subjects[].description', type: 'string', padding: 'short' },
  { path: 'subjects[].address', type: 'string', padding: 'short' },
  { path: 'subjects[].phone', type: 'string', padding: 'short', blindIndex: 'phone' },
  { path: 'vehicles[].registration', type: 'string', padding: 'short', blindIndex: 'vehicle' },
  { path: 'vehicles[].make', type: 'string', padding: 'short' },
  { path: 'vehicles[].model', type: 'string', padding: 'short' },
  { path: 'vehicles[].colour', type: 'string', padding: 'short' },
  { path: 'vehicles[].notes', type: 'string', padding: 'short' },
  { path: 'locations[].address', type: 'string', padding: 'short' },
  { path: 'locations[].postcode', type: 'string', padding: 'short', blindIndex: 'postcode' },
  { path: 'locations[].description', type: 'string', padding: 'short' },
  { path: 'partnerReference', type: 'string', padding: 'short' },
  { path: 'researchNotes[id].text', type: 'string', padding: 'long' },
];

/**
 * Fields of the report document (outside the encrypted content) that stay in
 * plaintext, because the service must filter, sort, route or address by them
 * without opening a data key. Descriptive: the reports repository owns them.
 */
export const PLAINTEXT_DOCUMENT_FIELDS: readonly PlaintextFieldSpec[] = [
  { path: 'ids (_id, references)', why: 'addressing; the record id is part of every AD' },
  { path: 'timestamps (createdAt, updatedAt, ...)', why: 'ordering, retention, concurrency' },
  { path: 'status', why: 'workflow state machine' },
  { path: 'desk', why: 'routing to a desk' },
  { path: 'priority', why: 'triage ordering' },
  { path: 'categories', why: 'routing rules and statistics' },
  { path: 'imminentThreat', why: 'escalation must work without decrypting' },
  { path: 'borough', why: 'routing and statistics (coarse, not an address)' },
  { path: 'dataKey', why: 'the wrapped data key (itself an envelope) and its master key id' },
  { path: 'bidx', why: 'blind-index terms (truncated keyed hashes) for equality search' },
];

/**
 * Plaintext leaves allowed inside the content. The codec refuses to store
 * any other plaintext leaf, so a field added to ReportContent but not to
 * ENCRYPTED_FIELDS fails loudly instead of leaking.
 */
export const PLAINTEXT_CONTENT_FIELDS: readonly PlaintextFieldSpec[] = [
  { path: 'caller.mayRecontact', why: 'decides whether recontact may be offered without opening caller identity' },
  { path: 'researchNotes[id].id', why: 'addresses a note (and is part of its AD) without decrypting it' },
];

/** Everything left in plaintext, for docs and reviews. */
export const PLAINTEXT_FIELDS: readonly PlaintextFieldSpec[] = [...PLAINTEXT_DOCUMENT_FIELDS, ...PLAINTEXT_CONTENT_FIELDS];

/** Every content group, in document order. */
export const CONTENT_GROUPS: readonly ContentGroup[] = [
  'narrative',
  'caller',
  'subjects',
  'vehicles',
  'locations',
  'partnerReference',
  'researchNotes',
];

/** The group a path pattern belongs to (its first segment). */
export function groupOf(path: string): ContentGroup {
  return path.split(/[.[]/, 1)[0] as ContentGroup;
}
