/** The sign-in page: the server sets an HttpOnly session cookie; no credential is kept by the page. */
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { ApiError, request } from '../api/client';
import { graphql } from '../gql';
import { useSession } from '../session/session';
import { ErrorMessage, TextField } from '../ui/ui';

const SIGN_IN = graphql(`
  mutation ConsoleSignIn($username: String!, $password: String!) {
    consoleSignIn(username: $username, password: $password) {
      expiresAt
      idleTimeoutSeconds
      operations
      user { id username roles desk }
    }
  }
`);

const schema = z.object({
  username: z.string().trim().min(1, 'Enter your username'),
  password: z.string().min(1, 'Enter your password'),
});
type Values = z.infer<typeof schema>;

export function SignIn() {
  const { signedIn, endedBecause } = useSession();
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { username: '', password: '' } });
  const mutation = useMutation({
    mutationFn: (v: Values) => request(SIGN_IN, v),
    onSuccess: (data) => signedIn(data.consoleSignIn),
    onError: () => form.resetField('password'),
  });
  const { errors } = form.formState;
  return (
    <main id="main" className="sign-in">
      <h1>Hotline console</h1>
      <p className="subtitle">Anti-Terrorist Hotline · Communities Together · partner referrals</p>
      {endedBecause && (
        <div className="alert info" role="status">
          <p>{endedBecause}</p>
        </div>
      )}
      <form onSubmit={form.handleSubmit((v) => mutation.mutate(v))} noValidate>
        <TextField label="Username" autoComplete="username" autoFocus error={errors.username?.message} {...form.register('username')} />
        <TextField label="Password" type="password" autoComplete="current-password" error={errors.password?.message} {...form.register('password')} />
        {mutation.error instanceof ApiError && mutation.error.code === 'UNAUTHENTICATED' ? (
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
      <p className="small">Every sign-in and every read of report content is recorded in the audit log.</p>
    </main>
  );
}
