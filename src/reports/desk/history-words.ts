/**
 * A report's history in words, for the console: "Status changed from Under
 * research to Closed; outcome: Arrest", "Reassigned: holder from alice to
 * bob". The stored entries keep their machine form (the hash chain covers
 * it); this only reads them. Internal ids (user ids, note, follow-up, link
 * and key ids) never appear: users are named through `names` (resolved by
 * the service that read the report), everything else is left out.
 */
import { OUTCOME_LABELS, isCloseOutcome } from '../model/outcomes.js';
import type { HistoryEntry } from '../model/types.js';

/** User id to words, for the ids a history holds (actors, holders): a username, or what the viewer may know instead (staff-names.ts). */
export type UserNames = ReadonlyMap<string, string>;

/** What each action says, past tense; an action not listed is shown in plain words from its name. */
export const ACTION_WORDS: Record<string, string> = {
  received: 'Received',
  triaged: 'Triaged',
  triage_failed: 'Triage failed',
  triage_retried: 'Sent back to triage',
  escalated: 'Escalated: unclaimed past its deadline',
  linked: 'Linked to another report by triage',
  linked_manually: 'Linked to another report by a supervisor',
  unlinked: 'Link to another report removed',
  claimed: 'Claimed',
  released: 'Released to the queue',
  status_changed: 'Status changed',
  note_added: 'Research note added',
  graded: 'Graded',
  referred: 'Referred to another desk',
  reassigned: 'Reassigned',
  reopened: 'Reopened',
  erased: 'Erased (content destroyed)',
  priority_changed: 'Priority changed',
  categories_changed: 'Categories changed',
  disseminated: 'Shared outside the unit',
  follow_up_recorded: 'Follow-up call recorded',
  referral_added: 'Partner added information',
  question_posted: 'Question sent to the partner',
  partner_answered: 'Partner answered a question',
  attachment_added: 'File attached',
  key_rewrapped: 'Data key re-wrapped under a new master key',
  keys_rotated: 'Search index re-keyed',
};

/** An investigator's judgement on a link (reports/desk/link-review.ts: `to.review`), which no supervisor made. */
const REVIEW_WORDS: Record<string, string> = {
  'linked_manually:proposed': 'Linked to another report by an investigator',
  'linked_manually:confirmed': 'Possible link to another report confirmed by an investigator',
  'unlinked:wrong': 'Possible link to another report marked wrong by an investigator',
};

/** The fields shown, with their words; any other field (ids, keys, internal flags) is left out. */
const FIELD_WORDS: Record<string, string> = {
  status: 'status',
  desk: 'desk',
  priority: 'priority',
  assignee: 'holder',
  grading: 'grading',
  outcome: 'outcome',
  categories: 'categories',
  escalated: 'escalated',
  recipientKind: 'shared with',
  reasons: 'shared',
};

const LINK_REASONS: Record<string, string> = { vehicle: 'a vehicle', phone: 'a phone number', postcode: 'a postcode', name: 'a name' };

/** "UNDER_RESEARCH" → "Under research". */
export function plainWords(value: string): string {
  const s = value.replace(/_/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function valueWords(field: string, value: unknown, names: UserNames): string {
  if (value === null || value === undefined) return field === 'assignee' ? 'nobody' : 'none';
  if (field === 'assignee') return typeof value === 'string' ? (names.get(value) ?? 'a staff member') : 'nobody';
  if (field === 'outcome') return isCloseOutcome(value) ? OUTCOME_LABELS[value] : 'none';
  if (field === 'grading' && typeof value === 'string' && value.length === 3) return `S${value[0]} / ${value[1]} / ${value[2]}`;
  if (field === 'reasons' && Array.isArray(value)) return value.map((r) => LINK_REASONS[String(r)] ?? plainWords(String(r)).toLowerCase()).join(', ');
  if (Array.isArray(value)) return value.map((v) => plainWords(String(v))).join(', ') || 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (field === 'desk' || field === 'priority') return String(value);
  return plainWords(String(value));
}

/** One history entry as a sentence. */
export function describeHistoryEntry(entry: Pick<HistoryEntry, 'action' | 'from' | 'to'>, names: UserNames = new Map()): string {
  const head = REVIEW_WORDS[`${entry.action}:${String(entry.to?.review ?? '')}`] ?? ACTION_WORDS[entry.action] ?? plainWords(entry.action);
  const from = entry.from ?? {};
  const to = entry.to ?? {};
  const parts: string[] = [];
  for (const field of Object.keys(FIELD_WORDS)) {
    const had = field in from;
    const has = field in to;
    if (!had && !has) continue;
    const label = FIELD_WORDS[field]!;
    if (had && has) {
      const before = valueWords(field, from[field], names);
      const after = valueWords(field, to[field], names);
      if (before !== after) parts.push(`${label} from ${before} to ${after}`);
    } else if (has) {
      const value = valueWords(field, to[field], names);
      if (value !== head) parts.push(`${label}: ${value}`); // "Received", not "Received; status: Received"
    }
    else parts.push(`${label} was ${valueWords(field, from[field], names)}`);
  }
  return parts.length ? `${head}; ${parts.join('; ')}` : head;
}

/**
 * Who made the change, in words: the user's or partner's name, never an id.
 * A user named in `names` is named as it says (a username, or "an
 * investigator on SO12" for another desk's staff: staff-names.ts), before the
 * username the entry stored.
 */
export function describeActor(actor: HistoryEntry['actor'], names: UserNames = new Map()): string {
  if (actor.type === 'user' && names.has(actor.id)) return names.get(actor.id)!;
  if (actor.name) return actor.name;
  if (actor.type === 'system') return 'The system';
  if (actor.type === 'partner') return 'The referring partner';
  return 'A staff member';
}

/** The user ids a history names (actors, holders), to resolve to usernames, or to words where the viewer may not know them. */
export function userIdsIn(history: readonly Pick<HistoryEntry, 'actor' | 'from' | 'to'>[], more: (string | null)[] = []): string[] {
  const ids = new Set<string>(more.filter((id): id is string => !!id));
  for (const e of history) {
    if (e.actor.type === 'user') ids.add(e.actor.id);
    for (const side of [e.from, e.to]) if (side && typeof side.assignee === 'string') ids.add(side.assignee);
  }
  return [...ids];
}
