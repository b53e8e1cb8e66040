/**
 * GraphQL for the supervisor's overview (reports/desk/overview.ts): thin resolvers, each
 * naming its policy operation and calling one desk service method.
 */
import { DeskEnum } from '../../auth/schema.js';
import { builder } from '../../graphql/builder.js';
import type { DeskPerson, DeskPriorityCount, Holder, SupervisorOverview } from '../desk/overview.js';
import { IntakeChannelEnum, PriorityEnum, ReportRef } from './report-schema.js';
import type { IntakeChannel } from '../model/types.js';

const DeskPriorityCountRef = builder.objectRef<DeskPriorityCount>('DeskPriorityCount').implement({
  description: "One desk and priority: reports waiting in its queue (and how many of them escalated) and reports held",
  fields: (t) => ({
    desk: t.field({ type: DeskEnum, nullable: false, resolve: (c) => c.desk }),
    priority: t.field({ type: PriorityEnum, nullable: false, resolve: (c) => c.priority }),
    unclaimed: t.exposeInt('unclaimed', { nullable: false }),
    escalated: t.exposeInt('escalated', { nullable: false, description: 'Of the unclaimed, those past their deadline' }),
    held: t.exposeInt('held', { nullable: false, description: 'Claimed and being worked (assigned or under research)' }),
  }),
});

const HolderRef = builder.objectRef<Holder>('ReportHolder').implement({
  description: 'A member of staff holding reports now, and which',
  fields: (t) => ({
    userId: t.exposeID('userId', { nullable: false }),
    username: t.exposeString('username', { nullable: false }),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (h) => h.desk }),
    count: t.int({ nullable: false, resolve: (h) => h.reports.length }),
    reports: t.field({ type: [ReportRef], nullable: false, resolve: (h) => h.reports }),
  }),
});

const ChannelCountRef = builder.objectRef<{ channel: IntakeChannel; count: number }>('ChannelCount').implement({
  fields: (t) => ({
    channel: t.field({ type: IntakeChannelEnum, nullable: false, resolve: (c) => c.channel }),
    count: t.exposeInt('count', { nullable: false }),
  }),
});

const OverviewRef = builder.objectRef<SupervisorOverview>('SupervisorOverview').implement({
  description: 'What the desks hold now, from the side tables (never a scan of reports); state only, no content',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', nullable: false, description: 'When these figures were read' }),
    day: t.exposeString('day', { nullable: false, description: 'The London day intakeToday counts, YYYY-MM-DD' }),
    counts: t.field({ type: [DeskPriorityCountRef], nullable: false, resolve: (o) => o.counts }),
    unclaimed: t.field({ type: [ReportRef], nullable: false, description: 'Unclaimed reports, soonest deadline first (the first 25 of each desk)', resolve: (o) => o.unclaimed }),
    escalated: t.field({ type: [ReportRef], nullable: false, description: 'Unclaimed reports past their deadline, most urgent first', resolve: (o) => o.escalated }),
    holders: t.field({ type: [HolderRef], nullable: false, description: 'Who holds which reports, most loaded first', resolve: (o) => o.holders }),
    intakeToday: t.field({ type: [ChannelCountRef], nullable: false, description: "Reports received today (London) by channel", resolve: (o) => o.intakeToday }),
  }),
});

const DeskPersonRef = builder.objectRef<DeskPerson>('DeskPerson').implement({
  description: 'An active investigator of a desk and how many reports they hold now',
  fields: (t) => ({
    userId: t.exposeID('userId', { nullable: false }),
    username: t.exposeString('username', { nullable: false }),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (p) => p.desk }),
    held: t.exposeInt('held', { nullable: false }),
  }),
});

builder.queryFields((t) => ({
  supervisorOverview: t.field({
    type: OverviewRef,
    nullable: false,
    description: "The supervisor's overview: unclaimed and held by desk and priority, deadlines, escalations, holders, today's intake",
    authScopes: { allow: 'supervisorOverview' },
    resolve: (_r, _a, ctx) => ctx.services.desk.supervisorOverview(ctx.principal),
  }),
  deskPeople: t.field({
    type: [DeskPersonRef],
    nullable: false,
    description: "A desk's active investigators with how many reports each holds, fewest first (whom to reassign to)",
    authScopes: { allow: 'deskPeople' },
    args: { desk: t.arg({ type: DeskEnum, required: true }) },
    resolve: (_r, { desk }, ctx) => ctx.services.desk.deskPeople(ctx.principal, desk),
  }),
}));
