/**
 * The record-a-call form: one page, keyboard only from the first field to
 * "Record the call" (Ctrl+Enter records from anywhere; a plain Enter in a
 * one-line field does not send a half-typed call). The idempotency key is
 * the form's: every attempt, including "Retry" after a lost connection,
 * sends the same one, so the call is never recorded twice. Nothing typed
 * leaves this component's memory except in the request itself.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, type KeyboardEvent } from 'react';
import { useForm, useWatch, type Path } from 'react-hook-form';
import { LIMITS } from '../../../../intake/limits';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql';
import type { HotlineCallInput } from '../../gql/graphql';
import { Checkbox, ErrorMessage, Select, TextArea } from '../../ui/ui';
import { CallerFields } from './CallerFields';
import type { Recorded } from './CallRecorded';
import { BOROUGHS, CATEGORIES, CATEGORY_LABELS, CHANNELS, callSchema, emptyCall, fieldId, formPathOf, toInput, type CallValues } from './model';
import { ErrorSummary } from './ErrorSummary';
import { Rows } from './Rows';

const RECORD_CALL = graphql(`
  mutation RecordHotlineCall($input: HotlineCallInput!) {
    recordHotlineCall(input: $input) {
      reference
      urgentAction
    }
  }
`);

/** Failures after which sending the same call again is the right thing to do. */
const RETRYABLE = new Set(['NETWORK', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED']);

export function CallForm({ idempotencyKey, onRecorded }: { idempotencyKey: string; onRecorded: (r: Recorded) => void }) {
  const form = useForm<CallValues>({ resolver: zodResolver(callSchema), defaultValues: emptyCall(), shouldFocusError: true });
  const queryClient = useQueryClient();
  const mutation = useMutation({ mutationFn: (input: HotlineCallInput) => request(RECORD_CALL, { input }) });
  const imminent = useWatch({ control: form.control, name: 'imminentThreat' });
  const narrative = useWatch({ control: form.control, name: 'narrative' });
  const { errors, isSubmitting, submitCount } = form.formState;
  // Set synchronously: two clicks in the same instant both pass validation, only one sends.
  const inFlight = useRef(false);

  const submit = form.handleSubmit(async (values) => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const data = await mutation.mutateAsync(toInput(values, idempotencyKey));
      void queryClient.invalidateQueries({ queryKey: ['mySubmissions'] });
      onRecorded({ reference: data.recordHotlineCall.reference, urgentAction: data.recordHotlineCall.urgentAction });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'BAD_USER_INPUT') {
        let focused = false;
        for (const { path, message } of err.fieldErrors()) {
          const name = formPathOf(path, values);
          if (!name) continue;
          form.setError(name as Path<CallValues>, { type: 'server', message: serverWords(message) }, { shouldFocus: !focused });
          focused = true;
        }
      }
    } finally {
      inFlight.current = false;
    }
  });

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key !== 'Enter') return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      if (!isSubmitting) void submit();
    } else if (e.target instanceof HTMLInputElement) {
      e.preventDefault();
    }
  };

  const error = mutation.error;
  const code = error instanceof ApiError ? error.code : 'INTERNAL_SERVER_ERROR';
  return (
    <section aria-labelledby="record-call">
      <h1 id="record-call">Record a call</h1>
      <p className="hint draft-note">
        Nothing you type is saved in this browser: closing or reloading this tab loses the draft. Ctrl+Enter records the call from any field.
      </p>
      {submitCount > 0 && <ErrorSummary errors={errors} onFocus={(name) => form.setFocus(name as Path<CallValues>)} />}
      <form onSubmit={(e) => void submit(e)} onKeyDown={onKeyDown} noValidate>
        <fieldset>
          <legend>The call</legend>
          <div className="grid">
            <Select id={fieldId('channel')} label="Channel" autoFocus options={CHANNELS} error={errors.channel?.message} {...form.register('channel')} />
            <Select id={fieldId('borough')} label="Borough" hint="Where it is happening, if the caller said" options={BOROUGHS} error={errors.borough?.message} {...form.register('borough')} />
          </div>
          <Checkbox id={fieldId('imminentThreat')} label="Imminent threat: someone may be in danger now" {...form.register('imminentThreat')} />
          {imminent && (
            <div className="alert urgent" role="alert">
              <p>Imminent threat: pass this call to 999 now.</p>
              <p className="urgent-detail">Transfer the caller or dial 999 yourself, then stay on the line. Record the call afterwards: it will get the highest priority.</p>
            </div>
          )}
          <TextArea
            id={fieldId('narrative')}
            label="What the caller said"
            hint={`In the caller's own words, as fully as you can (up to ${LIMITS.narrative.toLocaleString('en-GB')} characters).`}
            rows={10}
            autoComplete="off"
            error={errors.narrative?.message}
            {...form.register('narrative')}
          />
          <p className="hint counter">
            {narrative.length.toLocaleString('en-GB')} of {LIMITS.narrative.toLocaleString('en-GB')} characters
          </p>
          <fieldset className="categories" aria-describedby={errors.categories ? 'call-categories-error' : undefined}>
            <legend>Categories (at least one)</legend>
            <div className="checkbox-grid">
              {CATEGORIES.map((c, i) => (
                <Checkbox key={c} id={i === 0 ? fieldId('categories') : `call-category-${c}`} label={CATEGORY_LABELS[c]} value={c} {...form.register('categories')} />
              ))}
            </div>
            {errors.categories && (
              <span className="field-error" id="call-categories-error" role="alert">
                {errors.categories.message}
              </span>
            )}
          </fieldset>
        </fieldset>
        <CallerFields form={form} />
        <Rows form={form} name="subjects" />
        <Rows form={form} name="vehicles" />
        <Rows form={form} name="locations" />

        {error && (
          <div className="submit-error">
            {code === 'CONFLICT' ? (
              <div className="alert error" role="alert">
                <p>
                  An earlier attempt to record this call reached the server, and the form has changed since. Check My submissions: the call is there. To record the
                  changes, tell the investigating desk, or record them as a new call.
                </p>
              </div>
            ) : code === 'BAD_USER_INPUT' ? (
              <div className="alert error" role="alert">
                <p>The server did not accept part of the call: the field is marked. Correct it and record the call again.</p>
              </div>
            ) : (
              <ErrorMessage error={error} onRetry={RETRYABLE.has(code) ? () => void submit() : undefined} />
            )}
            {RETRYABLE.has(code) && <p className="hint">Retry sends the same call: it cannot be recorded twice.</p>}
          </div>
        )}
        <div className="actions submit">
          <button type="submit" className="primary" disabled={isSubmitting}>
            {isSubmitting ? 'Recording…' : 'Record the call'}
          </button>
          <span className="hint">
            The call is encrypted and sent to triage as soon as it is recorded.
          </span>
        </div>
      </form>
    </section>
  );
}

/** "input.subjects.0.name must be at most 200 characters" → "Must be at most 200 characters". */
function serverWords(message: string): string {
  const s = message.replace(/^input(\.[\w]+)+ /, '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
