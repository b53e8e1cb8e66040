/**
 * GraphQL for the routing rules: who may see the rules in force (supervisors,
 * auditors, admins: rules are not report content) and reload them (admins;
 * see src/auth/policy.ts). Reload reads the configured file only: no path
 * comes from a client.
 */
import { DeskEnum } from '../auth/schema.js';
import { assertThat, unauthenticated } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { BoroughEnum, IntakeChannelEnum, PriorityEnum, ReportSourceEnum, ThreatCategoryEnum } from '../reports/graphql/report-schema.js';
import type { RuleSet } from './rules.js';
import { ThreatLevelEnum } from './schema.js';

type Rule = RuleSet['rules'][number];

const RoutingCondition = builder.objectRef<Rule['when']>('RoutingCondition').implement({
  description: 'Every condition given must hold; a list matches any of its values',
  fields: (t) => ({
    imminentThreat: t.boolean({ nullable: true, resolve: (w) => w.imminentThreat ?? null }),
    categoriesAny: t.field({ type: [ThreatCategoryEnum], nullable: true, resolve: (w) => w.categoriesAny ?? null }),
    boroughsAny: t.field({ type: [BoroughEnum], nullable: true, resolve: (w) => w.boroughsAny ?? null }),
    channelsAny: t.field({ type: [IntakeChannelEnum], nullable: true, resolve: (w) => w.channelsAny ?? null }),
    source: t.field({ type: ReportSourceEnum, nullable: true, resolve: (w) => w.source ?? null }),
    partnersAny: t.idList({ nullable: true, description: 'Partner ids (stable, unlike names)', resolve: (w) => w.partnersAny ?? null }),
  }),
});

const RoutingRule = builder.objectRef<Rule>('RoutingRule').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    when: t.field({ type: RoutingCondition, resolve: (r) => r.when }),
    desk: t.field({ type: DeskEnum, resolve: (r) => r.desk }),
    priority: t.field({ type: PriorityEnum, resolve: (r) => r.priority }),
  }),
});

const ThreatLevelUplift = builder.objectRef<{ level: keyof RuleSet['threatLevelUplift']; steps: number }>('ThreatLevelUplift').implement({
  fields: (t) => ({ level: t.field({ type: ThreatLevelEnum, resolve: (u) => u.level }), steps: t.exposeInt('steps') }),
});

const RoutingRules = builder.objectRef<{ rules: RuleSet; loadedAt: Date }>('RoutingRules').implement({
  description: 'The routing rules in force in the answering process',
  fields: (t) => ({
    version: t.string({ description: "The file's own version string", resolve: (r) => r.rules.version }),
    versionId: t.string({ description: 'Version plus content hash: what each routed report records as its ruleSetVersion', resolve: (r) => r.rules.versionId }),
    description: t.string({ nullable: true, resolve: (r) => r.rules.description ?? null }),
    loadedAt: t.field({ type: 'DateTime', resolve: (r) => r.loadedAt }),
    deskPrecedence: t.field({ type: [DeskEnum], resolve: (r) => r.rules.deskPrecedence }),
    defaultDesk: t.field({ type: DeskEnum, resolve: (r) => r.rules.default.desk }),
    defaultPriority: t.field({ type: PriorityEnum, resolve: (r) => r.rules.default.priority }),
    rules: t.field({ type: [RoutingRule], resolve: (r) => r.rules.rules }),
    threatLevelUplift: t.field({
      type: [ThreatLevelUplift],
      resolve: (r) => Object.entries(r.rules.threatLevelUplift).map(([level, steps]) => ({ level: level as keyof RuleSet['threatLevelUplift'], steps: steps ?? 0 })),
    }),
  }),
});

const RoutingRulesReload = builder.objectRef<{ rules: RuleSet; loadedAt: Date; previous: string; changed: boolean }>('RoutingRulesReload').implement({
  fields: (t) => ({
    inForce: t.field({ type: RoutingRules, resolve: (r) => r }),
    previousVersionId: t.exposeString('previous'),
    changed: t.exposeBoolean('changed', { description: 'False when the file held the rules already in force' }),
  }),
});

builder.queryField('routingRules', (t) =>
  t.field({ type: RoutingRules, authScopes: { allow: 'routingRules' }, resolve: (_r, _a, ctx) => ctx.services.routingRules.inForce() }),
);

builder.mutationField('reloadRoutingRules', (t) =>
  t.field({
    type: RoutingRulesReload,
    description: 'Re-reads the configured rules file; an invalid file is refused (BAD_USER_INPUT naming each rule and field) and the rules in force stay; every process follows a reload',
    authScopes: { allow: 'reloadRoutingRules' },
    resolve: async (_r, _a, ctx) => {
      assertThat(ctx.principal, unauthenticated);
      return ctx.services.routingRules.reload(ctx.principal);
    },
  }),
);
