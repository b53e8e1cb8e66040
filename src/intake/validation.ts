/**
 * Intake input rules and limits, in one place. Errors name the field path and
 * never contain the value (a narrative must not end up in an error log).
 *
 * Limits: narrative 1–20,000 characters; names 200; addresses, descriptions
 * and notes 2,000; other short fields 200; up to 20 subjects, 20 vehicles,
 * 20 locations and 10 aliases per subject; receivedAt at most 5 minutes in
 * the future and 30 days in the past (so is a 999 hand-off time); the call
 * handler's prompt answers and safe-to-contact notes 2,000 each.
 */
import { z } from 'zod';
import { badInput } from '../errors.js';
import { BOROUGHS, INTAKE_CHANNELS, THREAT_CATEGORIES } from '../reports/model/types.js';
import { INTAKE_LIMITS } from './limits.js';

export { INTAKE_LIMITS };

// C0 controls other than tab, newline and carriage return, DEL, and lone surrogates.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

const text = (max: number, opts: { multiline?: boolean } = {}) =>
  z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .refine((s) => s.isWellFormed(), { message: 'contains an invalid character (lone surrogate)' })
    .refine((s) => !FORBIDDEN_CHARS.test(s), { message: 'contains a control character' })
    .refine((s) => opts.multiline || !/[\r\n]/.test(s), { message: 'must be a single line' })
    .transform((s) => s.trim());

const optionalText = (max: number, opts?: { multiline?: boolean }) =>
  text(max, opts)
    .nullish()
    .transform((s) => (s ? s : null));

const list = <T extends z.ZodTypeAny>(item: T, max: number) =>
  z
    .array(item)
    .max(max, { message: `at most ${max} items` })
    .nullish()
    .transform((v) => v ?? []);

const subjectSchema = z.object({
  name: optionalText(INTAKE_LIMITS.name),
  aliases: list(text(INTAKE_LIMITS.name), INTAKE_LIMITS.aliases),
  dateOfBirth: optionalText(INTAKE_LIMITS.short),
  approximateAge: optionalText(INTAKE_LIMITS.short),
  description: optionalText(INTAKE_LIMITS.long, { multiline: true }),
  address: optionalText(INTAKE_LIMITS.long, { multiline: true }),
  phone: optionalText(INTAKE_LIMITS.phone),
});

const vehicleSchema = z.object({
  registration: optionalText(INTAKE_LIMITS.short),
  make: optionalText(INTAKE_LIMITS.short),
  model: optionalText(INTAKE_LIMITS.short),
  colour: optionalText(INTAKE_LIMITS.short),
  notes: optionalText(INTAKE_LIMITS.long, { multiline: true }),
});

const locationSchema = z.object({
  address: optionalText(INTAKE_LIMITS.long, { multiline: true }),
  postcode: optionalText(INTAKE_LIMITS.short),
  description: optionalText(INTAKE_LIMITS.long, { multiline: true }),
});

const idempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/, { message: 'must be 8-128 characters of A-Z a-z 0-9 . _ : -' });

const common = {
  idempotencyKey,
  narrative: text(INTAKE_LIMITS.narrative, { multiline: true }).refine((s) => s.length > 0, { message: 'must not be empty' }),
  categories: z
    .array(z.enum(THREAT_CATEGORIES))
    .min(1, { message: 'choose at least one category (OTHER if unsure)' })
    .max(THREAT_CATEGORIES.length)
    .transform((c) => [...new Set(c)]),
  imminentThreat: z.boolean(),
  borough: z
    .enum(BOROUGHS)
    .nullish()
    .transform((b) => b ?? 'UNKNOWN'),
  subjects: list(subjectSchema, INTAKE_LIMITS.listItems),
  vehicles: list(vehicleSchema, INTAKE_LIMITS.listItems),
  locations: list(locationSchema, INTAKE_LIMITS.listItems),
};

const when = (field: string) =>
  z
    .date()
    .nullish()
    .superRefine((d, ctx) => {
      if (!d) return;
      if (d.getTime() > Date.now() + INTAKE_LIMITS.futureSkewMs) ctx.addIssue({ code: 'custom', message: `${field} is in the future` });
      if (d.getTime() < Date.now() - INTAKE_LIMITS.pastMs) ctx.addIssue({ code: 'custom', message: `${field} is more than 30 days ago` });
    });

export const hotlineCallSchema = z.object({
  ...common,
  channel: z.enum(INTAKE_CHANNELS).refine((c) => c !== 'PARTNER_ORGANISATION', { message: 'partner referrals use submitPartnerReferral' }),
  receivedAt: when('receivedAt'),
  callDurationSeconds: z.number().int().min(0).max(86_400).nullish(),
  caller: z
    .object({
      name: optionalText(INTAKE_LIMITS.name),
      phone: optionalText(INTAKE_LIMITS.phone),
      email: optionalText(INTAKE_LIMITS.short),
      address: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      mayRecontact: z.boolean(),
      preferredContactTimes: optionalText(INTAKE_LIMITS.short),
      language: optionalText(INTAKE_LIMITS.short),
      interpreter: optionalText(INTAKE_LIMITS.short),
      safeContact: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      mayLeaveMessage: z.boolean().nullish(),
    })
    .nullish(),
  callNotes: z
    .object({
      /** Present when the call was passed to 999; `at` defaults to the time it is recorded. */
      emergencyHandOff: z.object({ at: when('emergencyHandOff.at'), reference: optionalText(INTAKE_LIMITS.short) }).nullish(),
      dangerNow: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      where: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      when: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      who: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      vehicles: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      weapons: optionalText(INTAKE_LIMITS.long, { multiline: true }),
      howKnown: optionalText(INTAKE_LIMITS.long, { multiline: true }),
    })
    .nullish(),
});
export type HotlineCallInput = z.infer<typeof hotlineCallSchema>;

export const partnerReferralSchema = z.object({
  ...common,
  partnerReference: optionalText(INTAKE_LIMITS.short),
  receivedByPartnerAt: when('receivedByPartnerAt'),
});
export type PartnerReferralInput = z.infer<typeof partnerReferralSchema>;

/** Parses or throws BAD_USER_INPUT naming the first bad field (and how many more). */
export function parseInput<S extends z.ZodTypeAny>(schema: S, raw: unknown, root = 'input'): z.infer<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = issues[0]!;
  const path = [root, ...first.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const message = first.code === 'invalid_value' || first.code === 'invalid_type' ? 'has an invalid value' : first.message;
  throw badInput(`${path.join('.')} ${message}${more}`, path);
}

/**
 * A follow-up (a caller ringing back about a reference, a partner adding to
 * its receipt): the report's own narrative, subjects, vehicles and locations,
 * under the same limits; no categories, flags or caller identity.
 */
export const followUpSchema = z.object({
  idempotencyKey,
  narrative: common.narrative,
  subjects: common.subjects,
  vehicles: common.vehicles,
  locations: common.locations,
});
export type FollowUpInput = z.infer<typeof followUpSchema>;

/** A caller's follow-up call: a follow-up, and whether the caller now reports an imminent threat (it raises the report to P1). */
export const followUpCallSchema = followUpSchema.extend({
  imminentThreat: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
});
