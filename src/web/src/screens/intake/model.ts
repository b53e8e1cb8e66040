/**
 * The record-a-call form's model: its values, the zod rules (the server's own
 * limits from src/intake/limits.ts), the choices offered, the conversion to
 * the API's HotlineCallInput (blank rows and an empty caller block are not
 * sent), and where a server-named field path lands in the form.
 */
import { z } from 'zod';
import { INTAKE_LIMITS } from '../../../../intake/limits';
import { boroughName } from '../../ui/ui';
import type { Borough, HotlineCallInput, IntakeChannel, ThreatCategory } from '../../gql/graphql';

/** Channels a call handler records (partner referrals arrive through the partner API). */
export const CHANNELS: { value: Exclude<IntakeChannel, 'PARTNER_ORGANISATION'>; label: string }[] = [
  { value: 'ANTI_TERRORIST_HOTLINE', label: 'Anti-Terrorist Hotline' },
  { value: 'COMMUNITIES_TOGETHER_LINE', label: 'Communities Together line' },
  { value: 'CRIMESTOPPERS', label: 'Crimestoppers' },
  { value: 'SAFER_NEIGHBOURHOOD_TEAM', label: 'Safer Neighbourhood Team' },
  { value: 'ONLINE', label: 'Online' },
];

/** Every category, with the words a handler reads (a new enum value fails the typecheck here). */
export const CATEGORY_LABELS: Record<ThreatCategory, string> = {
  SUSPICIOUS_ITEM: 'Suspicious item',
  HOSTILE_RECONNAISSANCE: 'Hostile reconnaissance',
  STORAGE: 'Storage (chemicals, weapons, materials)',
  TRANSPORT: 'Transport (vehicles)',
  TRAVEL: 'Travel',
  FINANCE: 'Finance',
  ACCOMMODATION: 'Accommodation',
  RECRUITMENT_OR_BEHAVIOUR_CHANGE: 'Recruitment or behaviour change',
  EXTREMIST_MATERIAL: 'Extremist material',
  ONLINE_ACTIVITY: 'Online activity',
  OTHER: 'Other / not sure',
};
export const CATEGORIES = Object.keys(CATEGORY_LABELS) as ThreatCategory[];

/** Categories whose label has a word starting with what was typed (every typed word must match one). */
export function matchingCategories(query: string) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return CATEGORIES;
  return CATEGORIES.filter((c) => {
    const labelWords = CATEGORY_LABELS[c].toLowerCase().split(/[^a-z]+/).filter(Boolean);
    return words.every((w) => labelWords.some((l) => l.startsWith(w)));
  });
}


const BOROUGH_LIST = [
  'UNKNOWN', 'OUTSIDE_LONDON', 'BARKING_AND_DAGENHAM', 'BARNET', 'BEXLEY', 'BRENT', 'BROMLEY', 'CAMDEN', 'CITY_OF_LONDON',
  'CROYDON', 'EALING', 'ENFIELD', 'GREENWICH', 'HACKNEY', 'HAMMERSMITH_AND_FULHAM', 'HARINGEY', 'HARROW', 'HAVERING',
  'HILLINGDON', 'HOUNSLOW', 'ISLINGTON', 'KENSINGTON_AND_CHELSEA', 'KINGSTON_UPON_THAMES', 'LAMBETH', 'LEWISHAM', 'MERTON',
  'NEWHAM', 'REDBRIDGE', 'RICHMOND_UPON_THAMES', 'SOUTHWARK', 'SUTTON', 'TOWER_HAMLETS', 'WALTHAM_FOREST', 'WANDSWORTH', 'WESTMINSTER',
] as const satisfies readonly Borough[];
// A borough added to the schema and missing here fails the typecheck.
const boroughsComplete: [Exclude<Borough, (typeof BOROUGH_LIST)[number]>] extends [never] ? true : never = true;
void boroughsComplete;

export const BOROUGHS = BOROUGH_LIST.map((value) => ({ value, label: boroughName(value) }));

// As on the server: C0 controls other than tab, newline and carriage return, and DEL.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const text = (max: number) =>
  z
    .string()
    .max(max, { message: `Enter at most ${max.toLocaleString('en-GB')} characters` })
    .refine((s) => !FORBIDDEN_CHARS.test(s), { message: 'Remove the control character (it may have come with pasted text)' })
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'Remove the invalid character (it may have come with pasted text)' });

const aliases = z
  .string()
  .refine((s) => splitAliases(s).length <= INTAKE_LIMITS.aliases, { message: `Give at most ${INTAKE_LIMITS.aliases} aliases` })
  .refine((s) => splitAliases(s).every((a) => a.length <= INTAKE_LIMITS.name), { message: `Each alias can be at most ${INTAKE_LIMITS.name} characters` })
  .refine((s) => !FORBIDDEN_CHARS.test(s), { message: 'Remove the control character (it may have come with pasted text)' });

const subject = z.object({
  name: text(INTAKE_LIMITS.name),
  aliases,
  dateOfBirth: text(INTAKE_LIMITS.short),
  approximateAge: text(INTAKE_LIMITS.short),
  description: text(INTAKE_LIMITS.long),
  address: text(INTAKE_LIMITS.long),
  phone: text(INTAKE_LIMITS.phone),
});
const vehicle = z.object({
  registration: text(INTAKE_LIMITS.short),
  make: text(INTAKE_LIMITS.short),
  model: text(INTAKE_LIMITS.short),
  colour: text(INTAKE_LIMITS.short),
  notes: text(INTAKE_LIMITS.long),
});
const location = z.object({
  address: text(INTAKE_LIMITS.long),
  postcode: text(INTAKE_LIMITS.short),
  description: text(INTAKE_LIMITS.long),
});

/** The question prompts beside the narrative, in the order a handler asks them; each answer is stored (encrypted) for the investigator. */
export const PROMPTS = [
  { key: 'dangerNow', label: 'Is anyone in danger now?', hint: 'Who, and how soon' },
  { key: 'where', label: 'Where?', hint: 'Address, landmark, what the place looks like' },
  { key: 'when', label: 'When?', hint: 'When it happened, or when it will' },
  { key: 'who', label: 'Who?', hint: 'People involved, descriptions' },
  { key: 'vehicles', label: 'Vehicles?', hint: 'Registration, make, colour' },
  { key: 'weapons', label: 'Weapons?', hint: 'Weapons, chemicals, anything dangerous' },
  { key: 'howKnown', label: 'How does the caller know this?', hint: 'Saw it, was told, read it online' },
] as const;
export type PromptKey = (typeof PROMPTS)[number]['key'];

/** "21:07" (24-hour), as the hand-off time is typed. */
const HH_MM = /^([01]?\d|2[0-3]):[0-5]\d$/;

export const callSchema = z
  .object({
    channel: z.enum(CHANNELS.map((c) => c.value) as [IntakeChannel, ...IntakeChannel[]]),
    imminentThreat: z.boolean(),
    narrative: text(INTAKE_LIMITS.narrative).refine((s) => s.trim().length > 0, { message: 'Enter what the caller said' }),
    categories: z.array(z.enum(CATEGORIES as [ThreatCategory, ...ThreatCategory[]])).min(1, { message: 'Choose at least one category (Other / not sure if unsure)' }),
    borough: z.enum(BOROUGH_LIST),
    caller: z.object({
      name: text(INTAKE_LIMITS.name),
      phone: text(INTAKE_LIMITS.phone),
      email: text(INTAKE_LIMITS.short),
      address: text(INTAKE_LIMITS.long),
      preferredContactTimes: text(INTAKE_LIMITS.short),
      mayRecontact: z.boolean(),
      language: text(INTAKE_LIMITS.short),
      interpreter: text(INTAKE_LIMITS.short),
      safeContact: text(INTAKE_LIMITS.long),
      leaveMessage: z.enum(['', 'YES', 'NO']),
    }),
    handOff: z.object({ done: z.boolean(), time: z.string(), reference: text(INTAKE_LIMITS.short) }),
    prompts: z.object(Object.fromEntries(PROMPTS.map((p) => [p.key, text(INTAKE_LIMITS.long)])) as Record<PromptKey, ReturnType<typeof text>>),
    subjects: z.array(subject).max(INTAKE_LIMITS.listItems),
    vehicles: z.array(vehicle).max(INTAKE_LIMITS.listItems),
    locations: z.array(location).max(INTAKE_LIMITS.listItems),
  })
  .superRefine((v, ctx) => {
    const c = v.caller;
    if (c.mayRecontact && !c.phone.trim() && !c.email.trim() && !c.address.trim()) {
      ctx.addIssue({ code: 'custom', path: ['caller', 'phone'], message: 'To recontact the caller, give a phone number, an email or an address' });
    }
    if (v.handOff.done && v.handOff.time.trim() && !HH_MM.test(v.handOff.time.trim())) {
      ctx.addIssue({ code: 'custom', path: ['handOff', 'time'], message: 'Enter the time as hours and minutes, 24-hour, for example 21:07' });
    }
  });

export type CallValues = z.infer<typeof callSchema>;
export type SubjectValues = CallValues['subjects'][number];
export type VehicleValues = CallValues['vehicles'][number];
export type LocationValues = CallValues['locations'][number];

export const emptySubject = (): SubjectValues => ({ name: '', aliases: '', dateOfBirth: '', approximateAge: '', description: '', address: '', phone: '' });
export const emptyVehicle = (): VehicleValues => ({ registration: '', make: '', model: '', colour: '', notes: '' });
export const emptyLocation = (): LocationValues => ({ address: '', postcode: '', description: '' });

export const emptyCall = (): CallValues => ({
  channel: 'ANTI_TERRORIST_HOTLINE',
  imminentThreat: false,
  narrative: '',
  categories: [],
  borough: 'UNKNOWN',
  caller: { name: '', phone: '', email: '', address: '', preferredContactTimes: '', mayRecontact: false, language: '', interpreter: '', safeContact: '', leaveMessage: '' },
  handOff: { done: false, time: '', reference: '' },
  prompts: Object.fromEntries(PROMPTS.map((p) => [p.key, ''])) as Record<PromptKey, string>,
  subjects: [],
  vehicles: [],
  locations: [],
});

export function splitAliases(s: string): string[] {
  return s
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

/** True when the handler typed anything about the caller: otherwise no caller block is sent. */
export function callerGiven(c: CallValues['caller']): boolean {
  return c.mayRecontact || c.leaveMessage !== '' || [c.name, c.phone, c.email, c.address, c.preferredContactTimes, c.language, c.interpreter, c.safeContact].some((v) => v.trim() !== '');
}

/** True when the caller said who they are (the server's rule): a language or contact notes alone keep the caller anonymous. */
export function callerIdentified(c: CallValues['caller']): boolean {
  return [c.name, c.phone, c.email, c.address].some((v) => v.trim() !== '');
}

/** "HH:MM" today, as the 24-hour clock shows it now. */
export function clockNow(now = new Date()): string {
  return `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`;
}

/** The hand-off time typed as "HH:MM" as an instant: today, or yesterday when that would be ahead of now (a call across midnight). */
export function handOffInstant(time: string, now = new Date()): string | null {
  const m = HH_MM.exec(time.trim());
  if (!m) return null;
  const at = new Date(now);
  at.setHours(Number(m[1]), Number(time.trim().slice(-2)), 0, 0);
  if (at.getTime() > now.getTime() + 60_000) at.setDate(at.getDate() - 1);
  return at.toISOString();
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);
const blank = (row: Record<string, string>) => Object.values(row).every((v) => v.trim() === '');

/** The form's values as the API's input; blank rows are dropped, the caller block is sent only when filled. */
export function toInput(v: CallValues, idempotencyKey: string): HotlineCallInput {
  const c = v.caller;
  return {
    idempotencyKey,
    channel: v.channel,
    imminentThreat: v.imminentThreat,
    narrative: v.narrative,
    categories: v.categories,
    borough: v.borough,
    caller: callerGiven(c)
      ? {
          name: orNull(c.name),
          phone: orNull(c.phone),
          email: orNull(c.email),
          address: orNull(c.address),
          preferredContactTimes: orNull(c.preferredContactTimes),
          mayRecontact: c.mayRecontact,
          language: orNull(c.language),
          interpreter: orNull(c.interpreter),
          safeContact: orNull(c.safeContact),
          mayLeaveMessage: c.leaveMessage === '' ? null : c.leaveMessage === 'YES',
        }
      : null,
    callNotes: callNotesInput(v),
    subjects: v.subjects
      .filter((s) => !blank(s))
      .map((s) => ({
        name: orNull(s.name),
        aliases: splitAliases(s.aliases),
        dateOfBirth: orNull(s.dateOfBirth),
        approximateAge: orNull(s.approximateAge),
        description: orNull(s.description),
        address: orNull(s.address),
        phone: orNull(s.phone),
      })),
    vehicles: v.vehicles
      .filter((r) => !blank(r))
      .map((r) => ({ registration: orNull(r.registration), make: orNull(r.make), model: orNull(r.model), colour: orNull(r.colour), notes: orNull(r.notes) })),
    locations: v.locations.filter((r) => !blank(r)).map((r) => ({ address: orNull(r.address), postcode: orNull(r.postcode), description: orNull(r.description) })),
  };
}

/** The hand-off and the prompts' answers, or null when none was given. */
function callNotesInput(v: CallValues): HotlineCallInput['callNotes'] {
  const answers = Object.fromEntries(PROMPTS.map((p) => [p.key, orNull(v.prompts[p.key])])) as Record<PromptKey, string | null>;
  const handOff = v.handOff.done ? { at: handOffInstant(v.handOff.time), reference: orNull(v.handOff.reference) } : null;
  if (!handOff && Object.values(answers).every((a) => a === null)) return null;
  return { emergencyHandOff: handOff, ...answers };
}

/**
 * Where a server field path (["input", "subjects", "0", "aliases", "2"]) lands in the form
 * ("subjects.0.aliases"), or null when it names nothing the form shows. Row indexes are
 * those of the rows sent, so they are mapped back past any blank rows that were dropped.
 */
export function formPathOf(path: string[], v: CallValues): string | null {
  const [root, field, ...rest] = path;
  if (root !== 'input' || !field) return null;
  if (field === 'caller') return rest[0] && rest[0] in v.caller ? `caller.${rest[0]}` : 'caller.name';
  if (field === 'subjects' || field === 'vehicles' || field === 'locations') {
    const rows = v[field] as Record<string, string>[];
    const sent = rows.map((r, i) => (blank(r) ? -1 : i)).filter((i) => i >= 0);
    const index = sent[Number(rest[0])];
    if (index === undefined) return null;
    const leaf = rest[1];
    const row = rows[index]!;
    return `${field}.${index}.${leaf && leaf in row ? leaf : Object.keys(row)[0]}`;
  }
  if (field === 'callNotes') {
    if (rest[0] === 'emergencyHandOff') return rest[1] === 'reference' ? 'handOff.reference' : 'handOff.time';
    return rest[0] && rest[0] in v.prompts ? `prompts.${rest[0]}` : null;
  }
  if (field in v && field !== 'caller') return field;
  return null;
}

/** Ids of the form's inputs, so the error summary can link to them. */
export const fieldId = (name: string) => `call-${name.replace(/\./g, '-')}`;
