/**
 * "Add a partner admin": a staff admin asks for a partner organisation's admin account (display name, username, a
 * first password they replace at their first sign-in on the partner portal). Like every grant it is a request:
 * it opens nothing until a second admin approves it under "Requests awaiting a second admin" (kind PARTNER_ADMIN), so one admin
 * alone cannot hand an outsider a way in. The password is held in memory only and sent once.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { ErrorMessage, Select, TextField } from '../../ui/ui';
import { isFieldError, serverFieldError } from './forms';

const CREATE_PARTNER_ADMIN = graphql(`
  mutation AdminCreatePartnerAdmin($partnerId: ID!, $displayName: String!, $username: String!, $initialPassword: String!) {
    createPartnerAdmin(partnerId: $partnerId, displayName: $displayName, username: $username, initialPassword: $initialPassword) { id }
  }
`);

type Errors = Partial<Record<'partnerId' | 'displayName' | 'username' | 'initialPassword', string>>;

export function PartnerAdminForm({ partners, onRequested }: { partners: readonly { id: string; name: string; revokedAt?: string | null }[]; onRequested(organisation: string): void }) {
  const queryClient = useQueryClient();
  const [partnerId, setPartnerId] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [username, setUsername] = useState('');
  const [initialPassword, setInitialPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const open = partners.filter((p) => !p.revokedAt);
  const mutation = useMutation({
    mutationFn: () => request(CREATE_PARTNER_ADMIN, { partnerId, displayName: displayName.trim(), username: username.trim(), initialPassword }),
    onSuccess: () => {
      const organisation = open.find((p) => p.id === partnerId)?.name ?? '';
      setDisplayName('');
      setUsername('');
      setInitialPassword('');
      setPartnerId('');
      onRequested(organisation);
      void queryClient.invalidateQueries({ queryKey: ['grants'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Errors = {};
    if (!partnerId) found.partnerId = 'Choose the partner organisation';
    if (!displayName.trim()) found.displayName = 'Enter their name';
    if (!username.trim()) found.username = 'Enter a username';
    if (initialPassword.length < 12) found.initialPassword = 'Enter a first password of at least 12 characters';
    setErrors(found);
    if (!Object.keys(found).length) mutation.mutate();
  };
  // A field's own error goes once it is changed; the others stay until the next attempt.
  const clear = (f: keyof Errors) => setErrors((e) => ({ ...e, [f]: undefined }));
  const err = (f: keyof Errors) => errors[f] ?? serverFieldError(mutation.error, f);
  return (
    <form onSubmit={submit} noValidate aria-labelledby="pa-title">
      <h2 id="pa-title">Add a partner admin</h2>
      <p className="hint">
        The partner admin adds and removes their organisation&apos;s caseworkers on the partner portal. A second admin must approve the account before it can sign in. Give the username and first password in person or by phone; they choose their own password and second
        factor at their first sign-in.
      </p>
      <div className="grid">
        <Select label="Partner organisation" placeholder="Choose an organisation…" options={open.map((p) => ({ value: p.id, label: p.name }))} value={partnerId} onChange={(e) => { setPartnerId(e.target.value); clear('partnerId'); }} error={err('partnerId')} />
        <TextField label="Their name" autoComplete="off" value={displayName} onChange={(e) => { setDisplayName(e.target.value); clear('displayName'); }} error={err('displayName')} />
        <TextField label="Username" hint="2 to 63 characters: lower-case letters, numbers, dots, dashes or underscores" autoComplete="off" value={username} onChange={(e) => { setUsername(e.target.value); clear('username'); }} error={err('username')} />
        <TextField label="First password" hint="At least 12 characters; replaced at their first sign-in" type="password" autoComplete="new-password" value={initialPassword} onChange={(e) => { setInitialPassword(e.target.value); clear('initialPassword'); }} error={err('initialPassword')} />
      </div>
      {!isFieldError(mutation.error, ['partnerId', 'displayName', 'username', 'initialPassword']) && <ErrorMessage error={mutation.error} />}
      <button type="submit" className="primary" disabled={mutation.isPending}>
        {mutation.isPending ? 'Asking…' : 'Ask for approval'}
      </button>
    </form>
  );
}
