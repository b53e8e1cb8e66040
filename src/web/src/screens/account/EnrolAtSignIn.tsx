/**
 * The sign-in step for a user whose role needs a second factor they have not
 * set up: enrolment with the ticket the sign-in answered with, then signing
 * in with the next code from the new app (the code used to confirm cannot be
 * used again). The password typed on the sign-in page stays in memory only
 * (the caller's `signIn` closure) and is never shown or stored.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { ErrorMessage, TextField, DialogButtons } from '../../ui/ui';
import { MfaEnrolment } from './Enrolment';

export function EnrolAtSignIn({ ticket, signIn, onCancel }: { ticket: string; signIn(code: string): Promise<unknown>; onCancel(): void }) {
  const [enrolled, setEnrolled] = useState(false);
  if (!enrolled) {
    return (
      <>
        <div className="alert info">
          <p>Your role must sign in with a second factor. Set one up now: it takes a minute, and you need your work phone.</p>
        </div>
        <MfaEnrolment ticket={ticket} onDone={() => setEnrolled(true)} onCancel={onCancel} />
      </>
    );
  }
  return <SignInWithCode signIn={signIn} onCancel={onCancel} />;
}

function SignInWithCode({ signIn, onCancel }: { signIn(code: string): Promise<unknown>; onCancel(): void }) {
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);
  const mutation = useMutation({ mutationFn: signIn });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    setMissing(value === '');
    if (value) mutation.mutate(value, { onError: () => setCode('') });
  };
  const failed = mutation.error instanceof ApiError && mutation.error.code === 'UNAUTHENTICATED';
  return (
    <form onSubmit={submit} noValidate>
      <h2>Sign in with your new second factor</h2>
      <div className="alert ok" role="status">
        <p>Your authenticator app is set up.</p>
      </div>
      <TextField
        label="Authenticator code"
        hint="Wait for the app to show a new code (the one you confirmed with cannot be used again), then enter it."
        inputMode="numeric"
        autoComplete="one-time-code"
        autoFocus
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={missing ? 'Enter the code from your authenticator app' : undefined}
      />
      {failed ? (
        <div className="alert error" role="alert">
          <p>Sign-in failed. Wait for the next code and try again, or cancel and sign in again.</p>
        </div>
      ) : (
        <ErrorMessage error={mutation.error} />
      )}
      <DialogButtons submit label="Sign in" busyLabel="Signing in…" busy={mutation.isPending} onCancel={onCancel} />
    </form>
  );
}
