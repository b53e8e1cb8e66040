/**
 * THE report envelope MAC: what of a stored report a database writer must
 * not be able to change, drop or roll back unseen, and the one check every
 * decrypting read (and every write) makes. Keyed with the `reportEnvelope`
 * subkey of HOTLINE_AUDIT_KEY, which is not in the database, so recomputing
 * the MAC after an edit needs that key.
 *
 * Covered (the envelope):
 * - the report id (so an envelope cannot be moved to another report);
 * - every encrypted value the document holds, by path: every BSON Binary
 *   anywhere in the document outside ENVELOPE_EXCLUDED_ROOTS (all of
 *   `content`, research notes included, and the wrapped data key; anything
 *   encrypted later in the same places is covered without a change here).
 *   A dropped field, an added one, or an older ciphertext copied back changes
 *   the set or a value;
 * - the plaintext fields of ENVELOPE_PLAINTEXT_FIELDS: version, workflow
 *   (status, desk, priority, assignee), the flags that steer access, reveal
 *   and escalation, and where the report came from.
 *
 * Where it is checked: every read that decrypts (the content module's
 * audited read, reports/content/vault.ts: the report view, its export and
 * the caller reveal; triage/linking.ts and reports/desk/search.ts: the report being
 * routed and each link or search candidate, a failing candidate being left
 * out; a link or search candidate, chart report, or entity page's or shared
 * values' report this process read and kept less than a minute ago is checked
 * as it was read then: reports/store/report-cache.ts) and every write
 * (repository applyChange, which also renews it; intake's insert seals it).
 * Listings that decrypt nothing (desk and supervisor queues, served from the
 * side tables) do not check: their priority and desk are a hint, and the
 * report behind them is checked when opened or changed.
 *
 * Not covered: `history` (its own keyed chain), `auditPending` (chained into
 * the audit log), and fields that steer nothing a reader trusts (timestamps,
 * `triage` reasons, `links`, `bidx`: links are confirmed by decryption).
 */
import { Binary } from 'mongodb';
import { canonicalJson } from '../../crypto/canonical.js';
import { idAddressedArrays, walkLeaves } from './content-paths.js';
import { ENCRYPTED_FIELDS, PLAINTEXT_CONTENT_FIELDS, type PLAINTEXT_DOCUMENT_FIELDS } from './encrypted-fields.js';
import type { Integrity } from '../../crypto/integrity.js';
import { DecryptionError } from '../../errors.js';
import type { ReportDoc } from './types.js';

type DocumentField = (typeof PLAINTEXT_DOCUMENT_FIELDS)[number]['path'];

/** Plaintext fields under the MAC (nested ones by dotted path). A flip of any of them is DATA_INTEGRITY. */
export const ENVELOPE_PLAINTEXT_FIELDS = [
  'reference',
  'version',
  'status',
  'desk',
  'priority',
  'assignee',
  'anonymous',
  'imminentThreat',
  'callerMayRecontact',
  'categories',
  'borough',
  'source',
  'channel',
  'recordedBy',
  'dataKey.masterKeyId',
] as const satisfies readonly (DocumentField | `${DocumentField}.${string}`)[];

/** Top-level fields whose values (encrypted or not) the envelope leaves out: each is protected by its own keyed chain. */
export const ENVELOPE_EXCLUDED_ROOTS = ['history', 'auditPending'] as const satisfies readonly DocumentField[];

/** Fields the MAC itself lives in; never part of the envelope. */
export const ENVELOPE_MAC_FIELDS = ['envelopeMac', 'envelopeParts'] as const;

const ENVELOPE_VERSION = 1;
/** Hex characters of each part's keyed digest: enough to name what changed, not to authenticate (the full MAC does). */
const PART_DIGEST_CHARS = 8;
const ID_ARRAYS = idAddressedArrays([...ENCRYPTED_FIELDS, ...PLAINTEXT_CONTENT_FIELDS].map((field) => `content.${field.path}`));
const SKIPPED_ROOTS = new Set<string>([...ENVELOPE_EXCLUDED_ROOTS, ...ENVELOPE_MAC_FIELDS, '_id']);

/** What the envelope covers: a report with or without the roots it leaves out (search reads it without them). */
export type EnvelopeDoc = Omit<ReportDoc, (typeof ENVELOPE_EXCLUDED_ROOTS)[number]>;

/** The stored MAC fields of a report. */
export interface EnvelopeSeal {
  envelopeMac: string;
  /** `<part>:<short keyed digest>` for each part, so a failed check can name what changed (never values). */
  envelopeParts: string[];
}

/** The envelope of a report: its id and every covered part by name, in a form canonicalJson encodes. */
export function envelopeOf(doc: EnvelopeDoc): { id: string; parts: Record<string, unknown> } {
  const parts: Record<string, unknown> = {};
  const record = doc as unknown as Record<string, unknown>;
  for (const path of ENVELOPE_PLAINTEXT_FIELDS) parts[path] = valueAt(record, path) ?? null;
  for (const [root, value] of Object.entries(record)) {
    if (SKIPPED_ROOTS.has(root) || value === null || value === undefined) continue;
    walkLeaves(value, ID_ARRAYS, (leaf, path) => {
      if (leaf instanceof Binary) parts[path] = Buffer.from(leaf.buffer.subarray(0, leaf.length())).toString('base64');
    }, root, root);
  }
  return { id: doc._id, parts };
}

function valueAt(record: Record<string, unknown>, path: string): unknown {
  let node: unknown = record;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A report whose envelope does not match its MAC: DATA_INTEGRITY naming the report and the parts, never values. */
export class ReportIntegrityError extends DecryptionError {
  constructor(
    recordId: string,
    readonly parts: string[],
  ) {
    super(recordId, `envelope: ${parts.join(', ')}`, 'does not match the report MAC');
    this.name = 'ReportIntegrityError';
  }
}

/** Computes, seals and checks report envelopes with the integrity key. */
export function createEnvelopeMac(integrity: Pick<Integrity, 'mac' | 'verify'>) {
  const encode = (id: string, parts: Record<string, unknown>) => canonicalJson({ v: ENVELOPE_VERSION, id, parts });
  const partDigests = (id: string, parts: Record<string, unknown>) =>
    Object.keys(parts)
      .sort()
      .map((name) => `${name}:${integrity.mac('reportEnvelope', canonicalJson({ part: name, id, value: parts[name] })).slice(0, PART_DIGEST_CHARS)}`);

  /** Names what differs between the stored part digests and the document as read; `envelopeMac` when nothing does (the MAC itself was replaced). */
  function diagnose(doc: EnvelopeDoc, parts: Record<string, unknown>): string[] {
    const stored = new Map((Array.isArray(doc.envelopeParts) ? doc.envelopeParts : []).map((p) => [String(p).slice(0, String(p).lastIndexOf(':')), String(p)]));
    const now = new Map(partDigests(doc._id, parts).map((p) => [p.slice(0, p.lastIndexOf(':')), p]));
    const differing = [
      ...[...stored.keys()].filter((name) => !now.has(name)).map((name) => `${name} (missing)`),
      ...[...now.keys()].filter((name) => !stored.has(name)).map((name) => `${name} (unexpected)`),
      ...[...now.keys()].filter((name) => stored.has(name) && stored.get(name) !== now.get(name)),
    ];
    return differing.length ? differing.slice(0, 8) : ['envelopeMac'];
  }

  /** The parts that fail the check, or null when the report is intact. */
  function problems(doc: EnvelopeDoc): string[] | null {
    if (typeof doc.envelopeMac !== 'string') return ['envelopeMac (missing)'];
    const { id, parts } = envelopeOf(doc);
    if (integrity.verify('reportEnvelope', encode(id, parts), doc.envelopeMac)) return null;
    return diagnose(doc, parts);
  }

  return {
    problems,
    /** The MAC fields to store with `doc` as it will be stored (every write of a report sets them). */
    seal(doc: ReportDoc): EnvelopeSeal {
      const { id, parts } = envelopeOf(doc);
      return { envelopeMac: integrity.mac('reportEnvelope', encode(id, parts)), envelopeParts: partDigests(id, parts) };
    },

    /** Throws ReportIntegrityError (DATA_INTEGRITY) unless the report is intact: call before decrypting or trusting its flags. */
    assert(doc: ReportDoc): void {
      const found = problems(doc);
      if (found) throw new ReportIntegrityError(doc._id, found);
    },
  };
}

export type EnvelopeMac = ReturnType<typeof createEnvelopeMac>;

/** The check every decrypting read makes (see the module comment). */
export function assertEnvelope(integrity: Pick<Integrity, 'mac' | 'verify'>, doc: ReportDoc): void {
  createEnvelopeMac(integrity).assert(doc);
}

/**
 * The report as an update leaves it, for its new envelope MAC (applyChange).
 * Only the shapes report changes use: top-level `$set`, and `$push` of one
 * value or `{ $each }` onto an array at a (dotted) path; anything else
 * throws, so a new shape fails in tests instead of writing a wrong MAC.
 */
export function afterChange(doc: ReportDoc, set: Partial<ReportDoc> | undefined, push: Record<string, unknown> | undefined): ReportDoc {
  const next = { ...doc, ...(set ?? {}), version: doc.version + 1 } as ReportDoc;
  for (const [path, value] of Object.entries(push ?? {})) {
    const keys = path.split('.');
    let node = next as unknown as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const child = node[key];
      if (child === null || typeof child !== 'object' || Array.isArray(child)) throw new Error(`applyChange: cannot $push at ${path}`);
      node = node[key] = { ...(child as Record<string, unknown>) };
    }
    const last = keys.at(-1)!;
    const list = node[last] ?? [];
    if (!Array.isArray(list)) throw new Error(`applyChange: ${path} is not an array`);
    const modifiers = value !== null && typeof value === 'object' && !(value instanceof Binary) ? Object.keys(value).filter((k) => k.startsWith('$')) : [];
    if (modifiers.some((k) => k !== '$each')) throw new Error(`applyChange: unsupported $push modifier at ${path}`);
    const each = modifiers.length ? (value as { $each: unknown }).$each : [value];
    if (!Array.isArray(each)) throw new Error(`applyChange: $each at ${path} is not an array`);
    node[last] = [...list, ...each];
  }
  return next;
}
