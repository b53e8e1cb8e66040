/** Changing one's own password: the current one, the new one twice. The server ends every other session of the user. */
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { ApiError, plainMessage, request } from '../../api/client';
import { Notice, TextField, FormFooter } from '../../ui/ui';
import { CHANGE_PASSWORD } from './operations';

const schema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password'),
    newPassword: z.string().min(12, 'Use at least 12 characters').max(1024, 'Use at most 1024 characters'),
    confirm: z.string(),
  })
  .refine((v) => v.newPassword === v.confirm, { message: 'The two new passwords are not the same', path: ['confirm'] });
type Values = z.infer<typeof schema>;

export function ChangePassword({ onChanged }: { onChanged(): void }) {
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { currentPassword: '', newPassword: '', confirm: '' } });
  const mutation = useMutation({
    mutationFn: (v: Values) => request(CHANGE_PASSWORD, { currentPassword: v.currentPassword, newPassword: v.newPassword }),
    onSuccess: () => onChanged(),
    // Nothing typed stays in the form after an answer.
    onSettled: () => form.reset(),
  });
  const { errors } = form.formState;
  const err = mutation.error;
  // A wrong current password answers UNAUTHENTICATED while this session stays valid.
  const wrongCurrent = err instanceof ApiError && err.code === 'UNAUTHENTICATED' ? 'The current password is not right (or there were too many tries: wait and retry).' : undefined;
  const badNew = err instanceof ApiError && err.code === 'BAD_USER_INPUT' ? err.message : undefined;
  const ended = mutation.data?.changePassword;
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Change your password</h2>
      <Notice message={ended === undefined ? null : `Your password is changed. ${ended === 1 ? 'Your 1 other session was' : `Your ${ended} other sessions were`} ended; this one stays signed in.`} />
      <form onSubmit={form.handleSubmit((v) => mutation.mutate(v))} noValidate className="narrow-fields">
        <TextField label="Current password" type="password" autoComplete="current-password" error={errors.currentPassword?.message ?? wrongCurrent} {...form.register('currentPassword')} />
        <TextField label="New password" hint="At least 12 characters. A few unrelated words make a good one." type="password" autoComplete="new-password" error={errors.newPassword?.message ?? badNew} {...form.register('newPassword')} />
        <TextField label="New password again" type="password" autoComplete="new-password" error={errors.confirm?.message} {...form.register('confirm')} />
        <FormFooter error={err && !wrongCurrent && !badNew ? plainMessage(err) : null} busy={mutation.isPending} label="Change password" busyLabel="Changing…" />
      </form>
    </section>
  );
}
