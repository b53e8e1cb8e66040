/**
 * What may go into an audit entry. Audit entries are readable by auditors and
 * kept for years, so they carry who/what/when and non-sensitive details only
 * (field names, reasons typed by staff, counts, references). Callers are
 * trusted to respect that; this module is the second line of defence: it
 * rebuilds the event from known fields only and refuses details that look
 * like content, identities or secrets. Error messages name the offending
 * path, never the value (which may be the very thing that must not leak).
 */
import type { Actor, ActorType, AuditEventInput, AuditTarget } from './types.js';

/** A detail that breaks the rules: a bug in the caller, reported as an internal error. */
export class AuditRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditRejectedError';
  }
}

/**
 * Words that must not name a detail key. A key is split into words at case
 * changes, digits and punctuation (`callerPhone` → caller, phone; `api_key` →
 * api, key), and refused when one of its words is listed here, or when its
 * lowercased text contains one of the longer words (`callername`). "key" is
 * matched as a whole word only, so `monkey` passes but `keyId` does not.
 */
export const SENSITIVE_DETAIL_WORDS: readonly string[] = [
  'narrative', 'content', 'plaintext', 'cleartext', 'ciphertext', 'envelope',
  'caller', 'phone', 'email',
  'password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'credentials',
  'key', 'apikey', 'datakey', 'privatekey',
];
const SUBSTRING_WORDS = SENSITIVE_DETAIL_WORDS.filter((w) => w.length >= 5);
const WORDS = new Set(SENSITIVE_DETAIL_WORDS);

const MAX_DEPTH = 8;
/** Canonical size limit for details: reasons typed by staff fit easily, documents do not. */
export const MAX_DETAILS_BYTES = 16 * 1024;

const ACTOR_TYPES = new Set<ActorType>(['user', 'partner', 'system', 'anonymous']);
const TARGET_TYPES = new Set<AuditTarget['type']>(['report', 'user', 'partner', 'system', 'audit', 'keys', 'webhook']);
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_TEXT = 200;

/** Plain JSON as stored in an entry's details. */
export type DetailValue = null | boolean | number | string | Date | DetailValue[] | { [key: string]: DetailValue };

/** True when `key` reads like a name for content, caller identity or a credential. */
export function isSensitiveKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
  if (words.some((w) => WORDS.has(w))) return true;
  const flat = key.toLowerCase();
  return SUBSTRING_WORDS.some((w) => flat.includes(w));
}

/**
 * A deep copy of `details` as plain JSON, or an AuditRejectedError. Refused:
 * bytes (Uint8Array, Buffer, BSON Binary: ciphertext has no place in the
 * audit log), sensitive keys (isSensitiveKey), keys that MongoDB or the
 * canonical encoding treat specially (`$…`, dots, NUL), non-finite numbers,
 * malformed strings, class instances, nesting deeper than 8, more than 16 KiB.
 * `undefined` members are dropped and `undefined` array items become null, so
 * what is hashed is exactly what the database stores and returns.
 */
export function sanitizeDetails(details: Record<string, unknown> | undefined): Record<string, DetailValue> {
  if (details === undefined || details === null) return {};
  const out = copy(details, 'details', 0);
  if (out === null || typeof out !== 'object' || Array.isArray(out) || out instanceof Date) {
    throw new AuditRejectedError('audit details must be an object');
  }
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_DETAILS_BYTES) {
    throw new AuditRejectedError(`audit details exceed ${MAX_DETAILS_BYTES} bytes; keep them to names, reasons and counts`);
  }
  return out;
}

function copy(value: unknown, path: string, depth: number): DetailValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new AuditRejectedError(`audit details must hold finite numbers (${path})`);
      return value;
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new AuditRejectedError(`audit details must hold well-formed text (${path})`);
      return value;
    case 'object':
      break;
    default:
      throw new AuditRejectedError(`audit details must be plain JSON (${path} is a ${typeof value})`);
  }
  if (depth >= MAX_DEPTH) throw new AuditRejectedError(`audit details are nested too deeply (${path})`);
  if (value instanceof Uint8Array || (value as { _bsontype?: unknown })._bsontype === 'Binary') {
    throw new AuditRejectedError(`audit details must not contain binary data, which may be ciphertext (${path})`);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new AuditRejectedError(`audit details hold an invalid date (${path})`);
    return new Date(value.getTime());
  }
  if (Array.isArray(value)) return value.map((item, i) => (item === undefined ? null : copy(item, `${path}[${i}]`, depth + 1)));
  const proto = Object.getPrototypeOf(value) as unknown;
  if ((value as { _bsontype?: unknown })._bsontype !== undefined || (proto !== Object.prototype && proto !== null)) {
    throw new AuditRejectedError(`audit details must be plain JSON (${path} is not a plain object)`);
  }
  const out: { [key: string]: DetailValue } = {};
  for (const [key, member] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (key === '' || key.startsWith('$') || key.includes('.') || key.includes('\0') || LONE_SURROGATE.test(key)) {
      throw new AuditRejectedError(`audit details have a key MongoDB cannot store safely (${path})`);
    }
    if (isSensitiveKey(key)) throw new AuditRejectedError(`audit details must not contain sensitive keys (${at})`);
    if (member === undefined) continue;
    out[key] = copy(member, at, depth + 1);
  }
  return out;
}

function text(value: unknown, what: string, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new AuditRejectedError(`audit event needs ${what}`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT || LONE_SURROGATE.test(value)) {
    throw new AuditRejectedError(`audit event has an invalid ${what}`);
  }
  return value;
}

/** The actor with known fields only (an object passed by mistake, e.g. a whole user document, is cut down). */
export function sanitizeActor(actor: Actor): Actor {
  if (!actor || !ACTOR_TYPES.has(actor.type)) throw new AuditRejectedError('audit event has an invalid actor type');
  const id = text(actor.id, 'actor id', false);
  const name = text(actor.name, 'actor name', false);
  return { type: actor.type, ...(id !== undefined ? { id } : {}), ...(name !== undefined ? { name } : {}) };
}

function sanitizeTarget(target: AuditTarget | undefined | null): AuditTarget | null {
  if (target === undefined || target === null) return null;
  if (!TARGET_TYPES.has(target.type)) throw new AuditRejectedError('audit event has an invalid target type');
  const id = text(target.id, 'target id', false);
  return { type: target.type, ...(id !== undefined ? { id } : {}) };
}

/** The event rebuilt from known fields, every rule above applied. */
export function sanitizeEvent(event: AuditEventInput) {
  const details = sanitizeDetails(event.details); // first: the rule that matters most reports first
  if (typeof event.action !== 'string' || event.action.length > 100 || !ACTION.test(event.action)) {
    throw new AuditRejectedError('audit action must be a dotted lowercase verb such as "report.read"');
  }
  const outcome = event.outcome ?? 'success';
  if (outcome !== 'success' && outcome !== 'failure') throw new AuditRejectedError('audit outcome must be success or failure');
  return {
    action: event.action,
    actor: sanitizeActor(event.actor),
    target: sanitizeTarget(event.target),
    outcome,
    details,
  } as const;
}
