/** Partner organisations with their key hints; "Revoke" (after a confirmation) stops their key at once. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { AdminPartnersQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { ConfirmDialog, ErrorMessage, formatTime } from '../../ui/ui';

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
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Revoked</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {partners.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td className="mono">{p.keyHint}…</td>
                <td>{formatTime(p.createdAt)}</td>
                <td>{p.revokedAt ? <strong>{formatTime(p.revokedAt)}</strong> : 'No'}</td>
                <td>
                  {can('revokePartner') && !p.revokedAt && (
                    <button type="button" className="danger" onClick={() => setRevoking(p)} aria-label={`Revoke ${p.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the key of ${revoking?.name ?? ''}?`}
        error={revoke.error}
        busy={revoke.isPending}
        confirmLabel="Revoke key"
        busyLabel="Revoking…"
        onConfirm={() => revoking && revoke.mutate(revoking.name)}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
      >
        <p>Their API key stops working at once; they cannot send referrals or ask about them until you create a new partner for them.</p>
      </ConfirmDialog>
    </>
  );
}
