/**
 * The notification bell in the header: a link to /notifications with the
 * unread count, kept live by the notificationAdded subscription (a new
 * notification refreshes every notification query and is announced politely).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { NavLink } from 'react-router';
import { request } from '../../api/client';
import { subscribe } from '../../api/subscribe';
import { KIND_TEXT, NOTIFICATION_ADDED, UNREAD_NOTIFICATIONS } from './operations';

export function NotificationBell() {
  const client = useQueryClient();
  const [announcement, setAnnouncement] = useState('');
  const unread = useQuery({ queryKey: ['notifications', 'unread'], queryFn: () => request(UNREAD_NOTIFICATIONS) });
  useEffect(
    () =>
      subscribe(NOTIFICATION_ADDED, {}, (data) => {
        const n = data.notificationAdded;
        setAnnouncement(`New notification: ${KIND_TEXT[n.kind] ?? n.kind}${n.reference ? ` ${n.reference}` : ''}`);
        void client.invalidateQueries({ queryKey: ['notifications'] });
      }),
    [client],
  );
  const count = unread.data?.myNotifications.unreadCount ?? 0;
  const label = count === 0 ? 'Notifications, none unread' : `Notifications, ${count} unread`;
  return (
    <>
      <NavLink to="/notifications" className="bell" aria-label={label}>
        <svg className="bell-icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        <span aria-hidden="true">Notifications</span>
        {count > 0 && (
          <span className="bell-count" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </NavLink>
      <span className="sr-only" role="status" aria-live="polite">
        {announcement}
      </span>
    </>
  );
}
