/** Partner organisations with their key hints; "Revoke" (after a confirmation) stops their key at once. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { AdminPartnersQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { ConfirmDialog, formatTime } from '../../ui/ui';

const REVOKE_PARTNER = graphql(`
  mutation AdminRevokePartner($name: String!) {
    revokePartner(name: $name) { id name revokedAt }
  }
`);

type Partner = AdminPartnersQuery['partners'][number];

export function PartnersTable({ partners, onMessage }: { partners: Partner[]; onMessage(message: string): void }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<Partner | null>(null);
  const revoke = useMutation({
    mutationFn: (name: string) => request(REVOKE_PARTNER, { name }),
    onSuccess: (data) => {
      setRevoking(null);
      onMessage(`The key of ${data.revokePartner.name} is revoked: it no longer works.`);
      void queryClient.invalidateQueries({ queryKey: ['partners'] });
    },
  });
  const columns: Column<Partner>[] = [
    { header: 'Name', cell: (p) => p.name },
    { header: 'Key starts with', className: 'mono', cell: (p) => `${p.keyHint}…` },
    { header: 'Created', cell: (p) => formatTime(p.createdAt) },
    { header: 'Revoked', cell: (p) => (p.revokedAt ? <strong>{formatTime(p.revokedAt)}</strong> : 'No') },
    {
      header: 'Actions',
      cell: (p) =>
        can('revokePartner') &&
        !p.revokedAt && (
          <button type="button" className="danger" onClick={() => setRevoking(p)} aria-label={`Revoke ${p.name}`}>
            Revoke
          </button>
        ),
    },
  ];
  return (
    <>
      <DataTable caption="Partner organisations and their keys" captionHidden rows={partners} rowKey={(p) => p.id} columns={columns} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the key of ${revoking?.name ?? ''}?`}
        action={revoke}
        labels={{ confirm: 'Revoke key', busy: 'Revoking…' }}
        onConfirm={() => revoking && revoke.mutate(revoking.name)}
        onClose={() => setRevoking(null)}
      >
        <p>Their API key stops working at once; they cannot send referrals or ask about them until you create a new partner for them.</p>
      </ConfirmDialog>
    </>
  );
}
