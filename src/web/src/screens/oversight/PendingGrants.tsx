/**
 * Role grants waiting for a second admin (separation of duties, README):
 * every admin sees them; Approve and Reject are offered only to admins other
 * than the requester (the server refuses the requester anyway).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { PendingRoleGrantsQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { ErrorMessage, humanise, QueryState } from '../../ui/ui';

const PENDING = graphql(`
  query PendingRoleGrants {
    pendingRoleGrants { id username roles requestedBy requestedAt }
  }
`);
const APPROVE = graphql(`
  mutation ApproveRoleGrant($id: ID!) {
    approveRoleGrant(id: $id) { id status username }
  }
`);
const REJECT = graphql(`
  mutation RejectRoleGrant($id: ID!) {
    rejectRoleGrant(id: $id) { id status username }
  }
`);

type Grant = PendingRoleGrantsQuery['pendingRoleGrants'][number];

export function PendingGrants({ onMessage }: { onMessage(message: string): void }) {
  const { can, session } = useSession();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['grants'], queryFn: () => request(PENDING) });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['grants'] }), queryClient.invalidateQueries({ queryKey: ['users'] })]);
  const approve = useMutation({
    mutationFn: (id: string) => request(APPROVE, { id }),
    onSuccess: (d) => {
      onMessage(`Roles approved for ${d.approveRoleGrant.username}.`);
      void refresh();
    },
  });
  const reject = useMutation({
    mutationFn: (id: string) => request(REJECT, { id }),
    onSuccess: (d) => {
      onMessage(`Roles rejected for ${d.rejectRoleGrant.username}.`);
      void refresh();
    },
  });
  const columns: Column<Grant>[] = [
    { header: 'User', className: 'mono', cell: (g) => g.username, rowHeader: true },
    { header: 'Roles', cell: (g) => g.roles.map(humanise).join(', ') },
    { header: 'Requested by', className: 'mono', cell: (g) => g.requestedBy },
    {
      header: 'Decision',
      cell: (g) =>
        g.requestedBy === session?.user.username ? (
          'Another admin decides'
        ) : (
          <div className="actions">
            {can('approveRoleGrant') && (
              <button type="button" onClick={() => approve.mutate(g.id)} disabled={approve.isPending} aria-label={`Approve roles for ${g.username}`}>
                Approve
              </button>
            )}
            {can('rejectRoleGrant') && (
              <button type="button" className="danger" onClick={() => reject.mutate(g.id)} disabled={reject.isPending} aria-label={`Reject roles for ${g.username}`}>
                Reject
              </button>
            )}
          </div>
        ),
    },
  ];
  return (
    <section aria-labelledby="grants-title">
      <h2 id="grants-title">Role grants awaiting a second admin</h2>
      <ErrorMessage error={approve.error ?? reject.error} />
      <QueryState query={query} loading="Loading role grants" isEmpty={(d) => d.pendingRoleGrants.length === 0} empty="No role grants are waiting.">
        {(d) => <DataTable caption="Role grants awaiting a second admin" captionHidden rows={d.pendingRoleGrants} rowKey={(g) => g.id} columns={columns} />}
      </QueryState>
    </section>
  );
}
