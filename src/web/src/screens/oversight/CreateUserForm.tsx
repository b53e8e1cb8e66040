/**
 * The admin's form to create a staff user: username, initial password, roles
 * as checkboxes, and the desk (asked only when the user is an investigator).
 * The rules are the server's (src/auth/service.ts createUser); the server checks again.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { Checkbox, ErrorMessage, Select, TextField, humanise } from '../../ui/ui';
import { isFieldError, serverFieldError } from './forms';

const CREATE_USER = graphql(`
  mutation AdminCreateUser($username: String!, $password: String!, $roles: [Role!]!, $desk: Desk) {
    createUser(username: $username, password: $password, roles: $roles, desk: $desk) { id username roles desk disabled }
  }
`);

const ROLES = ['CALL_HANDLER', 'INVESTIGATOR', 'SUPERVISOR', 'AUDITOR', 'ADMIN', 'OVERSIGHT'] as const;
const DESKS = [
  { value: 'SO12', label: 'SO12 · Special Branch (intelligence)' },
  { value: 'SO13', label: 'SO13 · Anti-Terrorist Branch (investigation)' },
];

const schema = z
  .object({
    username: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, '2 to 63 characters: lower-case letters, digits, dot, underscore or hyphen, starting with a letter or digit'),
    password: z.string().min(12, 'At least 12 characters').max(1024, 'At most 1,024 characters'),
    roles: z.array(z.enum(ROLES)).min(1, 'Tick at least one role'),
    desk: z.enum(['SO12', 'SO13']).or(z.literal('')),
  })
  .refine((v) => !v.roles.includes('INVESTIGATOR') || v.desk !== '', { path: ['desk'], message: 'An investigator needs a desk' });
type Values = z.infer<typeof schema>;
type Input = z.input<typeof schema>;

export function CreateUserForm({ onCreated }: { onCreated(username: string): void }) {
  const form = useForm<Input, unknown, Values>({ resolver: zodResolver(schema), defaultValues: { username: '', password: '', roles: [], desk: '' } });
  const mutation = useMutation({
    mutationFn: (v: Values) => {
      const investigator = v.roles.includes('INVESTIGATOR');
      return request(CREATE_USER, { username: v.username, password: v.password, roles: v.roles, desk: investigator && v.desk ? v.desk : null });
    },
    onSuccess: (data) => {
      form.reset();
      onCreated(data.createUser.username);
    },
  });
  const roles = form.watch('roles');
  const { errors } = form.formState;
  const investigator = roles.includes('INVESTIGATOR');

  return (
    <form onSubmit={form.handleSubmit((v) => mutation.mutate(v))} noValidate aria-labelledby="cu-title">
      <h2 id="cu-title">Create a user</h2>
      <div className="grid">
        <TextField label="Username" autoComplete="off" spellCheck={false} error={errors.username?.message ?? serverFieldError(mutation.error, 'username')} {...form.register('username')} />
        <TextField
          label="Initial password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters, by a separate channel; it only lets them choose their own"
          error={errors.password?.message ?? serverFieldError(mutation.error, 'password')}
          {...form.register('password')}
        />
      </div>
      <fieldset aria-describedby={errors.roles ? 'cu-roles-error' : undefined}>
        <legend>Roles</legend>
        <div className="role-choices">
          {ROLES.map((r) => (
            <Checkbox key={r} label={humanise(r)} value={r} {...form.register('roles')} />
          ))}
        </div>
        {(errors.roles?.message ?? serverFieldError(mutation.error, 'roles')) && (
          <span className="field-error" id="cu-roles-error" role="alert">
            {errors.roles?.message ?? serverFieldError(mutation.error, 'roles')}
          </span>
        )}
      </fieldset>
      {investigator && (
        <div className="grid">
          <Select label="Desk" placeholder="Choose a desk…" options={DESKS} error={errors.desk?.message ?? serverFieldError(mutation.error, 'desk')} {...form.register('desk')} />
        </div>
      )}
      {!isFieldError(mutation.error, ['username', 'password', 'roles', 'desk']) && <ErrorMessage error={mutation.error} />}
      <button type="submit" className="primary" disabled={mutation.isPending}>
        {mutation.isPending ? 'Creating…' : 'Create user'}
      </button>
    </form>
  );
}
