/**
 * The admin's screens: staff users (/admin/users: create, disable, revoke
 * sessions; ask for a re-enable, desk move or second-factor reset and decide
 * other admins' requests) and partner organisations (/admin/partners: create
 * or rotate with the API key shown once, revoke, ask for a partner admin account
 * that a second admin approves under Users, "Requests awaiting a second admin").
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { useSession } from '../session/session';
import { ErrorMessage, Notice, QueryState, TextField } from '../ui/ui';
import { CreateUserForm } from './oversight/CreateUserForm';
import { isFieldError, serverFieldError } from './oversight/forms';
import { PartnerAdminForm } from './oversight/PartnerAdminForm';
import { PartnerKeyPanel } from './oversight/PartnerKeyPanel';
import { PartnersTable, type NewPartnerKey } from './oversight/PartnersTable';
import { PendingGrants } from './oversight/PendingGrants';
import { UsersTable } from './oversight/UsersTable';

const USERS = graphql(`
  query AdminUsers {
    users { id username roles pendingRoles desk disabled }
  }
`);
const PARTNERS = graphql(`
  query AdminPartners {
    partners { id name keyHint createdAt revokedAt }
  }
`);
const CREATE_PARTNER = graphql(`
  mutation AdminCreatePartner($name: String!) {
    createPartner(name: $name) { apiKey partner { id name keyHint createdAt revokedAt } }
  }
`);

export function AdminUsers() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<string | null>(null);
  const query = useQuery({ queryKey: ['users'], queryFn: () => request(USERS) });
  return (
    <div className="oversight">
      <h1>Users</h1>
      <Notice message={message} />
      <section aria-labelledby="users-title">
        <h2 id="users-title">Staff users</h2>
        <QueryState query={query} loading="Loading users" isEmpty={(d) => d.users.length === 0} empty="There are no users yet.">
          {(d) => <UsersTable users={d.users} onMessage={setMessage} />}
        </QueryState>
      </section>
      {can('pendingRoleGrants') && <PendingGrants onMessage={setMessage} />}
      {can('createUser') && (
        <section>
          <CreateUserForm
            onCreated={(username) => {
              setMessage(`User ${username} created. At their first sign-in they choose their own password (the one you gave opens no session); their roles apply once a second admin approves them.`);
              void queryClient.invalidateQueries({ queryKey: ['users'] });
              void queryClient.invalidateQueries({ queryKey: ['grants'] });
            }}
          />
        </section>
      )}
    </div>
  );
}

export function AdminPartners() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<string | null>(null);
  // The new key lives only here, in memory: leaving the page or dismissing the panel forgets it.
  const [created, setCreated] = useState<NewPartnerKey | null>(null);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const query = useQuery({ queryKey: ['partners'], queryFn: () => request(PARTNERS) });
  const create = useMutation({
    mutationFn: (n: string) => request(CREATE_PARTNER, { name: n }),
    onSuccess: (data) => {
      setName('');
      setMessage(null);
      setCreated({ name: data.createPartner.partner.name, apiKey: data.createPartner.apiKey });
      void queryClient.invalidateQueries({ queryKey: ['partners'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (n.length < 2 || n.length > 120) {
      setNameError('Enter the organisation name (2 to 120 characters)');
      return;
    }
    setNameError(undefined);
    create.mutate(n);
  };

  return (
    <div className="oversight">
      <h1>Partners</h1>
      {created && (
        <PartnerKeyPanel
          name={created.name}
          apiKey={created.apiKey}
          previousKeyExpiresAt={created.previousKeyExpiresAt}
          onDismiss={() => {
            setCreated(null);
            setMessage(`${created.previousKeyExpiresAt ? `New key for ${created.name} issued` : `Partner ${created.name} created`}. Its key is no longer shown anywhere.`);
          }}
        />
      )}
      <Notice message={message} />
      <section aria-labelledby="partners-title">
        <h2 id="partners-title">Partner organisations</h2>
        <QueryState query={query} loading="Loading partners" isEmpty={(d) => d.partners.length === 0} empty="No partner organisation has a key yet.">
          {(d) => (
            <PartnersTable
              partners={d.partners}
              onMessage={setMessage}
              onNewKey={(key) => {
                setMessage(null);
                setCreated(key);
                window.scrollTo({ top: 0 });
              }}
            />
          )}
        </QueryState>
      </section>
      {can('createPartner') && (
        <section>
          <form onSubmit={submit} noValidate aria-labelledby="cp-title">
            <h2 id="cp-title">Create a partner</h2>
            <p className="hint">The partner gets an API key to send referrals. The key is shown once, here, right after you create it.</p>
            <div className="grid">
              <TextField label="Organisation name" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} error={nameError ?? serverFieldError(create.error, 'name')} />
            </div>
            {!isFieldError(create.error, ['name']) && <ErrorMessage error={create.error} />}
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create partner'}
            </button>
          </form>
        </section>
      )}
      {can('createPartnerAdmin') && query.data && query.data.partners.some((p) => !p.revokedAt) && (
        <section>
          <PartnerAdminForm
            partners={query.data.partners}
            onRequested={(organisation) =>
              setMessage(`A partner admin account for ${organisation} is requested. It opens once a second admin approves it under Users, "Requests awaiting a second admin"; then give them their username and first password.`)
            }
          />
        </section>
      )}
    </div>
  );
}
