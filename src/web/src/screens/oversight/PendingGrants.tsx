/**
 * Requests waiting for a second admin (separation of duties, README): role
 * grants, re-enabling a user, moving a desk, resetting a second factor, opening
 * a partner organisation's admin account (its "User" is the organisation).
 * Every admin sees them; Approve and Reject are offered only to admins other
 * than the requester (the server refuses the requester anyway), and each
 * asks for the deciding admin's password and code again (DecideRequestDialog).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../api/client';
import type { PendingRoleGrantsQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatTime, QueryState } from '../../ui/ui';
import { DecideRequestDialog, type Decision } from './DecideRequestDialog';
import { PENDING_REQUESTS, requestPhrase, requestText } from './requests';

type Request = PendingRoleGrantsQuery['pendingRoleGrants'][number];

export function PendingGrants({ onMessage }: { onMessage(message: string): void }) {
  const { can, session } = useSession();
  const queryClient = useQueryClient();
  const [deciding, setDeciding] = useState<{ decision: Decision; item: Request } | null>(null);
  const query = useQuery({ queryKey: ['grants'], queryFn: () => request(PENDING_REQUESTS) });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['grants'] }), queryClient.invalidateQueries({ queryKey: ['users'] })]);
  const columns: Column<Request>[] = [
    { header: 'User', className: 'mono', cell: (g) => g.username, rowHeader: true },
    { header: 'Request', cell: (g) => requestText(g) },
    { header: 'Reason', cell: (g) => g.reason ?? '—' },
    { header: 'Requested by', className: 'mono', cell: (g) => g.requestedBy },
    { header: 'Requested', cell: (g) => formatTime(g.requestedAt) },
    {
      header: 'Decision',
      cell: (g) =>
        g.requestedBy === session?.user.username ? (
          'Another admin decides'
        ) : (
          <div className="actions">
            {can('approveRoleGrant') && (
              <button type="button" onClick={() => setDeciding({ decision: 'approve', item: g })} aria-label={`Approve: ${requestPhrase(g)} for ${g.username}`}>
                Approve
              </button>
            )}
            {can('rejectRoleGrant') && (
              <button type="button" className="danger" onClick={() => setDeciding({ decision: 'reject', item: g })} aria-label={`Reject: ${requestPhrase(g)} for ${g.username}`}>
                Reject
              </button>
            )}
          </div>
        ),
    },
  ];
  return (
    <section aria-labelledby="grants-title" id="requests">
      <h2 id="grants-title">Requests awaiting a second admin</h2>
      <QueryState query={query} loading="Loading requests" isEmpty={(d) => d.pendingRoleGrants.length === 0} empty="No requests are waiting.">
        {(d) => <DataTable caption="Requests awaiting a second admin" captionHidden rows={d.pendingRoleGrants} rowKey={(g) => g.id} columns={columns} />}
      </QueryState>
      {deciding && (
        <DecideRequestDialog
          decision={deciding.decision}
          item={deciding.item}
          onClose={() => setDeciding(null)}
          onDone={(message) => {
            setDeciding(null);
            onMessage(message);
            void refresh();
          }}
        />
      )}
    </section>
  );
}
