/**
 * THE routing rules: a versioned JSON file, validated when loaded (at
 * start-up and on every reload, see rules-holder.ts), and applied by one pure
 * function. Every decision records the rule set's version id (the file's
 * `version` plus a hash of its bytes) and the rules that fired.
 *
 * Conditions read plaintext routing fields only (crypto/encrypted-fields.ts
 * PLAINTEXT_DOCUMENT_FIELDS): routing never decrypts content.
 * Guarded by: tests/unit/rules.test.ts (the shipped file's decisions, and every condition and refusal).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DESKS, type Desk } from '../auth/types.js';
import { AppError } from '../errors.js';
import { BOROUGHS, INTAKE_CHANNELS, PRIORITIES, REPORT_SOURCES, THREAT_CATEGORIES, type Priority, type ReportDoc } from '../reports/model/types.js';

export const THREAT_LEVELS = ['LOW', 'MODERATE', 'SUBSTANTIAL', 'SEVERE', 'CRITICAL'] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

/** What a rule may test; every condition given must hold (AND); a list matches any of its values (OR). */
const conditionSchema = z
  .object({
    imminentThreat: z.boolean().optional(),
    categoriesAny: z.array(z.enum(THREAT_CATEGORIES)).min(1).optional(),
    boroughsAny: z.array(z.enum(BOROUGHS)).min(1).optional(),
    channelsAny: z.array(z.enum(INTAKE_CHANNELS)).min(1).optional(),
    source: z.enum(REPORT_SOURCES).optional(),
    /** Partner ids (stable; a partner's name can be changed or reused), matched against the referral's recorder. */
    partnersAny: z.array(z.string().min(1).max(100)).min(1).optional(),
  })
  .strict()
  .refine((w) => Object.values(w).some((v) => v !== undefined), { message: 'a rule needs at least one condition' });

const ruleSetSchema = z
  .object({
    version: z.string().min(1).max(100),
    description: z.string().optional(),
    deskPrecedence: z.array(z.enum(DESKS)).length(DESKS.length),
    default: z.object({ desk: z.enum(DESKS), priority: z.enum(PRIORITIES), reason: z.string() }).strict(),
    rules: z
      .array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), when: conditionSchema, desk: z.enum(DESKS), priority: z.enum(PRIORITIES) }).strict())
      .min(1)
      .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, { message: 'rule ids must be unique' }),
    threatLevelUplift: z.record(z.enum(THREAT_LEVELS), z.number().int().min(0).max(3)),
  })
  .strict();

export type RuleSet = z.infer<typeof ruleSetSchema> & {
  /** `<version>+<first 12 hex of the file's SHA-256>`: two files with the same version string are told apart. */
  versionId: string;
};
export type RoutingCondition = z.infer<typeof conditionSchema>;

/** A rules file that does not parse or validate; `problems` name the rule id and field of each. */
export class RulesInvalidError extends AppError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super('BAD_USER_INPUT', `routing rules ${file} are invalid: ${problems.join('; ')}`, { problems });
    this.name = 'RulesInvalidError';
  }
}

/** "rule \"finance\" (rules[7]) when.boroughsAny[0]" from a zod path, so an operator finds the line. */
function placeOf(raw: unknown, path: readonly PropertyKey[]): string {
  const spell = (p: readonly PropertyKey[]) => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${String(s)}` : String(s))).join('');
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return spell(path) || '(file)';
  const id = (raw as { rules?: { id?: unknown }[] }).rules?.[path[1]]?.id;
  const rest = path.slice(2);
  return `rule ${typeof id === 'string' ? JSON.stringify(id) : '(no id)'} (rules[${path[1]}])${rest.length ? ` ${spell(rest)}` : ''}`;
}

/** Validates the bytes of a rules file; throws RulesInvalidError naming every problem at once. */
export function parseRuleSet(bytes: Buffer | string, file: string): RuleSet {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString());
  } catch (err) {
    throw new RulesInvalidError(file, [`not JSON: ${(err as Error).message}`]);
  }
  const r = ruleSetSchema.safeParse(raw);
  if (!r.success) throw new RulesInvalidError(file, r.error.issues.map((i) => `${placeOf(raw, i.path)}: ${i.message}`));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return { ...r.data, versionId: `${r.data.version}+${hash}` };
}

/** Reads and validates the rules file; throws RulesInvalidError naming the problems (an unreadable file too). */
export function loadRuleSet(file: string): RuleSet {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new RulesInvalidError(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseRuleSet(bytes, file);
}

export interface Decision {
  desk: Desk;
  priority: Priority;
  reasons: string[];
  /** The rule set's version id (RuleSet.versionId). */
  ruleSetVersion: string;
}

/** The plaintext routing fields a decision reads (never content). */
export type RoutedReport = Pick<ReportDoc, 'imminentThreat' | 'categories'> & Partial<Pick<ReportDoc, 'borough' | 'channel' | 'source' | 'recordedBy'>>;

export const raisePriority = (p: Priority, steps: number): Priority => PRIORITIES[Math.max(0, PRIORITIES.indexOf(p) - steps)]!;
export const moreUrgent = (a: Priority, b: Priority): Priority => (PRIORITIES.indexOf(a) <= PRIORITIES.indexOf(b) ? a : b);

/** Whether every condition of `when` holds for the report (a condition on a field the report lacks does not hold). */
export function conditionHolds(when: RoutingCondition, report: RoutedReport): boolean {
  const partner = report.recordedBy?.type === 'partner' ? report.recordedBy.id : undefined;
  const within = <T>(list: readonly T[] | undefined, value: T | undefined) => !list || (value !== undefined && list.includes(value));
  return (
    (when.imminentThreat === undefined || when.imminentThreat === report.imminentThreat) &&
    (!when.categoriesAny || when.categoriesAny.some((c) => report.categories.includes(c))) &&
    within(when.boroughsAny, report.borough) &&
    within(when.channelsAny, report.channel) &&
    (when.source === undefined || when.source === report.source) &&
    within(when.partnersAny, partner)
  );
}

/**
 * Routes a report: matching rules, then the national threat level, then the
 * links (a report linked to an open report goes to that report's desk, at a
 * priority no lower than it). `linked` holds only links confirmed by
 * decryption: a term shared by many reports (triage/linking.ts) is weak
 * evidence, never passed here, so it cannot change routing on its own.
 */
export function decide(
  rules: RuleSet,
  report: RoutedReport,
  threatLevel: ThreatLevel,
  linked: { desk: Desk | null; priority: Priority | null; reference: string }[] = [],
): Decision {
  const fired = rules.rules.filter((r) => conditionHolds(r.when, report));
  let desk: Desk = rules.default.desk;
  let priority: Priority = rules.default.priority;
  const reasons: string[] = [];
  if (fired.length) {
    desk = rules.deskPrecedence.find((d) => fired.some((r) => r.desk === d))!;
    priority = fired.map((r) => r.priority).reduce(moreUrgent);
    reasons.push(...fired.map((r) => `rule:${r.id}`));
  } else {
    reasons.push(`rule:default`);
  }
  const uplift = rules.threatLevelUplift[threatLevel] ?? 0;
  if (uplift > 0 && priority !== 'P1') {
    priority = raisePriority(priority, uplift);
    reasons.push(`threat-level:${threatLevel}`);
  }
  const open = linked.filter((l) => l.desk && l.priority);
  if (open.length) {
    const top = open.reduce((a, b) => (moreUrgent(a.priority!, b.priority!) === a.priority ? a : b));
    // The desk and priority, never the linked report's reference: reasons outlive an erasure of the other report, and the link itself says which one (to those who may know).
    if (top.desk !== desk) reasons.push(`linked-desk:${top.desk}`);
    desk = top.desk!;
    if (moreUrgent(top.priority!, priority) !== priority) reasons.push(`linked-priority:${top.priority}`);
    priority = moreUrgent(top.priority!, priority);
  }
  return { desk, priority, reasons, ruleSetVersion: rules.versionId };
}
