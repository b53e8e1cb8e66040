/**
 * The 3x5x2 grading: the current grade, and for the holder the form to set
 * it (source, intelligence, handling). An ungraded report's form starts
 * empty, so a grade is always chosen, never a default sent unread; a graded
 * one starts from its current grade. Shown only while the state machine lets
 * the report be graded (availableActions GRADE).
 */
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { request } from '../../api/client';
import type { HandlingCode, IntelligenceAssessment, SourceEvaluation } from '../../gql/graphql';
import { FormFooter, Select, formatTime } from '../../ui/ui';
import { GRADE } from './operations';
import type { Act, ReportData } from './types';

const SOURCES = [
  { value: 'S1', label: 'S1: reliable' },
  { value: 'S2', label: 'S2: untested' },
  { value: 'S3', label: 'S3: not reliable' },
];
const INTELLIGENCE = [
  { value: 'A', label: 'A: known directly to the source' },
  { value: 'B', label: 'B: known indirectly, corroborated' },
  { value: 'C', label: 'C: known indirectly to the source' },
  { value: 'D', label: 'D: not known to the source' },
  { value: 'E', label: 'E: suspected to be false' },
];
const HANDLING = [
  { value: 'P', label: 'P: lawful sharing permitted' },
  { value: 'C', label: 'C: sharing permitted with conditions' },
];

interface Values {
  source: SourceEvaluation | '';
  intelligence: IntelligenceAssessment | '';
  handling: HandlingCode | '';
}

export function GradingForm({ report, canAct, act }: { report: ReportData; canAct: boolean; act: Act }) {
  const g = report.grading;
  const [error, setError] = useState<string | null>(null);
  const form = useForm<Values>({
    defaultValues: { source: (g?.source as SourceEvaluation) ?? '', intelligence: (g?.intelligence as IntelligenceAssessment) ?? '', handling: (g?.handling as HandlingCode) ?? '' },
  });
  const submit = form.handleSubmit(async ({ source, intelligence, handling }) => {
    if (!source || !intelligence || !handling) return; // the rules below have already said which is missing
    setError(await act('Grading saved.', () => request(GRADE, { id: report.id, source, intelligence, handling })));
  });
  const errors = form.formState.errors;
  return (
    <section className="panel" aria-labelledby="grading-title">
      <h2 id="grading-title">Grading (3x5x2)</h2>
      <p className="current-grading">
        {g ? (
          <>
            Current grading: <strong className="mono">{`${g.source} / ${g.intelligence} / ${g.handling}`}</strong> <span className="small">set {formatTime(g.gradedAt)}</span>
          </>
        ) : (
          'Not graded yet.'
        )}
      </p>
      {canAct && (
        <form onSubmit={submit} noValidate>
          <div className="grid">
            <Select label="Source evaluation" placeholder="Choose…" options={SOURCES} error={errors.source?.message} {...form.register('source', { required: 'Choose the source evaluation.' })} />
            <Select label="Intelligence assessment" placeholder="Choose…" options={INTELLIGENCE} error={errors.intelligence?.message} {...form.register('intelligence', { required: 'Choose the intelligence assessment.' })} />
            <Select label="Handling code" placeholder="Choose…" options={HANDLING} error={errors.handling?.message} {...form.register('handling', { required: 'Choose the handling code.' })} />
          </div>
          <FormFooter error={error} busy={form.formState.isSubmitting} label="Save grading" busyLabel="Saving…" />
        </form>
      )}
    </section>
  );
}
