/** The sign-in page: the server sets an HttpOnly session cookie; no credential is kept by the page. */
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { ApiError, request } from '../api/client';
import { graphql } from '../gql';
import { useSession } from '../session/session';
import { ErrorMessage, TextField } from '../ui/ui';
import { ChoosePasswordAtSignIn } from './account/ChoosePasswordAtSignIn';
import { EnrolAtSignIn } from './account/EnrolAtSignIn';

const SIGN_IN = graphql(`
  mutation ConsoleSignIn($username: String!, $password: String!, $totp: String) {
    consoleSignIn(username: $username, password: $password, totp: $totp) {
      expiresAt
      idleTimeoutSeconds
      attachmentMaxBytes
      operations
      user { id username roles desk }
    }
  }
`);

const SINGLE_SIGN_ON = graphql(`
  query SingleSignOn {
    singleSignOn { label startUrl }
  }
`);

/** What the server's single sign-on routes send back in `?sso_error=`, in plain words (never which check failed). */
const SSO_ERRORS: Record<string, string> = {
  SERVICE_UNAVAILABLE: 'Single sign-on is unavailable; use your local account.',
  UNAUTHENTICATED: 'Single sign-on failed. Try again, or use your local account.',
};
const ssoError = () => {
  const code = new URLSearchParams(window.location.search).get('sso_error');
  return code ? (SSO_ERRORS[code] ?? SSO_ERRORS.UNAUTHENTICATED) : null;
};

const schema = z.object({
  username: z.string().trim().min(1, 'Enter your username'),
  password: z.string().min(1, 'Enter your password'),
  totp: z.string().trim().max(64).optional(),
});
type Values = z.infer<typeof schema>;

export function SignIn() {
  const { signedIn, endedBecause, lockedFor } = useSession();
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { username: lockedFor ?? '', password: '', totp: '' } });
  // A role that needs a second factor the user has not set up: enrol with the ticket, then sign in with a code (credentials kept in memory only).
  const [enrol, setEnrol] = useState<{ ticket: string; username: string; password: string } | null>(null);
  // The first sign-in of an account an admin created: choose one's own password with the ticket, then sign in with it.
  const [choose, setChoose] = useState<{ ticket: string; username: string } | null>(null);
  const mutation = useMutation({
    mutationFn: (v: Values) => request(SIGN_IN, { ...v, totp: v.totp || null }),
    onSuccess: (data) => signedIn(data.consoleSignIn),
    onError: (err, v) => {
      const ext = err instanceof ApiError ? (err.errors[0]?.extensions as { mfa?: string; enrolmentTicket?: string; passwordChange?: string; passwordTicket?: string } | undefined) : undefined;
      if (ext?.passwordChange === 'REQUIRED' && ext.passwordTicket) {
        form.resetField('password');
        setChoose({ ticket: ext.passwordTicket, username: v.username });
        return;
      }
      if (ext?.mfa === 'ENROL' && ext.enrolmentTicket) setEnrol({ ticket: ext.enrolmentTicket, username: v.username, password: v.password });
      // Asked for the second factor: the password typed stays, and the code is what is typed next.
      if (ext?.mfa === 'REQUIRED') {
        form.setFocus('totp');
        return;
      }
      form.resetField('password');
      form.resetField('totp');
    },
  });
  const { errors } = form.formState;
  // The server asks for the second factor in extensions.mfa: REQUIRED (enter a code) or ENROL (set one up first).
  const mfa = mutation.error instanceof ApiError ? (mutation.error.errors[0]?.extensions as { mfa?: string } | undefined)?.mfa : undefined;
  const sso = useQuery({ queryKey: ['singleSignOn'], queryFn: () => request(SINGLE_SIGN_ON), retry: false });
  const ssoMessage = ssoError();
  return (
    <main id="main" className="sign-in">
      <h1>Hotline console</h1>
      <p className="subtitle">Anti-Terrorist Hotline · Communities Together · partner referrals</p>
      {endedBecause && !lockedFor && (
        <div className="alert info" role="status">
          <p>{endedBecause}</p>
        </div>
      )}
      {lockedFor && (
        <div className="alert warn locked" role="status">
          <p>
            <strong>Locked.</strong> {endedBecause ? `${endedBecause} ` : ''}What {lockedFor} was typing is kept in this window, not recorded yet. Sign in as {lockedFor} to carry on. Anyone else who signs in
            here discards it.
          </p>
        </div>
      )}
      {ssoMessage && (
        <div className="alert error" role="alert">
          <p>{ssoMessage}</p>
        </div>
      )}
      {sso.data?.singleSignOn && !enrol && !choose && (
        <p>
          <a className="button" href={sso.data.singleSignOn.startUrl}>
            Sign in with {sso.data.singleSignOn.label}
          </a>
        </p>
      )}
      {choose ? (
        <ChoosePasswordAtSignIn
          ticket={choose.ticket}
          onChosen={(password) => {
            setChoose(null);
            mutation.mutate({ username: choose.username, password, totp: '' });
          }}
          onCancel={() => {
            setChoose(null);
            mutation.reset();
          }}
        />
      ) : enrol ? (
        <EnrolAtSignIn
          ticket={enrol.ticket}
          signIn={(totp) => request(SIGN_IN, { username: enrol.username, password: enrol.password, totp }).then((data) => signedIn(data.consoleSignIn))}
          onCancel={() => {
            setEnrol(null);
            mutation.reset();
          }}
        />
      ) : (
      <form onSubmit={form.handleSubmit((v) => mutation.mutate(v))} noValidate>
        <TextField label="Username" autoComplete="username" autoFocus error={errors.username?.message} {...form.register('username')} />
        <TextField label="Password" type="password" autoComplete="current-password" error={errors.password?.message} {...form.register('password')} />
        <TextField
          label="Authenticator code"
          hint="The 6-digit code from your authenticator app, or one of your recovery codes. Leave empty if you have not set one up."
          inputMode="numeric"
          autoComplete="one-time-code"
          error={errors.totp?.message}
          {...form.register('totp')}
        />
        {mfa === 'REQUIRED' ? (
          <div className="alert error" role="alert">
            <p>Enter the code from your authenticator app.</p>
          </div>
        ) : mutation.error instanceof ApiError && mutation.error.code === 'UNAUTHENTICATED' ? (
          <div className="alert error" role="alert">
            <p>{mutation.error.message}. Check your username and password.</p>
          </div>
        ) : (
          <ErrorMessage error={mutation.error} />
        )}
        <button type="submit" className="primary" disabled={mutation.isPending}>
          {mutation.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      )}
      <p className="small">Every sign-in and every read of report content is recorded in the audit log.</p>
    </main>
  );
}
