/**
 * "Follow-up call": a caller rings back about the reference they were given.
 * The handler types the reference and what is new (a narrative and, if the
 * caller gives them, a person's name, a vehicle registration, a postcode);
 * the server appends it encrypted to the report and tells its holder. The
 * handler learns only that it was recorded: an unknown, erased or partner
 * reference is the same "not found". What is typed is kept only as the
 * tab's in-memory draft (session/drafts.tsx), never in browser storage.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { LIMITS } from '../../../intake/limits';
import { ApiError, plainMessage, request } from '../api/client';
import { graphql } from '../gql';
import { useDraftKeeper, useDrafts } from '../session/drafts';
import { FormFooter, Notice, TextArea, TextField } from '../ui/ui';

const RECORD_FOLLOW_UP = graphql(`
  mutation RecordFollowUp($reference: String!, $input: FollowUpInput!) {
    recordFollowUp(reference: $reference, input: $input) { reference receivedAt }
  }
`);

const schema = z.object({
  reference: z.string().trim().regex(/^ATH-\d{4}-\d{6}$/i, 'Type the reference as the caller gives it, e.g. ATH-2026-000123.'),
  narrative: z.string().trim().min(1, 'Write what the caller says is new.').max(LIMITS.narrative, `At most ${LIMITS.narrative} characters.`),
  subjectName: z.string().trim().max(LIMITS.name),
  registration: z.string().trim().max(LIMITS.short),
  postcode: z.string().trim().max(LIMITS.short),
});
type Values = z.infer<typeof schema>;
const EMPTY: Values = { reference: '', narrative: '', subjectName: '', registration: '', postcode: '' };

export function FollowUpCall() {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const drafts = useDrafts();
  const [restored] = useState(() => drafts.get<Values>('followUp'));
  const [key, setKey] = useState(() => restored?.idempotencyKey ?? crypto.randomUUID());
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: restored?.values ?? EMPTY });
  const keyNow = useRef(key);
  keyNow.current = key;
  useDraftKeeper('followUp', form, {
    meta: () => ({ idempotencyKey: keyNow.current, startedAt: null, sentDurationSeconds: null }),
    isEmpty: (v) => JSON.stringify(v) === JSON.stringify(EMPTY),
    finished: () => false,
  });
  const errors = form.formState.errors;
  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      const res = await request(RECORD_FOLLOW_UP, {
        reference: v.reference.toUpperCase(),
        input: {
          idempotencyKey: `fu-${key}`,
          narrative: v.narrative,
          subjects: v.subjectName ? [{ name: v.subjectName }] : [],
          vehicles: v.registration ? [{ registration: v.registration }] : [],
          locations: v.postcode ? [{ postcode: v.postcode }] : [],
        },
      });
      setDone(`Follow-up recorded on ${res.recordFollowUp.reference}. The investigator holding it has been told.`);
      // A new follow-up gets a new key before the form empties (the emptied form then keeps no draft).
      keyNow.current = crypto.randomUUID();
      setKey(keyNow.current);
      form.reset(EMPTY);
      drafts.put('followUp', null);
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'NOT_FOUND' ? 'No report with this reference can take a follow-up. Check the reference with the caller, or record a new call.' : plainMessage(err));
    }
  });
  return (
    <section aria-labelledby="follow-up-title">
      <h1 id="follow-up-title">Follow-up call</h1>
      <p className="subtitle">For a caller ringing back about a reference they were given. If anyone is in immediate danger, transfer the call to 999 first.</p>
      {restored && !done && (
        <div className="alert warn" role="status">
          <p>The follow-up you were recording is back as you left it. It is not recorded yet.</p>
        </div>
      )}
      <Notice message={done} />
      <form className="panel" onSubmit={submit} noValidate>
        <TextField label="Reference" hint="As the caller gives it, e.g. ATH-2026-000123" autoComplete="off" error={errors.reference?.message} {...form.register('reference')} />
        <TextArea label="What is new" hint="In the caller's words. Stored encrypted." rows={6} maxLength={LIMITS.narrative} error={errors.narrative?.message} {...form.register('narrative')} />
        <div className="grid">
          <TextField label="Person's name (optional)" autoComplete="off" error={errors.subjectName?.message} {...form.register('subjectName')} />
          <TextField label="Vehicle registration (optional)" autoComplete="off" error={errors.registration?.message} {...form.register('registration')} />
          <TextField label="Postcode (optional)" autoComplete="off" error={errors.postcode?.message} {...form.register('postcode')} />
        </div>
        <FormFooter error={error} busy={form.formState.isSubmitting} label="Record follow-up" busyLabel="Recording…" />
      </form>
    </section>
  );
}
