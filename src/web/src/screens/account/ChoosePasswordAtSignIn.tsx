/**
 * The first sign-in of an account an admin created: the password the admin
 * chose opens no session, so the holder chooses their own here (with the
 * ticket the sign-in answered), and the page then signs in with it. Neither
 * password is kept beyond this step (the caller's closure signs in once).
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { ErrorMessage, TextField, DialogButtons } from '../../ui/ui';

const SET_INITIAL_PASSWORD = graphql(`
  mutation SetInitialPassword($passwordTicket: String!, $newPassword: String!) {
    setInitialPassword(passwordTicket: $passwordTicket, newPassword: $newPassword)
  }
`);

export function ChoosePasswordAtSignIn({ ticket, onChosen, onCancel }: { ticket: string; onChosen(password: string): void; onCancel(): void }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [problems, setProblems] = useState<{ password?: string; again?: string }>({});
  const mutation = useMutation({
    mutationFn: (newPassword: string) => request(SET_INITIAL_PASSWORD, { passwordTicket: ticket, newPassword }),
    onSuccess: (_data, newPassword) => onChosen(newPassword),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = {
      password: password.length < 12 ? 'Enter a password of at least 12 characters' : undefined,
      again: again !== password ? 'Enter the same password again' : undefined,
    };
    setProblems(found);
    if (!found.password && !found.again) mutation.mutate(password);
  };
  return (
    <form onSubmit={submit} noValidate>
      <h2>Choose your own password</h2>
      <div className="alert info" role="status">
        <p>
          This is your first sign-in. The password you were given was chosen by an administrator and cannot be used again: choose your own, which nobody else knows. You then sign in with it
          (and set up your second factor if your role needs one).
        </p>
      </div>
      <TextField
        label="New password"
        hint="At least 12 characters; not the one you were given. A short sentence is easy to remember and hard to guess."
        type="password"
        autoComplete="new-password"
        autoFocus
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={problems.password}
      />
      <TextField label="New password again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} error={problems.again} />
      <ErrorMessage error={mutation.error} />
      <DialogButtons submit label="Save and sign in" busyLabel="Saving…" busy={mutation.isPending} onCancel={onCancel} />
    </form>
  );
}
