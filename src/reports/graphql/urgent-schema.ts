/**
 * GraphQL for urgent alerts (src/reports/desk/urgent-alerts.ts): the unclaimed
 * P1 and imminent-threat reports on the desks the caller watches, as a list
 * (`urgentAlerts`, for a console that has just opened) and live
 * (`urgentAlertChanged`, SSE like deskQueueChanged). Reference, desk and
 * priority only: never content.
 */
import { DeskEnum } from '../../auth/schema.js';
import { builder } from '../../graphql/builder.js';
import { PriorityEnum } from './report-schema.js';
import type { UrgentAlert, UrgentAlertChange } from '../desk/urgent-alerts.js';

const UrgentAlertRef = builder.objectRef<UrgentAlert>('UrgentAlert').implement({
  description: 'An unclaimed P1 or imminent-threat report waiting on a desk: what a banner may show, nothing of its content',
  fields: (t) => ({
    reportId: t.exposeID('reportId', { nullable: false }),
    reference: t.exposeString('reference', { nullable: false }),
    desk: t.field({ type: DeskEnum, nullable: false, resolve: (a) => a.desk }),
    priority: t.field({ type: PriorityEnum, nullable: false, resolve: (a) => a.priority }),
    escalated: t.exposeBoolean('escalated', { nullable: false, description: 'Raised because it was still unclaimed at its deadline' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', nullable: false }),
  }),
});

const UrgentAlertChangeRef = builder.objectRef<UrgentAlertChange>('UrgentAlertChange').implement({
  description: "A change on a watched desk: the report's alert now, or null when it no longer needs one (claimed, moved, lowered)",
  fields: (t) => ({
    reportId: t.exposeID('reportId', { nullable: false }),
    desk: t.field({ type: DeskEnum, nullable: false, resolve: (c) => c.desk }),
    kind: t.exposeString('kind', { nullable: false, description: 'The desk queue event behind it (see DeskQueueEvent.kind)' }),
    at: t.expose('at', { type: 'DateTime', nullable: false }),
    alert: t.field({ type: UrgentAlertRef, nullable: true, resolve: (c) => c.alert }),
  }),
});

builder.queryFields((t) => ({
  urgentAlerts: t.field({
    type: [UrgentAlertRef],
    nullable: false,
    description: 'Unclaimed P1 and imminent-threat reports on your desk (supervisors: every desk), most urgent then oldest first',
    authScopes: { allow: 'urgentAlerts' },
    resolve: (_r, _a, ctx) => ctx.services.desk.urgentAlerts(ctx.principal),
  }),
}));

builder.subscriptionFields((t) => ({
  urgentAlertChanged: t.field({
    type: UrgentAlertChangeRef,
    nullable: false,
    description: 'Every queue change on your desk (supervisors: every desk) with the report\'s urgent alert now, or null',
    authScopes: { allow: 'urgentAlertChanged' },
    subscribe: (_r, _a, ctx) => ctx.services.desk.subscribeUrgentAlerts(ctx.principal),
    resolve: (change: UrgentAlertChange) => change,
  }),
}));
