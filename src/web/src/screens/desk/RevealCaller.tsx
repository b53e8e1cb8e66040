/**
 * "Reveal caller": a dialog that says the reveal is audited and asks for a
 * reason (STAFF_TEXT_LIMITS.revealReasonMin characters or more). The identity is held
 * only in this component's state: closing the dialog or leaving the page
 * forgets it.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { STAFF_TEXT_LIMITS } from '../../../../reports/rules/staff-text-limits';
import { request } from '../../api/client';
import type { RevealCallerMutation } from '../../gql/graphql';
import { Dialog, ErrorMessage, TextArea } from '../../ui/ui';
import { REVEAL_CALLER } from './operations';
import type { ReportData } from './types';

const schema = z.object({
  reason: z
    .string()
    .trim()
    .min(STAFF_TEXT_LIMITS.revealReasonMin, `Give a reason of at least ${STAFF_TEXT_LIMITS.revealReasonMin} characters.`)
    .max(STAFF_TEXT_LIMITS.reason, `A reason is at most ${STAFF_TEXT_LIMITS.reason} characters.`),
});

type Caller = RevealCallerMutation['revealCaller'];

export function RevealCaller({ report }: { report: ReportData }) {
  const [open, setOpen] = useState(false);
  const [caller, setCaller] = useState<Caller | null>(null);
  const [error, setError] = useState<unknown>(null);
  const form = useForm<z.infer<typeof schema>>({ resolver: zodResolver(schema), defaultValues: { reason: '' } });

  const close = () => {
    setOpen(false);
    setCaller(null);
    setError(null);
    form.reset({ reason: '' });
  };
  const submit = form.handleSubmit(async ({ reason }) => {
    setError(null);
    try {
      setCaller((await request(REVEAL_CALLER, { reportId: report.id, reason })).revealCaller);
    } catch (e) {
      setError(e);
    }
  });

  return (
    <section className="panel" aria-labelledby="caller-title">
      <h2 id="caller-title">Caller</h2>
      {!report.callerDetailsRecorded ? (
        <p>The caller did not give their identity.</p>
      ) : (
        <>
          <p>
            {report.anonymous
              ? 'The caller did not give their identity, but gave a language, an interpreter or safe-to-contact notes. They are kept with the caller details: reveal them only when you need them; every reveal is audited.'
              : "The caller's identity is kept apart from the report. Reveal it only when you need it; every reveal is audited."}
          </p>
          <button type="button" onClick={() => setOpen(true)}>
            {report.anonymous ? 'Reveal caller details' : 'Reveal caller'}
          </button>
        </>
      )}
      <Dialog open={open} title="Reveal the caller's identity" onClose={close}>
        {caller ? (
          <>
            <dl className="facts caller">
              <div><dt>Name</dt><dd>{caller.name || '—'}</dd></div>
              <div><dt>Phone</dt><dd>{caller.phone || '—'}</dd></div>
              <div><dt>Email</dt><dd>{caller.email || '—'}</dd></div>
              <div><dt>Address</dt><dd>{caller.address || '—'}</dd></div>
              <div><dt>May we recontact</dt><dd>{caller.mayRecontact == null ? 'Not asked' : caller.mayRecontact ? 'Yes' : 'No'}</dd></div>
              {caller.preferredContactTimes && <div><dt>Preferred contact times</dt><dd>{caller.preferredContactTimes}</dd></div>}
              {caller.language && <div><dt>Language</dt><dd>{caller.language}</dd></div>}
              {caller.interpreter && <div><dt>Interpreter</dt><dd>{caller.interpreter}</dd></div>}
              {caller.safeContact && <div><dt>Safe to contact</dt><dd>{caller.safeContact}</dd></div>}
              <div><dt>May we leave a message</dt><dd>{caller.mayLeaveMessage == null ? 'Not asked' : caller.mayLeaveMessage ? 'Yes' : 'No'}</dd></div>
            </dl>
            <p className="small">This reveal has been recorded in the audit log. The identity is forgotten when you close this dialog.</p>
            <div className="actions">
              <button type="button" className="primary" onClick={close} autoFocus>
                Close and forget
              </button>
            </div>
          </>
        ) : (
          <form onSubmit={submit} noValidate>
            <div className="alert warn">
              <p>This reveal is audited: your name, the time, the report and your reason are recorded, and supervisors review every reveal.</p>
            </div>
            <TextArea
              label="Reason for revealing the caller"
              hint={`At least ${STAFF_TEXT_LIMITS.revealReasonMin} characters, e.g. the research step that needs the caller.`}
              rows={3}
              maxLength={STAFF_TEXT_LIMITS.reason}
              error={form.formState.errors.reason?.message}
              {...form.register('reason')}
            />
            <ErrorMessage error={error} />
            <div className="actions">
              <button type="submit" className="danger" disabled={form.formState.isSubmitting}>
                {form.formState.isSubmitting ? 'Revealing…' : 'Reveal'}
              </button>
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </Dialog>
    </section>
  );
}
