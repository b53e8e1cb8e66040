/**
 * Partner organisations with their key hints; "Revoke" (after a confirmation)
 * stops their key at once; "Rotate key" (after a confirmation) issues a new
 * key, handed to `onNewKey` to be shown once, while the old one keeps working
 * for the overlap so the partner can switch without a gap.
 */
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

const ROTATE_PARTNER_KEY = graphql(`
  mutation AdminRotatePartnerKey($name: String!) {
    rotatePartnerKey(name: $name) { apiKey previousKeyExpiresAt partner { id name keyHint } }
  }
`);

type Partner = AdminPartnersQuery['partners'][number];

export interface NewPartnerKey {
  name: string;
  apiKey: string;
  /** Set for a rotation: the old key works until then. */
  previousKeyExpiresAt?: string;
}

export function PartnersTable({ partners, onMessage, onNewKey }: { partners: Partner[]; onMessage(message: string): void; onNewKey(key: NewPartnerKey): void }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<Partner | null>(null);
  const [rotating, setRotating] = useState<Partner | null>(null);
  const rotate = useMutation({
    mutationFn: (name: string) => request(ROTATE_PARTNER_KEY, { name }),
    onSuccess: (data) => {
      setRotating(null);
      const r = data.rotatePartnerKey;
      onNewKey({ name: r.partner.name, apiKey: r.apiKey, previousKeyExpiresAt: r.previousKeyExpiresAt });
      void queryClient.invalidateQueries({ queryKey: ['partners'] });
    },
  });
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
        !p.revokedAt && (
          <div className="actions">
            {can('rotatePartnerKey') && (
              <button type="button" onClick={() => setRotating(p)} aria-label={`Rotate the key of ${p.name}`}>
                Rotate key
              </button>
            )}
            {can('revokePartner') && (
              <button type="button" className="danger" onClick={() => setRevoking(p)} aria-label={`Revoke ${p.name}`}>
                Revoke
              </button>
            )}
          </div>
        ),
    },
  ];
  return (
    <>
      <DataTable caption="Partner organisations and their keys" captionHidden rows={partners} rowKey={(p) => p.id} columns={columns} />
      <ConfirmDialog
        open={rotating !== null}
        title={`Rotate the key of ${rotating?.name ?? ''}?`}
        action={rotate}
        labels={{ confirm: 'Issue a new key', busy: 'Issuing…' }}
        onConfirm={() => rotating && rotate.mutate(rotating.name)}
        onClose={() => setRotating(null)}
      >
        <p>A new API key is issued and shown to you once. The current key keeps working for a while (the overlap), so the partner can switch to the new one without a gap; then it stops.</p>
      </ConfirmDialog>
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
