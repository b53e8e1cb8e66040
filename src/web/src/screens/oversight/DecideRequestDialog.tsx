/**
 * Approving or rejecting a request another admin made: the deciding admin
 * types their own password and, once they have one, a second-factor code
 * again (as the CLI asks for them), so a session left open is not enough to
 * decide. A wrong password or code decides nothing and keeps the session;
 * what was typed is cleared after every answer.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, request } from '../../api/client';
import type { PendingRoleGrantsQuery } from '../../gql/graphql';
import { AlertText, Dialog, DialogButtons, ErrorMessage, TextField } from '../../ui/ui';
import { APPROVE_REQUEST, REJECT_REQUEST, requestPhrase } from './requests';

export type Decision = 'approve' | 'reject';
type Request = PendingRoleGrantsQuery['pendingRoleGrants'][number];

export function DecideRequestDialog({ decision, item, onClose, onDone }: { decision: Decision; item: Request; onClose(): void; onDone(message: string): void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState<string | undefined>();
  const mutation = useMutation({
    mutationFn: async () => {
      const vars = { id: item.id, password, totp: code.trim() || null };
      return decision === 'approve' ? (await request(APPROVE_REQUEST, vars)).approveRoleGrant : (await request(REJECT_REQUEST, vars)).rejectRoleGrant;
    },
    onSuccess: (r) => onDone(decision === 'approve' ? `Approved: ${requestPhrase(item)} for ${r.username}.` : `Rejected: ${requestPhrase(item)} for ${r.username}.`),
    // Nothing typed stays after an answer.
    onSettled: () => {
      setPassword('');
      setCode('');
    },
  });
  const err = mutation.error;
  const mfaAsked = err instanceof ApiError && err.code === 'UNAUTHENTICATED' && /code from your authenticator/i.test(err.message);
  const wrong = err instanceof ApiError && err.code === 'UNAUTHENTICATED' ? err.message : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!password) {
      setMissing('Enter your password');
      return;
    }
    setMissing(undefined);
    mutation.mutate();
  };

  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  return (
    <Dialog open title={`${verb}: ${requestPhrase(item)} for ${item.username}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p>
          Requested by <span className="mono">{item.requestedBy}</span>
          {item.reason ? <>. Reason: “{item.reason}”</> : null}.
        </p>
        <p className="hint">To {decision} it, confirm it is you: type your own password and, if you have set one up, a current code from your authenticator app.</p>
        <AlertText text={wrong && !mfaAsked ? `${wrong}.` : null} />
        <TextField label="Your password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={missing} />
        <TextField
          label="Second-factor code"
          hint="6 digits from your authenticator app, or a recovery code. Leave empty if you have no second factor."
          autoComplete="one-time-code"
          inputMode="text"
          spellCheck={false}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={mfaAsked ? 'Enter the code from your authenticator app' : undefined}
        />
        {!(err instanceof ApiError && err.code === 'UNAUTHENTICATED') && <ErrorMessage error={err} />}
        <DialogButtons
          submit
          kind={decision === 'approve' ? 'primary' : 'danger'}
          label={verb}
          busyLabel={decision === 'approve' ? 'Approving…' : 'Rejecting…'}
          busy={mutation.isPending}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
