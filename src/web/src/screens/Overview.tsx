/**
 * The supervisor's landing screen (/overview): what the desks hold right
 * now. Unclaimed and held reports by desk and priority, the unclaimed ones
 * with their deadlines counting down, escalations, who holds what, and
 * today's intake by channel. Live: every desk's change events
 * (supervisionChanged) re-read the figures; nothing polls. State only: the
 * overview never carries report content.
 */
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { request } from '../api/client';
import { graphql } from '../gql';
import type { IntakeChannel, SupervisorOverviewQuery } from '../gql/graphql';
import { useSession } from '../session/session';
import { DataTable, type Column } from '../ui/DataTable';
import { Empty, QueryState, age, countdown, formatTime } from '../ui/ui';
import { CHANNELS } from './intake/model';
import { useNow } from '../ui/useNow';
import { SUPERVISOR_QUEUE } from './oversight/SupervisorQueue';
import { useSupervisionEvents } from './oversight/useSupervisionEvents';

const OVERVIEW = graphql(`
  query SupervisorOverview {
    supervisorOverview {
      at
      day
      counts { desk priority unclaimed escalated held }
      unclaimed { id reference desk priority receivedAt dueBy escalated imminentThreat }
      escalated { id reference desk priority receivedAt dueBy }
      holders { userId username desk count reports { id reference priority status } }
      intakeToday { channel count }
    }
  }
`);

type Overview = SupervisorOverviewQuery['supervisorOverview'];
type Row = Overview['unclaimed'][number];

const CHANNEL_NAMES: Record<IntakeChannel, string> = {
  ...(Object.fromEntries(CHANNELS.map((c) => [c.value, c.label])) as Record<Exclude<IntakeChannel, 'PARTNER_ORGANISATION'>, string>),
  PARTNER_ORGANISATION: 'Partner organisation',
};

const DESK_NAMES: Record<string, string> = { SO12: 'SO12 (Special Branch)', SO13: 'SO13 (Anti-Terrorist Branch)' };
const deskName = (d: string | null | undefined) => (d ? (DESK_NAMES[d] ?? d) : '—');

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const Priority = ({ p }: { p: string | null | undefined }) => (p ? <span className={`badge ${p}`}>{p}</span> : <>—</>);

export function Overview() {
  const { can } = useSession();
  const query = useQuery({ queryKey: ['supervisorOverview'], queryFn: () => request(OVERVIEW) });
  // The supervisor queue's own query (same key as its screen): failures, escalations and stuck reports, counted here.
  const needing = useQuery({ queryKey: ['supervisorQueue'], queryFn: () => request(SUPERVISOR_QUEUE), enabled: can('supervisorQueue') });
  const [updated, setUpdated] = useState('');
  const now = useNow(1000);
  useSupervisionEvents(() => {
    if (can('supervisorQueue')) void needing.refetch();
    void query.refetch().then(() => setUpdated(`Overview updated at ${new Date().toLocaleTimeString('en-GB')}`));
  });

  const reference = (r: { id: string; reference: string }) => (can('report') ? <Link to={`/reports/${r.id}`}>{r.reference}</Link> : r.reference);

  const unclaimedColumns: Column<Row>[] = [
    { header: 'Reference', rowHeader: true, className: 'mono', cell: reference },
    { header: 'Desk', cell: (r) => deskName(r.desk) },
    { header: 'Priority', cell: (r) => <Priority p={r.priority} /> },
    { header: 'Waiting', cell: (r) => age(r.receivedAt, now) },
    { header: 'Claim by', className: (r) => (countdown(r.dueBy, now).overdue ? 'overdue' : undefined), cell: (r) => countdown(r.dueBy, now).text },
    {
      header: 'Flags',
      cell: (r) => (
        <>
          {r.imminentThreat && <span className="badge P1">Imminent</span>} {r.escalated && <span className="badge escalated">Escalated</span>}
          {!r.imminentThreat && !r.escalated && <span className="small">None</span>}
        </>
      ),
    },
  ];

  return (
    <div className="oversight">
      <div className="actions oversight-head">
        <h1>Overview</h1>
        <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
          {query.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="hint">
        Live: it changes as reports are routed, claimed, released, escalated or reassigned.
        {query.data && <> Figures read at {formatTime(query.data.supervisorOverview.at)}.</>}
      </p>
      <div role="status" aria-live="polite" className="sr-only">
        {updated}
      </div>
      <QueryState query={query} loading="Loading the overview">
        {(d) => <OverviewBody o={d.supervisorOverview} needSupervisor={needing.data?.supervisorQueue.length ?? null} unclaimedColumns={unclaimedColumns} reference={reference} now={now} />}
      </QueryState>
    </div>
  );
}

function OverviewBody({
  o,
  needSupervisor,
  unclaimedColumns,
  reference,
  now,
}: {
  o: Overview;
  /** Reports in the supervisor queue (null: not known or not allowed). */
  needSupervisor: number | null;
  unclaimedColumns: Column<Row>[];
  reference: (r: { id: string; reference: string }) => ReactNode;
  now: number;
}) {
  const unclaimed = sum(o.counts.map((c) => c.unclaimed));
  const escalated = sum(o.counts.map((c) => c.escalated));
  const held = sum(o.counts.map((c) => c.held));
  const received = sum(o.intakeToday.map((c) => c.count));
  const p1Waiting = sum(o.counts.filter((c) => c.priority === 'P1').map((c) => c.unclaimed));
  const [y, m, d] = o.day.split('-');
  const desks = [...new Set(o.counts.map((c) => c.desk))];
  const priorities = [...new Set(o.counts.map((c) => c.priority))];
  const countOf = (desk: string, priority: string) => o.counts.find((c) => c.desk === desk && c.priority === priority);

  return (
    <>
      <ul className="overview-figures" aria-label="At a glance">
        <li className={p1Waiting ? 'alarm' : undefined}>
          <span className="figure">{p1Waiting}</span> P1 unclaimed
        </li>
        <li>
          <span className="figure">{unclaimed}</span> unclaimed
        </li>
        <li className={escalated ? 'alarm' : undefined}>
          <span className="figure">{escalated}</span> escalated
        </li>
        <li>
          <span className="figure">{held}</span> being worked
        </li>
        <li>
          <span className="figure">{received}</span> received today
        </li>
        {needSupervisor !== null && (
          <li className={needSupervisor ? 'alarm' : undefined}>
            <span className="figure">{needSupervisor}</span> <Link to="/supervisor">need a supervisor</Link>
          </li>
        )}
      </ul>

      <section aria-labelledby="ov-counts">
        <h2 id="ov-counts">By priority and desk</h2>
        <DataTable
          caption="Unclaimed and held reports by priority and desk"
          captionHidden
          rows={priorities}
          rowKey={(p) => p}
          columns={[
            { header: 'Priority', rowHeader: true, cell: (p) => <Priority p={p} /> },
            ...desks.flatMap((desk): Column<string>[] => [
              {
                header: `${desk} unclaimed`,
                cell: (p) => {
                  const c = countOf(desk, p);
                  return (
                    <>
                      {c?.unclaimed ?? 0}
                      {c?.escalated ? <span className="overdue"> ({c.escalated} escalated)</span> : null}
                    </>
                  );
                },
              },
              { header: `${desk} being worked`, cell: (p) => countOf(desk, p)?.held ?? 0 },
            ]),
          ]}
        />
      </section>

      <section aria-labelledby="ov-unclaimed">
        <h2 id="ov-unclaimed">Unclaimed, soonest deadline first</h2>
        {o.unclaimed.length === 0 ? (
          <Empty>No report is waiting to be claimed.</Empty>
        ) : (
          <DataTable caption="Unclaimed reports with the time left to claim them" captionHidden rows={o.unclaimed} rowKey={(r) => r.id} columns={unclaimedColumns} />
        )}
      </section>

      <section aria-labelledby="ov-escalated">
        <h2 id="ov-escalated">Escalated</h2>
        <p className="hint">
          Unclaimed past their deadline. Reassign them from the <Link to="/supervisor">supervisor queue</Link>.
        </p>
        {o.escalated.length === 0 ? (
          <Empty>Nothing is escalated.</Empty>
        ) : (
          <DataTable
            caption="Escalated reports"
            captionHidden
            rows={o.escalated}
            rowKey={(r) => r.id}
            columns={[
              { header: 'Reference', rowHeader: true, className: 'mono', cell: reference },
              { header: 'Desk', cell: (r) => deskName(r.desk) },
              { header: 'Priority', cell: (r) => <Priority p={r.priority} /> },
              { header: 'Claim by', className: (r) => (countdown(r.dueBy, now).overdue ? 'overdue' : undefined), cell: (r) => countdown(r.dueBy, now).text },
            ]}
          />
        )}
      </section>

      <section aria-labelledby="ov-holders">
        <h2 id="ov-holders">Who holds what</h2>
        {o.holders.length === 0 ? (
          <Empty>Nobody holds a report.</Empty>
        ) : (
          <DataTable
            caption="Reports held, by person, most first"
            captionHidden
            rows={o.holders}
            rowKey={(h) => h.userId}
            columns={[
              { header: 'Person', rowHeader: true, cell: (h) => h.username },
              { header: 'Desk', cell: (h) => deskName(h.desk) },
              { header: 'Holds', cell: (h) => h.count },
              {
                header: 'Reports',
                cell: (h) => (
                  <ul className="holder-reports">
                    {h.reports.map((r) => (
                      <li key={r.id}>
                        <span className="mono">{reference(r)}</span> <Priority p={r.priority} />
                      </li>
                    ))}
                  </ul>
                ),
              },
            ]}
          />
        )}
      </section>

      <section aria-labelledby="ov-intake">
        <h2 id="ov-intake">
          Received today ({d}/{m}/{y}) by channel
        </h2>
        <DataTable
          caption="Reports received today by channel"
          captionHidden
          rows={o.intakeToday}
          rowKey={(c) => c.channel}
          columns={[
            { header: 'Channel', rowHeader: true, cell: (c) => CHANNEL_NAMES[c.channel] },
            { header: 'Reports', cell: (c) => c.count },
          ]}
        />
      </section>
    </>
  );
}
