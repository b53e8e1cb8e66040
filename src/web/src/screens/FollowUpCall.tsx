/**
 * "Follow-up call": a caller rings back about the reference they were given.
 * The handler types the reference and what is new (a narrative and, if the
 * caller gives them, names, vehicle registrations and postcodes, as many as
 * given, and whether the threat is now imminent, which raises the report to
 * P1); the server appends it encrypted to the report and tells its holder.
 * The handler learns only that it was recorded ("the desk will see it"),
 * never who holds the report or what happens to it: an unknown, erased or
 * partner reference is the same "not found". What is typed is kept only as the
 * tab's in-memory draft (session/drafts.tsx), never in browser storage.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useFieldArray, useForm, useWatch, type UseFormReturn } from 'react-hook-form';
import { z } from 'zod';
import { INTAKE_LIMITS } from '../../../intake/limits';
import { ApiError, plainMessage, request } from '../api/client';
import { graphql } from '../gql';
import { sameValues, useDraftKeeper, useDrafts } from '../session/drafts';
import { Checkbox, FormFooter, Notice, TextArea, TextField } from '../ui/ui';

const RECORD_FOLLOW_UP = graphql(`
  mutation RecordFollowUp($reference: String!, $input: FollowUpInput!) {
    recordFollowUp(reference: $reference, input: $input) { reference recordedAt }
  }
`);

const row = (max: number) => z.object({ value: z.string().trim().max(max, `At most ${max} characters.`) });
const schema = z.object({
  reference: z.string().trim().regex(/^ATH-\d{4}-\d{6}$/i, 'Type the reference as the caller gives it, e.g. ATH-2026-000123.'),
  narrative: z.string().trim().min(1, 'Write what the caller says is new.').max(INTAKE_LIMITS.narrative, `At most ${INTAKE_LIMITS.narrative} characters.`),
  imminentThreat: z.boolean(),
  names: z.array(row(INTAKE_LIMITS.name)).max(INTAKE_LIMITS.listItems),
  registrations: z.array(row(INTAKE_LIMITS.short)).max(INTAKE_LIMITS.listItems),
  postcodes: z.array(row(INTAKE_LIMITS.short)).max(INTAKE_LIMITS.listItems),
});
type Values = z.infer<typeof schema>;
type ListName = 'names' | 'registrations' | 'postcodes';
const EMPTY: Values = { reference: '', narrative: '', imminentThreat: false, names: [{ value: '' }], registrations: [{ value: '' }], postcodes: [{ value: '' }] };
const filled = (rows: { value: string }[]) => rows.map((r) => r.value.trim()).filter(Boolean);

/** What the handler may tell the caller: that it is recorded, never what happens to the report or who holds it (the trust review). */
export const RECORDED = (reference: string) => `Follow-up recorded on ${reference}. The desk will see it.`;

export function FollowUpCall() {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const drafts = useDrafts();
  const queryClient = useQueryClient();
  const [restored] = useState(() => drafts.get<Values>('followUp'));
  const [key, setKey] = useState(() => restored?.idempotencyKey ?? crypto.randomUUID());
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: restored?.values ?? EMPTY });
  const keyNow = useRef(key);
  keyNow.current = key;
  useDraftKeeper('followUp', form, {
    meta: () => ({ idempotencyKey: keyNow.current, startedAt: null, sentDurationSeconds: null }),
    isEmpty: (v) => sameValues(v, EMPTY),
    finished: () => false,
  });
  const errors = form.formState.errors;
  const imminent = useWatch({ control: form.control, name: 'imminentThreat' });
  // A "not found" answer is about the reference typed then: it goes when the reference changes.
  const reference = form.register('reference');
  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      const res = await request(RECORD_FOLLOW_UP, {
        reference: v.reference.toUpperCase(),
        input: {
          idempotencyKey: `fu-${key}`,
          narrative: v.narrative,
          imminentThreat: v.imminentThreat,
          subjects: filled(v.names).map((name) => ({ name })),
          vehicles: filled(v.registrations).map((registration) => ({ registration })),
          locations: filled(v.postcodes).map((postcode) => ({ postcode })),
        },
      });
      setDone(RECORDED(res.recordFollowUp.reference));
      void queryClient.invalidateQueries({ queryKey: ['myFollowUps'] });
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
        <TextField label="Reference" hint="As the caller gives it, e.g. ATH-2026-000123" autoComplete="off" error={errors.reference?.message} {...reference} onChange={(e) => { setError(null); void reference.onChange(e); }} />
        <TextArea label="What is new" hint="In the caller's words. Stored encrypted." rows={6} maxLength={INTAKE_LIMITS.narrative} error={errors.narrative?.message} {...form.register('narrative')} />
        <Checkbox id="follow-up-imminent" label="Imminent threat: someone may be in danger now" {...form.register('imminentThreat')} />
        {imminent && (
          <div className="alert urgent" role="alert">
            <p>Imminent threat: pass this call to 999 now.</p>
            <p className="urgent-detail">Transfer the caller or dial 999 yourself, then stay on the line. Record the follow-up afterwards: the report will be raised to the highest priority.</p>
          </div>
        )}
        <div className="grid follow-up-lists">
          <ValueRows form={form} name="names" label="Person's name" add="Add another name" />
          <ValueRows form={form} name="registrations" label="Vehicle registration" add="Add another registration" />
          <ValueRows form={form} name="postcodes" label="Postcode" add="Add another postcode" />
        </div>
        <FormFooter error={error} busy={form.formState.isSubmitting} label="Record follow-up" busyLabel="Recording…" />
      </form>
    </section>
  );
}

/** One list of optional values (names, registrations or postcodes), a field a row, with a button that adds a row and puts the cursor in it. */
function ValueRows({ form, name, label, add }: { form: UseFormReturn<Values>; name: ListName; label: string; add: string }) {
  const { fields, append } = useFieldArray({ control: form.control, name });
  const errors = form.formState.errors[name];
  return (
    <div className="value-rows">
      {fields.map((f, i) => (
        <TextField
          key={f.id}
          id={`follow-up-${name}-${i}`}
          label={`${label}${fields.length > 1 ? ` ${i + 1}` : ''} (optional)`}
          autoComplete="off"
          error={errors?.[i]?.value?.message}
          {...form.register(`${name}.${i}.value`)}
        />
      ))}
      {fields.length < INTAKE_LIMITS.listItems && (
        <button type="button" onClick={() => append({ value: '' }, { shouldFocus: true })}>
          {add}
        </button>
      )}
    </div>
  );
}
