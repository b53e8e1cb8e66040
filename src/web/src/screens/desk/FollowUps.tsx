/**
 * Follow-ups on a report (a caller's later calls, a partner's additions) and
 * the questions put to the referring partner with their answers; for the
 * holder of a partner referral, the form to ask the partner a question.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { STAFF_TEXT_LIMITS } from '../../../../reports/rules/staff-text-limits';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { FormFooter, formatTime, humanise, TextArea } from '../../ui/ui';
import type { Act, ReportData } from './types';

const ASK_PARTNER = graphql(`
  mutation AskPartner($reportId: ID!, $question: String!) {
    askPartner(reportId: $reportId, question: $question) { id }
  }
`);

const schema = z.object({ question: z.string().trim().min(3, 'Write the question first (at least 3 characters).').max(STAFF_TEXT_LIMITS.note, `A question is at most ${STAFF_TEXT_LIMITS.note} characters.`) });

export function FollowUps({ report, canAsk, act }: { report: ReportData; canAsk: boolean; act: Act }) {
  const [error, setError] = useState<string | null>(null);
  const form = useForm<z.infer<typeof schema>>({ resolver: zodResolver(schema), defaultValues: { question: '' } });
  const submit = form.handleSubmit(async ({ question }) => {
    const err = await act('Question sent to the partner.', () => request(ASK_PARTNER, { reportId: report.id, question }));
    setError(err);
    if (!err) form.reset({ question: '' });
  });
  const partner = report.source === 'PARTNER_REFERRAL';
  return (
    <>
      <section className="panel" aria-labelledby="addenda-title">
        <h2 id="addenda-title">Follow-ups</h2>
        {report.addenda?.length ? (
          <ol className="notes">
            {report.addenda.map((a) => (
              <li key={a.id}>
                <p>
                  {humanise(a.source === 'PARTNER_REFERRAL' ? 'PARTNER_ADDITION' : 'CALLER_FOLLOW_UP')}, {formatTime(a.at)}
                </p>
                <pre className="narrative">{a.narrative}</pre>
                {[...a.subjects.map((s) => s.name), ...a.vehicles.map((v) => v.registration), ...a.locations.map((l) => l.postcode)].filter(Boolean).length > 0 && (
                  <p className="mono">{[...a.subjects.map((s) => s.name), ...a.vehicles.map((v) => v.registration), ...a.locations.map((l) => l.postcode)].filter(Boolean).join(' · ')}</p>
                )}
              </li>
            ))}
          </ol>
        ) : (
          <p className="empty">No follow-ups yet.</p>
        )}
      </section>
      {partner && (
        <section className="panel" aria-labelledby="questions-title">
          <h2 id="questions-title">Questions to the partner</h2>
          {report.questions?.length ? (
            <ol className="notes">
              {report.questions.map((q) => (
                <li key={q.id}>
                  <p>Asked {formatTime(q.askedAt)}</p>
                  <pre className="narrative">{q.text}</pre>
                  {q.answer ? (
                    <>
                      <p>Answered {formatTime(q.answeredAt)}</p>
                      <pre className="narrative">{q.answer}</pre>
                    </>
                  ) : (
                    <p className="empty">Not answered yet.</p>
                  )}
                </li>
              ))}
            </ol>
          ) : (
            <p className="empty">No questions yet.</p>
          )}
          {canAsk && (
            <form onSubmit={submit} noValidate>
              <TextArea label="Ask the partner" hint="The partner sees only the question and when it was asked. Never ask for the informant's identity." rows={3} maxLength={STAFF_TEXT_LIMITS.note} error={form.formState.errors.question?.message} {...form.register('question')} />
              <FormFooter error={error} busy={form.formState.isSubmitting} label="Ask the partner" busyLabel="Sending…" />
            </form>
          )}
        </section>
      )}
    </>
  );
}
