/**
 * THE routing rules: loaded from a versioned JSON file, validated at
 * start-up, and applied by one pure function. Every decision records the
 * rule-set version and the rules that fired.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DESKS, type Desk } from '../auth/types.js';
import { PRIORITIES, THREAT_CATEGORIES, type Priority, type ReportDoc } from '../reports/types.js';

export const THREAT_LEVELS = ['LOW', 'MODERATE', 'SUBSTANTIAL', 'SEVERE', 'CRITICAL'] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

const ruleSetSchema = z.object({
  version: z.string().min(1),
  description: z.string().optional(),
  deskPrecedence: z.array(z.enum(DESKS)).length(DESKS.length),
  default: z.object({ desk: z.enum(DESKS), priority: z.enum(PRIORITIES), reason: z.string() }),
  rules: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9-]+$/),
        when: z
          .object({ imminentThreat: z.boolean().optional(), categoriesAny: z.array(z.enum(THREAT_CATEGORIES)).min(1).optional() })
          .refine((w) => w.imminentThreat !== undefined || w.categoriesAny, { message: 'a rule needs at least one condition' }),
        desk: z.enum(DESKS),
        priority: z.enum(PRIORITIES),
      }),
    )
    .min(1)
    .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, { message: 'rule ids must be unique' }),
  threatLevelUplift: z.record(z.enum(THREAT_LEVELS), z.number().int().min(0).max(3)),
});

export type RuleSet = z.infer<typeof ruleSetSchema>;

/** Reads and validates the rules file; throws naming the problems. */
export function loadRuleSet(file: string): RuleSet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`routing rules ${file}: ${(err as Error).message}`);
  }
  const r = ruleSetSchema.safeParse(raw);
  if (!r.success) throw new Error(`routing rules ${file} are invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface Decision {
  desk: Desk;
  priority: Priority;
  reasons: string[];
  ruleSetVersion: string;
}

export const raisePriority = (p: Priority, steps: number): Priority => PRIORITIES[Math.max(0, PRIORITIES.indexOf(p) - steps)]!;
export const moreUrgent = (a: Priority, b: Priority): Priority => (PRIORITIES.indexOf(a) <= PRIORITIES.indexOf(b) ? a : b);

/**
 * Routes a report: matching rules, then the national threat level, then the
 * links (a report linked to an open report goes to that report's desk, at a
 * priority no lower than it). `linked` holds only links confirmed by
 * decryption: a term shared by many reports (triage/linking.ts) is weak
 * evidence, never passed here, so it cannot change routing on its own.
 */
export function decide(
  rules: RuleSet,
  report: Pick<ReportDoc, 'imminentThreat' | 'categories'>,
  threatLevel: ThreatLevel,
  linked: { desk: Desk | null; priority: Priority | null; reference: string }[] = [],
): Decision {
  const fired = rules.rules.filter(
    (r) =>
      (r.when.imminentThreat === undefined || r.when.imminentThreat === report.imminentThreat) &&
      (!r.when.categoriesAny || r.when.categoriesAny.some((c) => report.categories.includes(c))),
  );
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
  return { desk, priority, reasons, ruleSetVersion: rules.version };
}
