/**
 * An audit entry as a person reads it: the action's name, who acted, what it
 * was about and its details as labelled values, with usernames, partner
 * names and report references in place of internal ids (looked up a page at
 * a time by the caller: auditor.ts). Sealed reasons, keyed hashes and random
 * internal ids are left out (labels.ts, HIDDEN_DETAILS). The audit screen and
 * its CSV export both read this, so the two always say the same.
 */
import { actionLabel, DETAIL_LABELS, HIDDEN_DETAILS } from './labels.js';
import type { AuditEntry } from './types.js';

/** One detail in words. */
export interface AuditFact {
  label: string;
  value: string;
}

/** What the screen and the export show for an entry. */
export interface AuditEntryWords {
  actionLabel: string;
  actorLabel: string;
  actorTypeLabel: string;
  targetLabel: string | null;
  facts: AuditFact[];
}

/** Names for the ids a page of entries mentions (absent: not known, e.g. a deleted account). */
export interface AuditNames {
  users: ReadonlyMap<string, string>;
  partners: ReadonlyMap<string, string>;
  reports: ReadonlyMap<string, string>;
  /** Typed usernames of failed sign-ins that name an account; any other is shown as not kept. */
  knownUsernames: ReadonlySet<string>;
}

/** Detail keys whose value is a user id. */
const USER_ID_DETAILS = new Set(['fromAssignee', 'toAssignee', 'requestedBy']);
/** Detail keys whose value is a code or name shown as written (desks SO12, references, key ids, names). */
const CODE_DETAILS = new Set(['desk', 'fromDesk', 'toDesk', 'reference', 'signer', 'inForce', 'changedFrom', 'name']);
const ACTOR_TYPE_LABELS: Record<string, string> = { user: 'Staff', partner: 'Partner', system: 'System', anonymous: 'Not signed in' };
const TARGET_TYPE_LABELS: Record<string, string> = { report: 'Report', user: 'User', partner: 'Partner', system: 'System', audit: 'Audit log', keys: 'Keys', webhook: 'Webhook' };
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** "fromStatus" → "From status", "rate_limited" → "Rate limited", "ESCALATED" → "Escalated". */
export function words(code: string): string {
  const s = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** dd/mm/yyyy HH:mm in UTC (the server does not know the reader's zone, so it says which it uses). */
export function formatUtc(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** Every id an entry names that a name can replace, for one batch of look-ups per page. */
export function idsToName(entries: readonly AuditEntry[]) {
  const users = new Set<string>();
  const partners = new Set<string>();
  const reports = new Set<string>();
  const usernames = new Set<string>();
  for (const e of entries) {
    if (e.actor.type === 'user' && e.actor.id && !e.actor.name) users.add(e.actor.id);
    if (e.target?.id && e.target.type === 'user') users.add(e.target.id);
    if (e.target?.id && e.target.type === 'partner') partners.add(e.target.id);
    if (e.target?.id && e.target.type === 'report' && typeof e.details.reference !== 'string') reports.add(e.target.id);
    for (const k of USER_ID_DETAILS) if (typeof e.details[k] === 'string') users.add(e.details[k] as string);
    if (e.action === 'auth.login' && typeof e.details.username === 'string') usernames.add(e.details.username);
  }
  return { users: [...users], partners: [...partners], reports: [...reports], usernames: [...usernames] };
}

/** The entry in words, with the names looked up for its page. */
export function describeEntry(e: AuditEntry, names: AuditNames): AuditEntryWords {
  return {
    actionLabel: actionLabel(e.action),
    actorLabel: actorLabel(e, names),
    actorTypeLabel: ACTOR_TYPE_LABELS[e.actor.type] ?? words(e.actor.type),
    targetLabel: targetLabel(e, names),
    facts: factsOf(e, names),
  };
}

function actorLabel(e: AuditEntry, names: AuditNames): string {
  const { type, id, name } = e.actor;
  if (type === 'anonymous') return 'Not signed in';
  if (name) return name;
  if (type === 'user') return (id && names.users.get(id)) || 'An account no longer on record';
  if (type === 'partner') return (id && names.partners.get(id)) || 'A partner no longer on record';
  return id ? words(id) : 'System';
}

function targetLabel(e: AuditEntry, names: AuditNames): string | null {
  const t = e.target;
  if (!t) return null;
  const kind = TARGET_TYPE_LABELS[t.type] ?? words(t.type);
  if (!t.id) return kind;
  switch (t.type) {
    case 'report': {
      const ref = typeof e.details.reference === 'string' ? e.details.reference : names.reports.get(t.id);
      return ref ? `Report ${ref}` : 'A report no longer on record';
    }
    case 'user': {
      const u = names.users.get(t.id);
      return u ? `User ${u}` : 'An account no longer on record';
    }
    case 'partner': {
      const p = names.partners.get(t.id) ?? (typeof e.details.name === 'string' ? e.details.name : undefined);
      return p ? `Partner ${p}` : 'A partner no longer on record';
    }
    case 'system':
      // Named parts (threatLevel) read as words; generated ids (a review's) name nothing a reader can use.
      return /^[a-z][a-zA-Z]*$/.test(t.id) ? words(t.id) : kind;
    default:
      return kind;
  }
}

function factsOf(e: AuditEntry, names: AuditNames): AuditFact[] {
  const facts: AuditFact[] = [];
  for (const [key, raw] of Object.entries(e.details)) {
    if (HIDDEN_DETAILS.has(key) || raw === null || raw === undefined) continue;
    // The target column already names the report.
    if (key === 'reference' && e.target?.type === 'report') continue;
    const value = valueOf(e, key, raw, names);
    if (value !== null && value !== '') facts.push({ label: DETAIL_LABELS[key] ?? words(key), value });
  }
  return facts;
}

function valueOf(e: AuditEntry, key: string, raw: unknown, names: AuditNames): string | null {
  if (USER_ID_DETAILS.has(key)) return typeof raw === 'string' ? (names.users.get(raw) ?? 'an account no longer on record') : 'nobody';
  // A failed sign-in keeps a typed name that is no account only as a keyed hash: meaningless to show.
  if (key === 'username' && e.action === 'auth.login' && typeof raw === 'string' && !names.knownUsernames.has(raw)) return 'not kept (no such account)';
  if (key === 'candidates' || key === 'linked') return Array.isArray(raw) ? String(raw.length) : (scalar(key, raw) ?? null);
  if (key === 'terms' && Array.isArray(raw)) {
    return raw
      .map((t) => (t && typeof t === 'object' && typeof (t as { field?: unknown }).field === 'string' ? words((t as { field: string }).field) : null))
      .filter(Boolean)
      .join(', ');
  }
  if (Array.isArray(raw)) return raw.map((v) => (typeof v === 'object' && v !== null ? null : scalar(key, v))).filter((v) => v !== null).join(', ');
  if (raw instanceof Date) return formatUtc(raw);
  if (typeof raw === 'object') {
    const parts = Object.entries(raw as Record<string, unknown>)
      .filter(([k, v]) => v !== null && v !== undefined && !HIDDEN_DETAILS.has(k) && typeof v !== 'object')
      .map(([k, v]) => `${DETAIL_LABELS[k] ?? words(k)}: ${scalar(k, v)}`);
    return parts.length ? parts.join('; ') : 'none';
  }
  return scalar(key, raw);
}

function scalar(key: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return formatUtc(v);
  if (typeof v !== 'string') return null;
  if (ISO_TIME.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return formatUtc(d);
  }
  if (key === 'action') return actionLabel(v);
  if (CODE_DETAILS.has(key) || key === 'username' || key === 'reason') return key === 'reason' && /^[a-z_]+$/.test(v) ? words(v) : v;
  // Codes (ESCALATED, bad_password, link-candidate) read as words; anything else as written.
  return /^[A-Z][A-Z0-9_]*$|^[a-z]+([_-][a-z]+)+$|^[a-z]+$/.test(v) ? words(v) : v;
}
