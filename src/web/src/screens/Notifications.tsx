/**
 * My notifications (/notifications): what happened to the reports I hold,
 * newest first, unread ones marked; open a report (which marks its
 * notification read), mark one or all read, show unread only. Refreshed
 * live by the bell's subscription (notifications/Bell.tsx).
 */
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { request } from '../api/client';
import { useSession } from '../session/session';
import { Checkbox, ErrorMessage, Notice, QueryState, formatTime } from '../ui/ui';
import { KIND_TEXT, MARK_ALL_NOTIFICATIONS_READ, MARK_NOTIFICATIONS_READ, MY_NOTIFICATIONS } from './notifications/operations';

const PAGE = 20;

export function Notifications() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [message, setMessage] = useState('');
  const client = useQueryClient();
  const navigate = useNavigate();
  const { can } = useSession();
  const list = useInfiniteQuery({
    queryKey: ['notifications', 'list', unreadOnly],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => request(MY_NOTIFICATIONS, { unreadOnly, first: PAGE, after: pageParam }),
    getNextPageParam: (last) => (last.myNotifications.pageInfo.hasNextPage ? last.myNotifications.pageInfo.endCursor : undefined),
    gcTime: 0,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ['notifications'] });
  const markRead = useMutation({ mutationFn: (ids: string[]) => request(MARK_NOTIFICATIONS_READ, { ids }), onSuccess: refresh });
  const markAll = useMutation({
    mutationFn: () => request(MARK_ALL_NOTIFICATIONS_READ),
    onSuccess: async () => {
      setMessage('All notifications are marked read.');
      await refresh();
    },
  });
  const rows = list.data?.pages.flatMap((p) => p.myNotifications.edges.map((e) => e.node)) ?? [];
  const unread = list.data?.pages[0]?.myNotifications.unreadCount ?? 0;

  /** Opens what a notification is about: its report, or (APPROVAL_NEEDED) the admin's list of requests. */
  async function open(id: string, to: string, read: boolean) {
    if (!read) await markRead.mutateAsync([id]).catch(() => undefined); // opening the report matters more than the mark
    navigate(to);
  }
  const targetOf = (n: { reportId?: string | null }) => (n.reportId ? `/reports/${n.reportId}` : '/admin/users#requests');

  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <p className="subtitle">What happened to the reports you hold{can('pendingRoleGrants') ? ', and requests waiting for a second admin' : ''}. {unread === 0 ? 'Nothing unread.' : `${unread} unread.`}</p>
      <div className="actions">
        <Checkbox label="Show unread only" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
        <button type="button" onClick={() => markAll.mutate()} disabled={markAll.isPending || unread === 0}>
          {markAll.isPending ? 'Marking…' : 'Mark all read'}
        </button>
      </div>
      <Notice message={message} />
      <ErrorMessage error={markRead.error ?? markAll.error} />
      <QueryState query={list} loading="Loading notifications" isEmpty={() => rows.length === 0} empty={unreadOnly ? 'No unread notifications.' : 'No notifications yet.'}>
        {() => (
          <ul className="notifications">
            {rows.map((n) => (
              <li key={n.id} className={n.read ? 'read' : 'unread'}>
                <span className={`badge ${n.read ? '' : 'unread'}`}>{n.read ? 'Read' : 'Unread'}</span>{' '}
                <span>
                  {KIND_TEXT[n.kind] ?? n.kind}{' '}
                  <a href={targetOf(n)} onClick={(e) => { e.preventDefault(); void open(n.id, targetOf(n), n.read); }}>
                    {n.reference ?? 'Open the requests'}
                  </a>
                </span>{' '}
                <span className="small">{formatTime(n.at)}</span>
                {!n.read && (
                  <button type="button" className="mark" onClick={() => markRead.mutate([n.id])} disabled={markRead.isPending} aria-label={`Mark read: ${n.reference ?? KIND_TEXT[n.kind] ?? n.kind}`}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {list.hasNextPage && (
        <div className="actions">
          <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? 'Loading…' : 'Show older'}
          </button>
        </div>
      )}
    </section>
  );
}
