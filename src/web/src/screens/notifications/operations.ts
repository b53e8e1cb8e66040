/** The notification operations the console uses (typed by GraphQL Code Generator). */
import { graphql } from '../../gql';

export const MY_NOTIFICATIONS = graphql(`
  query MyNotifications($unreadOnly: Boolean, $first: Int, $after: String) {
    myNotifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
      unreadCount
      edges { cursor node { id kind reportId reference at read } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const UNREAD_NOTIFICATIONS = graphql(`
  query UnreadNotifications {
    myNotifications(unreadOnly: true, first: 1) { unreadCount }
  }
`);

export const MARK_NOTIFICATIONS_READ = graphql(`
  mutation MarkNotificationsRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }
`);

export const MARK_ALL_NOTIFICATIONS_READ = graphql(`
  mutation MarkAllNotificationsRead { markAllNotificationsRead }
`);

export const NOTIFICATION_ADDED = graphql(`
  subscription NotificationAdded { notificationAdded { id kind reportId reference at read } }
`);

/** What each kind of notification says, in plain words. */
export const KIND_TEXT: Record<string, string> = {
  LINK_ADDED: 'A new report was linked to',
  FOLLOW_UP: 'New information was added to',
  PARTNER_ANSWER: 'The partner answered a question on',
  REASSIGNED: 'You were given',
  SLA_WARNING: 'The deadline is near for',
  APPROVAL_NEEDED: 'A request waits for a second admin',
};
