/**
 * The staff users, with "Disable" (after a confirmation), "Revoke sessions"
 * (says how many were ended), and requests a second admin approves:
 * "Re-enable", "Move desk" (investigators) and "Reset second factor".
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { AdminUsersQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { ConfirmDialog, ErrorMessage, humanise } from '../../ui/ui';
import { AccountRequestDialog, type AccountRequestKind } from './AccountRequestDialog';

const DISABLE_USER = graphql(`
  mutation AdminDisableUser($username: String!) {
    disableUser(username: $username) { id username disabled }
  }
`);
const REVOKE_SESSIONS = graphql(`
  mutation AdminRevokeSessions($username: String!) {
    revokeSessions(username: $username)
  }
`);

type User = AdminUsersQuery['users'][number];

export function UsersTable({ users, onMessage }: { users: User[]; onMessage(message: string): void }) {
  const { can, session } = useSession();
  const queryClient = useQueryClient();
  const [disabling, setDisabling] = useState<User | null>(null);
  const [asking, setAsking] = useState<{ kind: AccountRequestKind; user: User } | null>(null);
  const disable = useMutation({
    mutationFn: (username: string) => request(DISABLE_USER, { username }),
    onSuccess: (data) => {
      setDisabling(null);
      onMessage(`${data.disableUser.username} is disabled and signed out everywhere.`);
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (username: string) => request(REVOKE_SESSIONS, { username }),
    onSuccess: (data, username) => onMessage(`${data.revokeSessions === 1 ? '1 session' : `${data.revokeSessions} sessions`} of ${username} ended.`),
  });

  const columns: Column<User>[] = [
    { header: 'Username', className: 'mono', cell: (u) => u.username },
    { header: 'Roles', cell: (u) => [...u.roles.map(humanise), ...u.pendingRoles.map((r) => `${humanise(r)} (awaiting a second admin)`)].join(', ') || '—' },
    { header: 'Desk', cell: (u) => u.desk ?? '—' },
    { header: 'Disabled', cell: (u) => (u.disabled ? <strong>Disabled</strong> : 'No') },
    {
      header: 'Actions',
      cell: (u) => (
        <div className="actions">
          {can('revokeSessions') && (
            <button type="button" onClick={() => revoke.mutate(u.username)} disabled={revoke.isPending} aria-label={`Revoke sessions of ${u.username}`}>
              Revoke sessions
            </button>
          )}
          {can('enableUser') && u.disabled && (
            <button type="button" onClick={() => setAsking({ kind: 'ENABLE', user: u })} aria-label={`Re-enable ${u.username}`}>
              Re-enable
            </button>
          )}
          {can('moveUserDesk') && u.roles.includes('INVESTIGATOR') && (
            <button type="button" onClick={() => setAsking({ kind: 'MOVE_DESK', user: u })} aria-label={`Move desk of ${u.username}`}>
              Move desk
            </button>
          )}
          {can('resetMfa') && (
            <button type="button" onClick={() => setAsking({ kind: 'RESET_SECOND_FACTOR', user: u })} aria-label={`Reset second factor of ${u.username}`}>
              Reset second factor
            </button>
          )}
          {can('disableUser') && !u.disabled && u.id !== session?.user.id && (
            <button type="button" className="danger" onClick={() => setDisabling(u)} aria-label={`Disable ${u.username}`}>
              Disable
            </button>
          )}
        </div>
      ),
    },
  ];
  return (
    <>
      <ErrorMessage error={revoke.error} />
      <DataTable caption="Staff users, their roles and desks" captionHidden rows={users} rowKey={(u) => u.id} columns={columns} />
      {asking && (
        <AccountRequestDialog
          kind={asking.kind}
          user={asking.user}
          onClose={() => setAsking(null)}
          onDone={(message) => {
            setAsking(null);
            onMessage(message);
            void queryClient.invalidateQueries({ queryKey: ['grants'] });
          }}
        />
      )}
      <ConfirmDialog
        open={disabling !== null}
        title={`Disable ${disabling?.username ?? ''}?`}
        action={disable}
        labels={{ confirm: 'Disable user', busy: 'Disabling…' }}
        onConfirm={() => disabling && disable.mutate(disabling.username)}
        onClose={() => setDisabling(null)}
      >
        <p>They are signed out at once and can no longer sign in.</p>
      </ConfirmDialog>
    </>
  );
}
