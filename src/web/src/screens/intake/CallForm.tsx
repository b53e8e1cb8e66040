/**
 * The record-a-call form: one page, keyboard only from the first field to
 * "Record the call" (Ctrl+Enter records from anywhere; a plain Enter in a
 * one-line field does not send a half-typed call). The idempotency key is
 * the form's: every attempt, including "Retry" after a lost connection or
 * past the client's deadline, sends the same one, so the call is never
 * recorded twice. What is typed is kept as the tab's in-memory draft
 * (session/drafts.tsx), so leaving the screen or an idle lock loses nothing;
 * it leaves the browser only in the request itself.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type KeyboardEvent } from 'react';
import { useForm, useWatch, type Path } from 'react-hook-form';
import { INTAKE_LIMITS } from '../../../../intake/limits';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql';
import type { HotlineCallInput } from '../../gql/graphql';
import { sameValues, useDraftKeeper, useDrafts, type Draft } from '../../session/drafts';
import { Checkbox, Select, TextArea } from '../../ui/ui';
import { HandOffFields, PromptFields } from './CallAids';
import { CallerFields } from './CallerFields';
import { CategoryPicker } from './CategoryPicker';
import type { Recorded } from './CallRecorded';
import { BOROUGHS, CHANNELS, callSchema, emptyCall, fieldId, formPathOf, toInput, type CallValues } from './model';
import { ErrorSummary } from './ErrorSummary';
import { Rows } from './Rows';
import { CLIENT_DEADLINE_MS, SubmitBar, type SendPhase } from './SubmitBar';

const RECORD_CALL = graphql(`
  mutation RecordHotlineCall($input: HotlineCallInput!) {
    recordHotlineCall(input: $input) {
      reference
      urgentAction
    }
  }
`);

/** Nothing typed: every value as in an empty form, whatever order the form keeps its keys in. */
const blank = (v: CallValues) => sameValues(v, emptyCall());

export function CallForm({ idempotencyKey, restored, onRecorded }: { idempotencyKey: string; restored: Draft<CallValues> | null; onRecorded: (r: Recorded) => void }) {
  const form = useForm<CallValues>({ resolver: zodResolver(callSchema), defaultValues: restored?.values ?? emptyCall(), shouldFocusError: true });
  const queryClient = useQueryClient();
  const drafts = useDrafts();
  const imminent = useWatch({ control: form.control, name: 'imminentThreat' });
  const narrative = useWatch({ control: form.control, name: 'narrative' });
  const { errors, submitCount } = form.formState;
  const [phase, setPhase] = useState<SendPhase>({ state: 'idle' });
  // The call timer starts at the first key press; the length sent first is sent again by every retry.
  const [startedAt, setStartedAt] = useState<number | null>(restored?.startedAt ?? null);
  const sentDuration = useRef<number | null>(restored?.sentDurationSeconds ?? null);
  const started = useRef(startedAt);
  // Set synchronously: two clicks in the same instant both pass validation, only one sends.
  const inFlight = useRef(false);
  const attempt = useRef(0);
  const done = useRef(false);

  const keep = useDraftKeeper('call', form, {
    meta: () => ({ idempotencyKey, startedAt: started.current, sentDurationSeconds: sentDuration.current }),
    isEmpty: blank,
    finished: () => done.current,
    onChange: () => {
      if (started.current !== null) return;
      started.current = Date.now();
      setStartedAt(started.current);
    },
  });

  const send = async (values: CallValues) => {
    const n = ++attempt.current;
    if (started.current === null) started.current = Date.now();
    sentDuration.current ??= Math.min(86_400, Math.round((Date.now() - started.current) / 1000));
    keep();
    const since = Date.now();
    setPhase({ state: 'sending', since });
    const deadline = setTimeout(() => attempt.current === n && !done.current && setPhase({ state: 'slow', since }), CLIENT_DEADLINE_MS);
    try {
      const input = { ...toInput(values, idempotencyKey), receivedAt: new Date(started.current).toISOString(), callDurationSeconds: sentDuration.current };
      const data = await request(RECORD_CALL, { input });
      // Any attempt that lands records this call (they all carry the same key): the first answer wins.
      if (done.current) return;
      done.current = true;
      drafts.put('call', null);
      void queryClient.invalidateQueries({ queryKey: ['mySubmissions'] });
      onRecorded({ reference: data.recordHotlineCall.reference, urgentAction: data.recordHotlineCall.urgentAction });
    } catch (err) {
      // A later attempt is in charge of what the bar says.
      if (attempt.current !== n || done.current) return;
      setPhase({ state: 'failed', error: err });
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
      clearTimeout(deadline);
      if (attempt.current === n) inFlight.current = false;
    }
  };

  /** The button and Ctrl+Enter: one attempt at a time. */
  const submit = form.handleSubmit(async (values) => {
    if (inFlight.current) return;
    inFlight.current = true;
    await send(values);
  });
  /** Retry: also while an attempt is still unanswered past the deadline (same key, so still one call). */
  const retry = form.handleSubmit(async (values) => {
    inFlight.current = true;
    await send(values);
  });
  const isSubmitting = phase.state === 'sending' || phase.state === 'slow';

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key !== 'Enter') return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      if (!isSubmitting) void submit();
    } else if (e.target instanceof HTMLInputElement) {
      e.preventDefault();
    }
  };

  return (
    <section aria-labelledby="record-call">
      <h1 id="record-call">Record a call</h1>
      <p className="hint draft-note">
        Nothing you type is saved in this browser: other screens and an idle lock keep the draft, but closing or reloading this tab loses it. Ctrl+Enter records the
        call from any field.
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
          <HandOffFields form={form} />
          <div className="beside-narrative">
            <div>
              <TextArea
                id={fieldId('narrative')}
                label="What the caller said"
                hint={`In the caller's own words, as fully as you can (up to ${INTAKE_LIMITS.narrative.toLocaleString('en-GB')} characters).`}
                rows={10}
                autoComplete="off"
                error={errors.narrative?.message}
                {...form.register('narrative')}
              />
              <p className="hint counter">
                {narrative.length.toLocaleString('en-GB')} of {INTAKE_LIMITS.narrative.toLocaleString('en-GB')} characters
              </p>
            </div>
            <PromptFields form={form} />
          </div>
          <CategoryPicker form={form} />
        </fieldset>
        <CallerFields form={form} />
        <Rows form={form} name="subjects" />
        <Rows form={form} name="vehicles" />
        <Rows form={form} name="locations" />

        <SubmitBar
          phase={phase}
          startedAt={startedAt}
          label="Record the call"
          onRetry={() => void retry()}
          conflictText="An earlier attempt to record this call reached the server, and the form has changed since. Check My submissions: the call is there. To record the changes, tell the investigating desk, or record them as a new call."
        />
      </form>
    </section>
  );
}

/** "input.subjects.0.name must be at most 200 characters" → "Must be at most 200 characters". */
function serverWords(message: string): string {
  const s = message.replace(/^input(\.[\w]+)+ /, '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
