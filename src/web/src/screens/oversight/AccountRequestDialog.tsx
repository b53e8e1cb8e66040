/**
 * Asking for a change to a user's account that a second admin approves:
 * re-enable them, move an investigator to the other desk, or reset their
 * second factor. A reason is required; nothing changes until another admin
 * approves the request (they are notified).
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import type { AccountChangeKind, Desk } from '../../gql/graphql';
import { Dialog, DialogButtons, ErrorMessage, Select, TextArea } from '../../ui/ui';
import { isFieldError, serverFieldError } from './forms';
import { MAX_REASON, REQUEST_ENABLE, REQUEST_MOVE_DESK, REQUEST_RESET_MFA } from './requests';

/** The kinds asked for from a user's row (a partner admin account is asked for with createPartnerAdmin). */
export type AccountRequestKind = Exclude<AccountChangeKind, 'ROLES' | 'PARTNER_ADMIN'>;
const DESKS: readonly Desk[] = ['SO12', 'SO13'];

const TITLES: Record<AccountRequestKind, string> = {
  ENABLE: 'Ask to re-enable',
  MOVE_DESK: 'Ask to move the desk of',
  RESET_SECOND_FACTOR: 'Ask to reset the second factor of',
};
const EFFECTS: Record<AccountRequestKind, string> = {
  ENABLE: 'Once approved they can sign in again with their password; their old sessions stay ended.',
  MOVE_DESK: "Once approved the reports they hold go back to their current desk's queue, and they work the new desk.",
  RESET_SECOND_FACTOR: 'Once approved their second factor is removed: they set up a new one at their next sign-in.',
};

export function AccountRequestDialog({ kind, user, onClose, onDone }: { kind: AccountRequestKind; user: { username: string; desk?: Desk | null }; onClose(): void; onDone(message: string): void }) {
  const [reason, setReason] = useState('');
  const [desk, setDesk] = useState<string>(DESKS.find((d) => d !== user.desk) ?? '');
  const [localError, setLocalError] = useState<string | undefined>();
  const mutation = useMutation({
    mutationFn: async () => {
      const why = reason.trim();
      if (kind === 'ENABLE') return request(REQUEST_ENABLE, { username: user.username, reason: why });
      if (kind === 'MOVE_DESK') return request(REQUEST_MOVE_DESK, { username: user.username, desk: desk as Desk, reason: why });
      return request(REQUEST_RESET_MFA, { username: user.username, reason: why });
    },
    onSuccess: () => onDone(`Request sent: another admin must approve it before anything changes for ${user.username}.`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const why = reason.trim();
    const problem = !why ? 'Say why this is needed' : why.length > MAX_REASON ? `Use at most ${MAX_REASON} characters` : undefined;
    setLocalError(problem);
    if (!problem) mutation.mutate();
  };
  return (
    <Dialog open title={`${TITLES[kind]} ${user.username}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p>{EFFECTS[kind]}</p>
        {kind === 'MOVE_DESK' && (
          <Select
            label="Move to desk"
            options={DESKS.filter((d) => d !== user.desk).map((d) => ({ value: d, label: d }))}
            value={desk}
            onChange={(e) => setDesk(e.target.value)}
            error={serverFieldError(mutation.error, 'desk')}
          />
        )}
        <TextArea
          label="Reason"
          hint={`Shown to the approving admin and kept in the audit log (at most ${MAX_REASON} characters)`}
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={localError ?? serverFieldError(mutation.error, 'reason')}
        />
        {!isFieldError(mutation.error, ['reason', 'desk']) && <ErrorMessage error={mutation.error} />}
        <DialogButtons submit label="Send request" busyLabel="Sending…" busy={mutation.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
