/**
 * GraphQL for notifications: the caller's own inbox (`myNotifications`),
 * marking read, and the live `notificationAdded` stream (SSE, like
 * deskQueueChanged). Resolvers call `ctx.services.notifications` only.
 */
import { builder } from '../graphql/builder.js';
import type { NotificationEvent } from './events.js';
import { NOTIFICATION_KINDS, type NotificationView } from './types.js';

const NotificationKindEnum = builder.enumType('NotificationKind', {
  description: 'What happened to a report the recipient holds, or (admins) a request waiting for a second admin',
  values: {
    LINK_ADDED: { description: 'A newly triaged report was linked to it' },
    FOLLOW_UP: { description: 'A caller or partner added information to it' },
    PARTNER_ANSWER: { description: "The partner answered an investigator's question on it" },
    REASSIGNED: { description: 'A supervisor gave it to the recipient' },
    SLA_WARNING: { description: 'Its deadline is near and it is not yet under research' },
    APPROVAL_NEEDED: { description: 'Another admin asked for a change that needs a second admin (pendingRoleGrants); names no report' },
  } satisfies Record<(typeof NOTIFICATION_KINDS)[number], unknown>,
});

const NotificationRef = builder.objectRef<NotificationView>('Notification').implement({
  description: 'One notification: the kind of event, the report it concerns (if any) and the minute; never content',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: NotificationKindEnum, resolve: (n) => n.kind }),
    reportId: t.exposeID('reportId', { nullable: true, description: 'Null for APPROVAL_NEEDED' }),
    reference: t.exposeString('reference', { nullable: true, description: 'Null for APPROVAL_NEEDED' }),
    at: t.expose('at', { type: 'DateTime', description: 'To the minute' }),
    read: t.exposeBoolean('read'),
  }),
});

const NotificationConnection = builder.connectionObject(
  {
    type: NotificationRef,
    name: 'NotificationConnection',
    description: 'A page of notifications, newest first',
    fields: (t) => ({
      unreadCount: t.int({ description: 'Unread notifications among the newest 500', resolve: (c) => (c as unknown as { unreadCount: number }).unreadCount }),
    }),
  },
  { name: 'NotificationEdge' },
);

builder.queryFields((t) => ({
  myNotifications: t.field({
    type: NotificationConnection,
    description: 'Notifications about the reports I hold, newest first',
    authScopes: { allow: 'myNotifications' },
    args: { unreadOnly: t.arg.boolean(), first: t.arg.int({ description: '1 to 100, default 20' }), after: t.arg.string() },
    resolve: (_r, args, ctx) => ctx.services.notifications.list(ctx.principal, args),
  }),
}));

builder.mutationFields((t) => ({
  markNotificationsRead: t.int({
    description: 'Marks some of my notifications read; returns my unread count',
    authScopes: { allow: 'markNotificationsRead' },
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_r, { ids }, ctx) => ctx.services.notifications.markRead(ctx.principal, ids.map(String)),
  }),
  markAllNotificationsRead: t.int({
    description: 'Marks all my notifications read; returns my unread count',
    authScopes: { allow: 'markAllNotificationsRead' },
    resolve: (_r, _a, ctx) => ctx.services.notifications.markAllRead(ctx.principal),
  }),
}));

builder.subscriptionFields((t) => ({
  notificationAdded: t.field({
    type: NotificationRef,
    description: 'My notifications as they are made',
    authScopes: { allow: 'notificationAdded' },
    subscribe: (_r, _a, ctx) => ctx.services.notifications.subscribe(ctx.principal),
    resolve: (event: NotificationEvent) => ({ ...event, at: new Date(event.at) }),
  }),
}));
