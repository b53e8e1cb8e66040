/**
 * THE data-protection contract: which parts of a report are encrypted, which
 * are deliberately left in plaintext and why. The report codec, the blind
 * index terms (indexed-content.ts), the envelope MAC, the docs and the tests
 * all read these lists; nothing else decides. Tested by
 * tests/unit/reports/report-codec.test.ts (the codec against the lists) and
 * tests/unit/reports/encrypted-fields-docs.test.ts (docs/encryption.md).
 *
 * Path patterns: `a.b` is a nested field, `list[]` is every element of an
 * array (addressed by position, e.g. `subjects.0.name`), `list[id]` is every
 * element addressed by its `id` (e.g. `researchNotes.<noteId>.text`), so that
 * appending a note never changes the path, and hence the AD, of another one.
 * Guarded by: tests/unit/reports/report-codec.test.ts (an envelope at exactly the listed paths, nothing unlisted stored).
 */
import type { IndexKind } from '../../crypto/blind-index.js';
import type { ReportContent } from './content.js';
import type { ReportDoc } from './types.js';

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

/** The fields of a report as recorded: what a caller or partner gave, and the investigators' notes. */
const RECORDED_FIELDS: readonly EncryptedFieldSpec[] = [
  { path: 'narrative', type: 'string', padding: 'long' },
  { path: 'caller.name', type: 'string', padding: 'short' },
  { path: 'caller.phone', type: 'string', padding: 'short' },
  { path: 'caller.email', type: 'string', padding: 'short' },
  { path: 'caller.address', type: 'string', padding: 'short' },
  { path: 'caller.preferredContactTimes', type: 'string', padding: 'short' },
  { path: 'caller.language', type: 'string', padding: 'short' },
  { path: 'caller.interpreter', type: 'string', padding: 'short' },
  { path: 'caller.safeContact', type: 'string', padding: 'long' },
  { path: 'caller.leaveMessage', type: 'string', padding: 'short' },
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

/** What a follow-up may add, in the report's own shape: its narrative, subjects, vehicles and locations. */
const ADDENDUM_GROUPS = ['narrative', 'subjects', 'vehicles', 'locations'];

/**
 * Every field that must never reach MongoDB in plaintext. The caller's
 * fields are not blind-indexed on purpose: linking callers across reports is
 * the capability an attacker with the index key would want most.
 */
export const ENCRYPTED_FIELDS: readonly EncryptedFieldSpec[] = [
  ...RECORDED_FIELDS,
  // follow-ups (reports/desk/follow-ups.ts): the same fields as the report's own, indexed the same way
  ...RECORDED_FIELDS.filter((spec) => ADDENDUM_GROUPS.includes(groupOf(spec.path))).map((spec) => ({ ...spec, path: `addenda[id].${spec.path}` })),
  // the anonymous channel with a referring partner
  { path: 'questions[id].text', type: 'string', padding: 'long' },
  { path: 'answers[id].text', type: 'string', padding: 'long' },
  // the call handler's notes (hotline calls): the 999 hand-off and the question prompts' answers
  { path: 'callNotes.emergencyHandOffAt', type: 'string', padding: 'short' },
  { path: 'callNotes.emergencyReference', type: 'string', padding: 'short' },
  { path: 'callNotes.dangerNow', type: 'string', padding: 'long' },
  { path: 'callNotes.where', type: 'string', padding: 'long' },
  { path: 'callNotes.when', type: 'string', padding: 'long' },
  { path: 'callNotes.who', type: 'string', padding: 'long' },
  { path: 'callNotes.vehicles', type: 'string', padding: 'long' },
  { path: 'callNotes.weapons', type: 'string', padding: 'long' },
  { path: 'callNotes.howKnown', type: 'string', padding: 'long' },
];

/** A top-level field of the stored report left in plaintext: its name must be a field of ReportDoc. */
export interface PlaintextDocumentFieldSpec extends PlaintextFieldSpec {
  path: Exclude<keyof ReportDoc, 'content'>;
}

/**
 * Every top-level field of the stored report except `content` (which holds
 * only envelopes): all of them stay in plaintext, because the service must
 * address, filter, sort, route or verify by them without opening a data key.
 * Checked both ways: naming a field ReportDoc does not have, or leaving one
 * of its fields out, fails the typecheck below; an integration test
 * (tests/integration/stored-fields.test.ts) compares them with a report as
 * actually stored.
 */
export const PLAINTEXT_DOCUMENT_FIELDS = [
  { path: '_id', why: 'addressing; the record id is part of every AD' },
  { path: 'reference', why: 'the human-readable reference staff quote' },
  { path: 'source', why: 'hotline call or partner referral: routing and statistics' },
  { path: 'channel', why: 'intake channel: routing and statistics' },
  { path: 'receivedAt', why: 'ordering, SLA deadlines' },
  { path: 'recordedAt', why: 'ordering, reconciliation of reports not yet triaged' },
  { path: 'callDurationSeconds', why: 'statistics' },
  { path: 'recordedBy', why: 'the call handler or partner id that recorded it (not the caller): own-submission listings' },
  { path: 'idempotencyKey', why: 'keyed hash of the scoped client key (integrity "idempotencyKey"), unique; a placeholder naming the report itself once erased' },
  { path: 'fingerprint', why: 'keyed hash of the submission, to tell a retry from a different submission' },
  { path: 'receiptHash', why: "SHA-256 of a partner's receipt code, for the referral status lookup" },
  { path: 'categories', why: 'routing rules and statistics' },
  { path: 'imminentThreat', why: 'escalation must work without decrypting' },
  { path: 'borough', why: 'routing and statistics (coarse, not an address)' },
  { path: 'anonymous', why: 'whether the caller gave an identity (a name, phone, email or address; a language alone is not one); statistics' },
  { path: 'callerMayRecontact', why: 'decides whether recontact may be offered without opening caller identity' },
  { path: 'status', why: 'workflow state machine' },
  { path: 'desk', why: 'routing to a desk' },
  { path: 'priority', why: 'triage ordering' },
  { path: 'assignee', why: 'the investigator working it (a user id)' },
  { path: 'escalated', why: 'SLA escalation state' },
  { path: 'triagePending', why: 'the report still waits for triage' },
  { path: 'triage', why: 'rule-set version, rule reasons and deadline of the routing decision' },
  { path: 'links', why: 'empty: links are sealed edges of their own (reports/store/links.ts); reports triaged before that embedded ids, references and desks here' },
  { path: 'grading', why: '3x5x2 grading codes and who set them' },
  { path: 'dataKey', why: 'the wrapped data key (itself an envelope) and its master key id' },
  { path: 'bidx', why: 'blind-index terms (truncated keyed hashes) for equality search' },
  { path: 'attachments', why: 'records of attached files: kind, sniffed type, size, chunk count, stream header, keyed dedup hash (the files are encrypted chunks: reports/model/attachments.ts)' },
  { path: 'history', why: 'hash-chained record of status, desk and priority changes with their stated reasons' },
  { path: 'auditPending', why: 'audit events of the latest changes, written with the change until chained (audit details: never report content)' },
  { path: 'version', why: 'concurrency: every change claims the next version' },
  { path: 'closedAt', why: 'retention' },
  { path: 'outcome', why: 'what came of a closed report (arrest, no trace…: reports/model/outcomes.ts), one of six categories and never free text: statistics' },
  { path: 'erasedAt', why: 'retention: when the content was erased' },
  { path: 'envelopeMac', why: 'keyed MAC over the envelope (ciphertexts, wrapped key, version, workflow and flags): src/reports/model/envelope-mac.ts' },
  { path: 'indexKeyId', why: 'public id of the index key `bidx` was computed under: lets an index-key rotation resume (reports/content/rotate-audit-index-keys.ts)' },
  { path: 'envelopeParts', why: 'part names with a short keyed digest each, so a failed envelope check names what changed (never values)' },
] as const satisfies readonly PlaintextDocumentFieldSpec[];

/** Compiles only while PLAINTEXT_DOCUMENT_FIELDS names every field of ReportDoc but `content`. */
type UnlistedDocumentField = Exclude<keyof ReportDoc, (typeof PLAINTEXT_DOCUMENT_FIELDS)[number]['path'] | 'content'>;
const everyDocumentFieldListed: [UnlistedDocumentField] extends [never] ? true : UnlistedDocumentField = true;

/**
 * Plaintext leaves allowed inside the content. The codec refuses to store
 * any other plaintext leaf, so a field added to ReportContent but not to
 * ENCRYPTED_FIELDS fails loudly instead of leaking.
 */
export const PLAINTEXT_CONTENT_FIELDS: readonly PlaintextFieldSpec[] = [
  { path: 'caller.mayRecontact', why: 'decides whether recontact may be offered without opening caller identity' },
  { path: 'researchNotes[id].id', why: 'addresses a note (and is part of its AD) without decrypting it' },
  { path: 'addenda[id].id', why: 'addresses a follow-up (part of its AD); a keyed hash of the idempotency key, so a retry finds it' },
  { path: 'addenda[id].at', why: 'when the follow-up was recorded (to the minute on a partner referral)' },
  { path: 'addenda[id].source', why: 'a caller follow-up or a partner addition (the history says the same)' },
  { path: 'addenda[id].fingerprint', why: 'keyed hash of the follow-up input, to tell a retry from a different follow-up' },
  { path: 'questions[id].id', why: 'addresses a question (part of its AD) so the partner can answer it' },
  { path: 'questions[id].at', why: 'when it was asked, to the minute (partner referrals only)' },
  { path: 'answers[id].id', why: 'the question it answers' },
  { path: 'answers[id].at', why: 'when it was answered, to the minute' },
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
  'addenda',
  'questions',
  'answers',
  'callNotes',
];

/** The group a path pattern belongs to (its first segment). */
export function groupOf(path: string): ContentGroup {
  return path.split(/[.[]/, 1)[0] as ContentGroup;
}
