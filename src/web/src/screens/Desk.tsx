/**
 * The investigator's desk queue (/desk): the desk's triaged, unclaimed
 * reports, updated live by every change on the desk (heard on the
 * urgent-alert stream, or deskQueueChanged without it: any event refetches
 * the queue and is announced politely), "Claim next", claim-from-row and a
 * preview of a row before claiming it (no content, not an audited read). A
 * supervisor has no desk and chooses which one to watch.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ApiError, plainMessage, request } from '../api/client';
import { subscribe } from '../api/subscribe';
import type { Desk } from '../gql/graphql';
import { useSession } from '../session/session';
import { Empty, ErrorMessage, Loading, Select, formatTime } from '../ui/ui';
import { CLAIM, CLAIM_NEXT, DESK_QUEUE, DESK_QUEUE_CHANGED } from './desk/operations';
import { Preview } from './desk/Preview';
import { QueueTable, type QueueNode } from './desk/QueueTable';
import { useUrgentAlerts } from './alerts/UrgentAlerts';

const PAGE = 20;
const DESKS: { value: Desk; label: string }[] = [
  { value: 'SO12', label: 'SO12 (Special Branch: intelligence)' },
  { value: 'SO13', label: 'SO13 (Anti-Terrorist Branch: investigation)' },
];

export function DeskQueue() {
  const { session } = useSession();
  const own = session?.user.desk ?? null;
  // The urgent banner's "Go to the SO13 queue" opens that desk for a supervisor.
  const asked = (useLocation().state as { desk?: Desk } | null)?.desk;
  const [chosen, setChosen] = useState<Desk>(asked ?? 'SO12');
  useEffect(() => {
    if (asked) setChosen(asked);
  }, [asked]);
  const { alerts, fresh, listen } = useUrgentAlerts();
  const urgent = new Set(alerts.map((a) => a.reportId));
  const desk: Desk = own ?? chosen;
  const navigate = useNavigate();
  const [announcement, setAnnouncement] = useState('');
  const flash = (useLocation().state as { notice?: string } | null)?.notice;
  const [notice, setNotice] = useState<{ kind: 'warn' | 'error' | 'ok'; text: string } | null>(flash ? { kind: 'ok', text: flash } : null);
  const [claiming, setClaiming] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState<QueueNode | null>(null);

  const queue = useInfiniteQuery({
    queryKey: ['deskQueue', desk],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => request(DESK_QUEUE, { desk, first: PAGE, after: pageParam }),
    getNextPageParam: (last) => (last.deskQueue.pageInfo.hasNextPage ? last.deskQueue.pageInfo.endCursor : undefined),
    gcTime: 0,
  });
  const { refetch } = queue;

  // Live: from the urgent-alert stream, which carries every change on the user's desks (one connection fewer);
  // its own deskQueueChanged stream only without it.
  useEffect(() => {
    const changed = (at: string) => void refetch().then(() => setAnnouncement(`Queue updated at ${formatTime(at)}`));
    if (listen) return listen((change) => change.desk === desk && changed(change.at));
    return subscribe(DESK_QUEUE_CHANGED, { desk }, (data) => changed(data.deskQueueChanged.at));
  }, [desk, refetch, listen]);

  const rows: QueueNode[] = queue.data?.pages.flatMap((p) => p.deskQueue.edges.map((e) => e.node)) ?? [];

  async function claim(run: () => Promise<{ id: string } | null>, row?: QueueNode) {
    setNotice(null);
    setClaiming(row?.id ?? 'next');
    try {
      const claimed = await run();
      if (!claimed) {
        setNotice({ kind: 'warn', text: 'The queue is empty: there is nothing to claim.' });
        await refetch();
        return;
      }
      navigate(`/reports/${claimed.id}`);
    } catch (e) {
      const who = row ? `${row.reference} ` : 'That report ';
      const text =
        e instanceof ApiError && e.code === 'CONFLICT'
          ? `${who}was claimed or changed by someone else first. The queue has been reloaded: choose another report.`
          : plainMessage(e);
      setNotice({ kind: 'error', text });
      await refetch();
    } finally {
      setClaiming(null);
    }
  }

  return (
    <section aria-labelledby="desk-title">
      <h1 id="desk-title">Desk queue: {desk}</h1>
      {own === null && (
        <div className="desk-choice">
          <Select label="Desk to watch" value={desk} onChange={(e) => setChosen(e.target.value as Desk)} options={DESKS} />
        </div>
      )}
      <p className="subtitle">Triaged reports waiting to be claimed, most urgent first. The list updates by itself.</p>
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={claiming !== null} onClick={() => void claim(async () => (await request(CLAIM_NEXT, { desk })).claimNextReport)}>
          {claiming === 'next' ? 'Claiming…' : 'Claim next'}
        </button>
        {announcement && <span className="small" aria-hidden="true">{announcement}</span>}
      </div>
      {notice && (
        <div className={`alert ${notice.kind}`} role="alert">
          <p>{notice.text}</p>
        </div>
      )}
      {queue.isPending ? (
        <Loading what="Loading the queue" />
      ) : queue.isError ? (
        <ErrorMessage error={queue.error} onRetry={() => void refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No reports are waiting on {desk}. New ones appear here as soon as they are triaged.</Empty>
      ) : (
        <>
          {previewing && (
            <Preview
              id={previewing.id}
              claiming={claiming === previewing.id}
              onClaim={() => void claim(async () => (await request(CLAIM, { id: previewing.id })).claimReport, previewing)}
              onClose={() => {
                const ref = previewing.reference;
                setPreviewing(null);
                document.querySelector<HTMLButtonElement>(`button[aria-label="Preview ${ref}"]`)?.focus();
              }}
            />
          )}
          <QueueTable rows={rows} urgent={urgent} fresh={fresh} claiming={claiming} onPreview={setPreviewing} onClaim={(row) => void claim(async () => (await request(CLAIM, { id: row.id })).claimReport, row)} />
          {queue.hasNextPage && (
            <div className="actions">
              <button type="button" onClick={() => void queue.fetchNextPage()} disabled={queue.isFetchingNextPage}>
                {queue.isFetchingNextPage ? 'Loading more…' : 'Load more'}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
