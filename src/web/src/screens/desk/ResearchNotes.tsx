/** Research notes on a report (encrypted by the server) and, for the holder, the form to add one. */
import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { STAFF_TEXT_LIMITS } from '../../../../reports/rules/staff-text-limits';
import { request } from '../../api/client';
import { FormFooter, TextArea } from '../../ui/ui';
import { ADD_NOTE } from './operations';
import type { Act, ReportData } from './types';

const schema = z.object({ text: z.string().trim().min(1, 'Write the note first.').max(STAFF_TEXT_LIMITS.note, `A note is at most ${STAFF_TEXT_LIMITS.note} characters.`) });

export function ResearchNotes({ report, canAct, act }: { report: ReportData; canAct: boolean; act: Act }) {
  const [error, setError] = useState<string | null>(null);
  const form = useForm<z.infer<typeof schema>>({ resolver: zodResolver(schema), defaultValues: { text: '' } });
  const submit = form.handleSubmit(async ({ text }) => {
    const err = await act('Note added.', () => request(ADD_NOTE, { id: report.id, text }));
    setError(err);
    if (!err) form.reset({ text: '' });
  });
  return (
    <section className="panel" aria-labelledby="notes-title">
      <h2 id="notes-title">Research notes</h2>
      {report.researchNotes?.length ? (
        <ol className="notes">
          {report.researchNotes.map((n) => (
            <li key={n.id}>
              <pre className="narrative">{n.text}</pre>
            </li>
          ))}
        </ol>
      ) : (
        <p className="empty">No notes yet.</p>
      )}
      {canAct && (
        <form onSubmit={submit} noValidate>
          <TextArea label="New note" hint="Stored encrypted; every reader of the report sees it." rows={4} maxLength={STAFF_TEXT_LIMITS.note} error={form.formState.errors.text?.message} {...form.register('text')} />
          <FormFooter error={error} busy={form.formState.isSubmitting} label="Add note" busyLabel="Adding…" />
        </form>
      )}
    </section>
  );
}
